//! `rehearse transcribe FILE`: speech to timestamped text.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use rehearse::analysis::{InputKind, Rubric};
use rehearse::coach::{Coach, Progress};

use super::EngineArgs;

#[derive(Args, Debug)]
pub struct TranscribeArgs {
    /// A recording: WAV, MP3, M4A/AAC, FLAC or Ogg Vorbis; `-` reads standard input.
    pub file: PathBuf,
    /// Print the transcript as JSON (schema rehearse.transcript.v1).
    #[arg(long)]
    pub json: bool,
    /// Also save the JSON transcript to this file (written atomically; `-`: standard output).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Audio longer than this gets a progress bar.
const PROGRESS_MIN_SECONDS: f64 = 5.0;

fn clock(s: f64) -> String {
    let cs = (s * 100.0).round() as u64;
    format!("{:02}:{:02}.{:02}", cs / 6000, (cs / 100) % 60, cs % 100)
}

/// A progress bar for transcribing `file`, when someone is watching and it is a
/// recording long enough to wait for (or of unknown length). Dropping the guard
/// clears the bar (whisper.cpp keeps the callback, so it cannot).
pub fn progress_bar(file: &Path) -> (BarGuard, Progress) {
    let audio = rehearse::coach::input::kind_of(file).is_ok_and(|k| k == InputKind::Audio);
    let seconds = rehearse::audio::duration_hint(file);
    if !audio || !super::interactive_stderr() || seconds.is_some_and(|s| s <= PROGRESS_MIN_SECONDS)
    {
        return (BarGuard(None), None);
    }
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("transcribing {bar:30} {pos:>3}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    (
        BarGuard(Some(bar)),
        Some(Box::new(move |p: i32| {
            shown.set_position(p.clamp(0, 100) as u64)
        })),
    )
}

/// Clears its progress bar when dropped.
pub struct BarGuard(Option<ProgressBar>);

impl Drop for BarGuard {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

pub fn run(args: TranscribeArgs) -> Result<ExitCode> {
    let to_stdout = args.output.as_deref().is_some_and(super::is_stdout);
    let output = args.output.as_deref().filter(|o| !super::is_stdout(o));
    if let Some(out) = output {
        rehearse::fsutil::check_destination(out, &[&args.file])?;
    }
    let input = super::InputFile::open(&args.file)?;
    let coach = Coach::new(Rubric::builtin(), None, args.engine.settings());
    let name = args.file.display().to_string();
    let (bar, progress) = progress_bar(&input.path);
    let (t, notes) = coach.transcribe_file(&input.path, &name, progress)?;
    drop(bar);
    for note in &notes {
        say!("note: {note}");
    }
    if t.words.is_empty() {
        say!(
            "note: no speech found in {} (silence, noise or music only){}",
            args.file.display(),
            if t.not_speech.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} words written over silence were left out",
                    t.not_speech.len()
                )
            }
        );
    }
    let json = serde_json::to_string_pretty(&t)?;
    if let Some(out) = output {
        rehearse::fsutil::write_atomic(out, json.as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
    }
    if args.json || to_stdout {
        println!("{json}");
    } else {
        for s in &t.segments {
            println!("[{} → {}] {}", clock(s.start), clock(s.end), s.text.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}
