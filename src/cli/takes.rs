//! `rehearse takes` (list, show, compare, repair, --html) and `rehearse progress`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use rehearse::analysis::Rubric;
use rehearse::coach::Coach;
use rehearse::report::{Format, TerminalStyle};
use rehearse::takes::{self, TakeStore};

use super::score::{OutputArgs, ScoreArgs};

#[derive(Subcommand, Debug)]
pub enum TakesCommand {
    /// Print the full report of a take again (by number from `rehearse takes`, or id).
    Show {
        which: String,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// What changed from take A to take B: time per phase, checks, fillers and hedges
    /// (--format terminal or html).
    Compare {
        a: String,
        b: String,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Repair takes that were cut off (rewrites WAV sizes from the file length).
    Repair,
}

#[derive(Args, Debug)]
pub struct TakesArgs {
    #[arg(long, global = true)]
    pub takes_dir: Option<PathBuf>,
    /// Write the progress page: charts over the takes and drill rounds, each take
    /// with its own page.
    #[arg(long)]
    pub html: bool,
    /// Where the progress page goes [default: progress.html in the takes folder].
    #[arg(long, short = 'o', requires = "html")]
    pub output: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<TakesCommand>,
}

pub fn run(args: TakesArgs, style: TerminalStyle) -> Result<ExitCode> {
    let store = TakeStore::new(args.takes_dir);
    match (args.command, args.html) {
        (None, true) => {
            let out = (args.output).unwrap_or_else(|| store.dir.join(takes::PROGRESS_PAGE));
            println!("{}", store.write_html(&out, &Rubric::builtin())?);
        }
        (None, false) => print!(
            "{}",
            rehearse::ui::tables::takes(&store.list()?, &store.dir)
        ),
        (Some(_), true) => bail!("--html goes with `rehearse takes` alone"),
        (Some(TakesCommand::Show { which, out }), false) => {
            let t = store.get(&which)?;
            if t.unscored {
                score_unscored_take(&t.path)?;
            }
            let mut score = ScoreArgs::for_file(t.path.join(takes::TRANSCRIPT), out);
            score.recording = Some(t.path.join(takes::AUDIO));
            return super::score::run(score, style);
        }
        (Some(TakesCommand::Compare { a, b, out }), false) => {
            let c = store.compare(&a, &b)?;
            let text = match out.format() {
                Format::Terminal => c.text(),
                Format::Html => store.compare_page(&c, out.file()),
                _ => bail!("takes compare writes terminal or html (--format)"),
            };
            out.write(text.as_bytes())?;
        }
        (Some(TakesCommand::Repair), false) => {
            print!("{}", rehearse::ui::tables::repaired(&store.repair_all()?))
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `rehearse progress`: the measures over the takes, in the terminal.
pub fn progress(takes_dir: Option<PathBuf>) -> Result<ExitCode> {
    let store = TakeStore::new(takes_dir);
    print!(
        "{}",
        rehearse::report::progress::text(&store.list()?, &Rubric::builtin())
    );
    Ok(ExitCode::SUCCESS)
}

/// Scores a take that was cut off before its report was saved, and saves the report
/// with it.
fn score_unscored_take(dir: &std::path::Path) -> Result<()> {
    let audio = dir.join(takes::AUDIO);
    say!(
        "this take was not scored (it was cut off before its report was saved); scoring {} now and saving the report with it",
        audio.display()
    );
    let coach = Coach::with_rubric(
        None,
        super::load_encoder(&super::EncoderArgs::default()),
        Default::default(),
    )?;
    let (bar, progress) = rehearse::ui::progress::transcription_bar(&audio);
    let scored = rehearse::rehearsal::score_unscored(&coach, dir, progress)?;
    drop(bar);
    for note in &scored.notes {
        say!("note: {note}");
    }
    Ok(())
}
