//! `rehearse transcribe FILE`: speech to timestamped text.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use rehearse::audio::decode_file_16k;
use rehearse::transcribe::stream::{LONG_FILE_S, transcribe_file_in_pieces};
use rehearse::transcript::Transcript;

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

/// Decodes and transcribes one file, with progress bars when someone is watching.
pub fn transcribe_file(file: &std::path::Path, engine_args: &EngineArgs) -> Result<Transcript> {
    let (engine, opts) = super::load_engine(engine_args)?;
    let long = rehearse::audio::duration_hint(file).is_none_or(|d| d > LONG_FILE_S);
    if long {
        let bar = (super::interactive_stderr()).then(|| {
            let bar = ProgressBar::new(100);
            bar.set_style(
                ProgressStyle::with_template("transcribing {bar:30} {pos:>3}% {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        let (info, t) = transcribe_file_in_pieces(&engine, &opts, file, &mut |done, total| {
            if let Some(b) = &bar {
                b.set_position((done * 100).checked_div(total).unwrap_or(0));
            }
        })
        .with_context(|| format!("transcribing {}", file.display()))?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        for note in &info.notes {
            say!("note: {note}");
        }
        return Ok(t);
    }
    let audio = decode_file_16k(file, &mut |_, _| {})?;
    for note in &audio.notes {
        say!("note: {note}");
    }
    let bar = if super::interactive_stderr() && audio.duration_s() > PROGRESS_MIN_SECONDS {
        let bar = ProgressBar::new(100);
        bar.set_style(
            ProgressStyle::with_template("transcribing {bar:30} {pos:>3}% {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let cb = bar.clone().map(|b| {
        Box::new(move |p: i32| b.set_position(p.clamp(0, 100) as u64)) as Box<dyn FnMut(i32)>
    });
    let t = engine
        .transcribe(&audio.samples, &opts, cb)
        .with_context(|| format!("transcribing {}", file.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(t)
}

pub fn run(args: TranscribeArgs) -> Result<ExitCode> {
    let to_stdout = args.output.as_deref().is_some_and(super::is_stdout);
    let output = args.output.as_deref().filter(|o| !super::is_stdout(o));
    if let Some(out) = output {
        rehearse::fsutil::check_destination(out, &[&args.file])?;
    }
    let input = super::InputFile::open(&args.file)?;
    let t = transcribe_file(&input.path, &args.engine)?;
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
