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

fn clock(s: f64) -> String {
    let cs = (s * 100.0).round() as u64;
    format!("{:02}:{:02}.{:02}", cs / 6000, (cs / 100) % 60, cs % 100)
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
