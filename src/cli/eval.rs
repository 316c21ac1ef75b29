//! `rehearse eval corpus DIR`: measure the phase model on labeled answers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use rehearse::coach::Coach;
use rehearse::eval::corpus;
use rehearse::eval::train;

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Word-level phase accuracy and the confusion matrix on labeled corpus folders.
    Corpus {
        /// Folders of labeled answers (schema: ../shared/corpus/README.md).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// A rubric file whose values replace the built-in ones.
        #[arg(long)]
        rubric: Option<PathBuf>,
        /// Cross-validate instead of using the built-in labeller: authors are split into
        /// FOLDS groups and each answer is labelled by a model trained on the other
        /// groups' answers in DIRS (so never on its own author's).
        #[arg(long, value_name = "FOLDS", num_args = 0..=1, default_missing_value = "5")]
        cv: Option<usize>,
        /// With --cv: answers added to every fold's training and never scored.
        #[arg(long, requires = "cv")]
        train_also: Vec<PathBuf>,
        #[command(flatten)]
        encoder: super::EncoderArgs,
    },
    /// Word-level agreement between the corpus labels and a second, independent
    /// labelling (fixtures/corpus/double): the ceiling for any labeller.
    Agreement {
        /// Folder of second labellings ({"id", "phases": [...]} per answer).
        double: PathBuf,
        /// Folders holding the labelled answers they refer to.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Phase accuracy from speech: each labeled answer's spoken rendering
    /// (AUDIO/<id>.wav, scripts/make-fixtures) is transcribed and scored, and the
    /// recognised words are aligned with the labeled ones.
    Speech {
        /// Folders of labeled answers.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder holding <id>.wav renderings; answers without one are skipped.
        #[arg(long)]
        audio: PathBuf,
        #[command(flatten)]
        engine: super::EngineArgs,
        #[command(flatten)]
        encoder: super::EncoderArgs,
    },
    /// Train the phase labeller on labeled corpus folders and write the model file
    /// (the built-in one is models/phase-labeller.safetensors).
    Train {
        /// Folders of labeled answers.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the model (atomically).
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
    /// Filler recall and word error rate on spoken renderings of labeled answers
    /// (AUDIO/<id>.wav for each CORPUS/<id>.json), with and without a filler prompt.
    Fillers {
        /// Folder of labeled answers.
        corpus: PathBuf,
        /// Folder holding <id>.wav renderings (scripts/make-fixtures writes them).
        audio: PathBuf,
        /// Initial prompts to compare ("" = none); default: none vs a disfluent prompt.
        #[arg(long)]
        prompt: Vec<String>,
        #[command(flatten)]
        engine: super::EngineArgs,
    },
}

pub fn run(cmd: EvalCommand) -> Result<ExitCode> {
    match cmd {
        EvalCommand::Corpus {
            dirs,
            rubric,
            cv,
            train_also,
            encoder,
        } => {
            let items = corpus::load_dirs(&dirs)?;
            let coach = Coach::with_rubric(
                rubric.as_deref(),
                super::load_encoder(&encoder),
                Default::default(),
            )?;
            let (rubric, encoder) = (coach.rubric(), coach.sentence_encoder());
            let acc = match cv {
                Some(k) => {
                    let extra = corpus::load_dirs(&train_also)?;
                    train::cross_validated_accuracy(&items, &extra, rubric, encoder, k)?
                }
                None => corpus::phase_accuracy(&items, rubric, encoder),
            };
            print!("{}", corpus::markdown(&acc));
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Speech {
            dirs,
            audio,
            engine,
            encoder,
        } => {
            let items =
                corpus::rendered(corpus::load_dirs(&dirs)?, &audio, "labelled answer", |_| {
                    true
                })?;
            let coach = Coach::with_rubric(None, super::load_encoder(&encoder), engine.settings())?;
            let acc = corpus::phase_accuracy_from_speech(&coach, &items, &audio)?;
            print!("{}", corpus::markdown(&acc));
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Agreement { double, dirs } => {
            let items = corpus::load_dirs(&dirs)?;
            let second = corpus::load_second_labels(&double)?;
            let rows = corpus::agreement(&items, &second).map_err(anyhow::Error::msg)?;
            print!("{}", corpus::agreement_markdown(&rows));
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Train { dirs, output } => {
            let items = corpus::load_dirs(&dirs)?;
            let encoder = super::load_encoder(&super::EncoderArgs::default());
            let Some(encoder) = encoder else {
                anyhow::bail!("training needs the sentence encoder (see the note above)");
            };
            let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            let (bytes, trained_on) = train::train_model(
                &items,
                encoder.as_ref(),
                &format!("{} answers from {}", items.len(), names.join(", ")),
            )?;
            rehearse::fsutil::write_atomic(&output, &bytes)?;
            eprintln!("wrote {} ({trained_on})", output.display());
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Fillers {
            corpus: dir,
            audio,
            prompt,
            engine,
        } => {
            let items = corpus::rendered(
                corpus::load_dir(&dir)?,
                &audio,
                "answer with fillers",
                |i| i.expect.fillers.values().sum::<usize>() > 0,
            )?;
            // Phases from the words alone: only the filler counts are read.
            let mut coach = Coach::with_rubric(None, None, engine.settings())?;
            let results =
                rehearse::eval::fillers::compare_prompts(&mut coach, &items, &audio, &prompt)?;
            print!("{}", rehearse::eval::fillers::markdown(&results));
            Ok(ExitCode::SUCCESS)
        }
    }
}
