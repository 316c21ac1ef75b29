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
    },
}

pub fn run(cmd: EvalCommand) -> Result<ExitCode> {
    match cmd {
        EvalCommand::Corpus { dir, rubric } => {
            let rubric = match rubric {
                Some(p) => Rubric::load_override(&p)?,
                None => Rubric::builtin(),
            };
            let items = corpus::load_dir(&dir)?;
            let acc = corpus::phase_accuracy(&items, &rubric);
            print!("{}", corpus::markdown(&acc));
            Ok(ExitCode::SUCCESS)
        }
    }
}
