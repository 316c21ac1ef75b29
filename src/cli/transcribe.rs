//! `rehearse transcribe FILE`: speech to timestamped text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use rehearse::coach::Coach;

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

pub fn run(args: TranscribeArgs) -> Result<ExitCode> {
    let to_stdout = args.output.as_deref().is_some_and(super::is_stdout);
    let output = args.output.as_deref().filter(|o| !super::is_stdout(o));
    if let Some(out) = output {
        rehearse::fsutil::check_destination(out, &[&args.file])?;
    }
    let input = rehearse::coach::input::InputFile::open(&args.file)?;
    let coach = Coach::with_rubric(None, None, args.engine.settings())?;
    let name = args.file.display().to_string();
    let (bar, progress) = rehearse::ui::progress::transcription_bar(&input.path);
    let (t, notes) = coach.transcribe_file(&input.path, &name, progress)?;
    drop(bar);
    for note in &notes {
        say!("note: {note}");
    }
    if let Some(note) = t.no_speech_note(&name) {
        say!("note: {note}");
    }
    let json = serde_json::to_string_pretty(&t)?;
    if let Some(out) = output {
        rehearse::fsutil::write_atomic(out, json.as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
    }
    if args.json || to_stdout {
        println!("{json}");
    } else {
        print!("{}", t.timestamped());
    }
    Ok(ExitCode::SUCCESS)
}
