//! `rehearse score FILE`: the coach's report for a recording, a written draft or a
//! saved transcript.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use rehearse::analysis::InputKind;
use rehearse::coach::{Coach, Input};
use rehearse::report::{Format, TerminalStyle};

use super::EngineArgs;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A recording (.wav, .mp3, .m4a, .flac, .ogg), a written draft (.txt, .md) or a saved
    /// transcript (.json); `-` reads standard input.
    pub file: PathBuf,
    #[command(flatten)]
    pub out: OutputArgs,
    /// A rubric file whose values replace the built-in ones (see rubrics/failure.toml).
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub encoder: super::EncoderArgs,
    /// The recording an HTML page plays when FILE is its transcript (a take's audio).
    #[arg(skip)]
    pub recording: Option<PathBuf>,
}

/// Where and how a report is written (`score`, `takes show`, `takes compare`).
#[derive(Args, Debug, Default)]
pub struct OutputArgs {
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
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        Some(Format::Json)
            .filter(|_| self.json)
            .unwrap_or(self.format.0)
    }

    /// The output file, unless standard output.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.output.as_deref().filter(|o| !super::is_stdout(o))
    }

    /// Writes the report to the output file (atomically) or standard output.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match self.file() {
            Some(out) => rehearse::fsutil::write_atomic(out, bytes)
                .with_context(|| format!("writing {}", out.display())),
            None => Ok(std::io::stdout().write_all(bytes)?),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FormatArg(pub Format);

impl Default for FormatArg {
    fn default() -> Self {
        FormatArg(Format::Terminal)
    }
}

impl ScoreArgs {
    /// Options for one file (used by `rehearse takes show`).
    pub fn for_file(file: PathBuf, out: OutputArgs) -> ScoreArgs {
        ScoreArgs {
            file,
            out,
            rubric: None,
            engine: EngineArgs::default(),
            encoder: super::EncoderArgs::default(),
            recording: None,
        }
    }
}

fn parse_format(s: &str) -> Result<FormatArg, String> {
    Format::parse(s)
        .map(FormatArg)
        .ok_or_else(|| format!("unknown format {s:?}: use terminal, json, md or html"))
}

pub fn run(args: ScoreArgs, style: TerminalStyle) -> Result<ExitCode> {
    let output = args.out.file();
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
    // A page plays the recording it came from; a copy of standard input can only be
    // embedded (it is gone when the page is opened).
    let linkable = args.out.embed_audio || !super::is_stdout(&args.file);
    let own_audio = (analysis.report.input.kind == InputKind::Audio && linkable)
        .then_some(input.path.as_path());
    let report = rehearse::report::formatter_with_audio(
        args.out.format(),
        output.map_or(style, |_| TerminalStyle::PLAIN),
        args.recording.as_deref().or(own_audio),
        output,
        args.out.embed_audio,
    )?;
    let mut buf = Vec::new();
    report.render(&analysis, &mut buf)?;
    args.out.write(&buf)?;
    Ok(ExitCode::SUCCESS)
}
