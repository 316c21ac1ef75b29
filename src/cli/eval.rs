//! `rehearse eval corpus DIR`: measure the phase model on labeled answers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use rehearse::analysis::Rubric;
use rehearse::eval::corpus;

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Word-level phase accuracy and the confusion matrix on a labeled corpus folder.
    Corpus {
        /// Folder of labeled answers (schema: ../shared/corpus/README.md).
        dir: PathBuf,
        /// A rubric file whose values replace the built-in ones.
        #[arg(long)]
        rubric: Option<PathBuf>,
        #[command(flatten)]
        encoder: super::EncoderArgs,
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
            dir,
            rubric,
            encoder,
        } => {
            let rubric = Rubric::load(rubric.as_deref())?;
            let items = corpus::load_dir(&dir)?;
            let encoder = super::load_encoder(&encoder);
            let acc = corpus::phase_accuracy(
                &items,
                &rubric,
                encoder
                    .as_ref()
                    .map(|e| e as &dyn rehearse::analysis::SentenceEncoder),
            );
            print!("{}", corpus::markdown(&acc));
            Ok(ExitCode::SUCCESS)
        }
        EvalCommand::Fillers {
            corpus: dir,
            audio,
            prompt,
            engine,
        } => fillers(&dir, &audio, prompt, &engine),
    }
}

fn fillers(
    dir: &std::path::Path,
    audio: &std::path::Path,
    prompts: Vec<String>,
    engine_args: &super::EngineArgs,
) -> Result<ExitCode> {
    use rehearse::analysis::{InputInfo, InputKind, Timing, analyze};
    use rehearse::eval::fillers::{FillerRecall, recall, without_filled_pauses};
    use rehearse::eval::word_error_rate;

    let prompts = if prompts.is_empty() {
        vec![
            String::new(),
            rehearse::transcribe::FILLER_PROMPT.to_string(),
        ]
    } else {
        prompts
    };
    let rubric = Rubric::builtin();
    let items: Vec<_> = corpus::load_dir(dir)?
        .into_iter()
        .filter(|i| {
            i.expect.fillers.values().sum::<usize>() > 0
                && audio.join(format!("{}.wav", i.id)).is_file()
        })
        .collect();
    if items.is_empty() {
        anyhow::bail!(
            "no answers with fillers have a rendering in {}",
            audio.display()
        );
    }
    let (engine, base_opts) = super::load_engine(engine_args)?;
    let mut state = engine.new_state()?;
    let decoded: Vec<_> = items
        .iter()
        .map(|i| {
            rehearse::audio::decode_wav_16k(&audio.join(format!("{}.wav", i.id)), &mut |_, _| {})
        })
        .collect::<Result<_, _>>()?;
    println!(
        "| prompt | answers | filled-pause recall (um/uh/er) | marker recall (like, you know, …) | content WER | decode s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for p in &prompts {
        let mut opts = base_opts.clone();
        opts.initial_prompt = (!p.is_empty()).then(|| p.clone());
        let mut total = FillerRecall::default();
        let (mut wer_sum, mut secs) = (0.0, 0.0);
        for (item, pcm) in items.iter().zip(&decoded) {
            let started = std::time::Instant::now();
            let t = engine.transcribe(&mut state, &pcm.samples, &opts, None)?;
            secs += started.elapsed().as_secs_f64();
            let report = analyze(
                &t,
                InputInfo {
                    path: item.id.clone(),
                    kind: InputKind::Audio,
                    timing: Timing::Measured,
                },
                &rubric,
            )
            .report;
            total.add(&recall(item, &report));
            wer_sum += word_error_rate(
                &without_filled_pauses(&item.text()),
                &without_filled_pauses(&t.text()),
            );
        }
        let label = if p.is_empty() {
            "(none)".to_string()
        } else {
            format!("\"{p}\"")
        };
        println!(
            "| {label} | {} | {:.0}% ({}/{}) | {:.0}% ({}/{}) | {:.1}% | {:.1} |",
            items.len(),
            total.filled_recall() * 100.0,
            total.found_filled,
            total.expected_filled,
            total.marker_recall() * 100.0,
            total.found_markers,
            total.expected_markers,
            wer_sum / items.len() as f64 * 100.0,
            secs
        );
    }
    Ok(ExitCode::SUCCESS)
}
