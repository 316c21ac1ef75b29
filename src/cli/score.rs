//! `rehearse score FILE`: the coach's report for a recording, a written draft or a
//! saved transcript.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use rehearse::coach::{Coach, Input};
use rehearse::report::{Format, TerminalStyle, formatter};

use super::EngineArgs;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A recording (.wav, .mp3, .m4a, .flac, .ogg), a written draft (.txt, .md) or a saved
    /// transcript (.json); `-` reads standard input.
    pub file: PathBuf,
    /// Print the report as JSON (schema rehearse.report.v1); same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Report format: terminal, json, md or html (one self-contained page).
    #[arg(long, value_parser = parse_format, default_value = "terminal")]
    pub format: FormatArg,
    /// With --format html: put the recording in the page (16 kHz, 8-bit) instead of linking it.
    #[arg(long)]
    pub embed_audio: bool,
    /// Write the report to this file (atomically) instead of standard output (`-`: standard output).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// A rubric file whose values replace the built-in ones (see rubrics/failure.toml).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub encoder: super::EncoderArgs,
}

#[derive(Debug, Clone, Copy)]
pub struct FormatArg(pub Format);

impl ScoreArgs {
    /// Default options for one file (used by `rehearse takes show`).
    pub fn for_file(file: PathBuf) -> ScoreArgs {
        ScoreArgs {
            file,
            json: false,
            format: FormatArg(Format::Terminal),
            output: None,
            embed_audio: false,
            rubric: None,
            engine: EngineArgs::default(),
            encoder: super::EncoderArgs::default(),
        }
    }
}

fn parse_format(s: &str) -> Result<FormatArg, String> {
    Format::parse(s)
        .map(FormatArg)
        .ok_or_else(|| format!("unknown format {s:?}: use terminal, json, md or html"))
}

pub fn run(args: ScoreArgs, style: TerminalStyle) -> Result<ExitCode> {
    let output = args.output.as_deref().filter(|o| !super::is_stdout(o));
    if let Some(out) = output {
        rehearse::fsutil::check_destination(out, &[&args.file])?;
    }
    let input = rehearse::coach::input::InputFile::open(&args.file)?;
    let coach = Coach::with_rubric(
        args.rubric.as_deref(),
        super::load_encoder(&args.encoder),
        args.engine.settings(),
    )?;
    let name = args.file.display().to_string();
    let (bar, progress) = rehearse::ui::progress::transcription_bar(&input.path);
    let scored = coach.score(Input::File(&input.path), &name, progress)?;
    drop(bar);
    for note in &scored.notes {
        say!("note: {note}");
    }
    let analysis = scored.analysis;
    let format = Some(Format::Json)
        .filter(|_| args.json)
        .unwrap_or(args.format.0);
    let mut buf = Vec::new();
    let report = match (format, args.embed_audio) {
        (Format::Html, true) => rehearse::report::html_embedding(&input.path)?,
        _ => formatter(format, output.map_or(style, |_| TerminalStyle::PLAIN)),
    };
    report.render(&analysis, &mut buf)?;
    match output {
        Some(out) => rehearse::fsutil::write_atomic(out, &buf)
            .with_context(|| format!("writing {}", out.display()))?,
        None => std::io::stdout().write_all(&buf)?,
    }
    Ok(ExitCode::SUCCESS)
}
