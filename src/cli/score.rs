//! `rehearse score FILE`: the coach's report for a recording, a written draft or a
//! saved transcript.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use rehearse::analysis::text::transcript_from_text;
use rehearse::analysis::{InputInfo, InputKind, Rubric, SentenceEncoder, Timing, analyze_with};
use rehearse::report::{Format, formatter};
use rehearse::transcript::{TRANSCRIPT_SCHEMA, Transcript};

use super::EngineArgs;

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A recording (.wav, .mp3, .m4a, .flac, .ogg), a written draft (.txt, .md) or a saved
    /// transcript (.json); `-` reads standard input.
    pub file: PathBuf,
    /// Print the report as JSON (schema rehearse.report.v1); same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Report format: terminal, json or md.
    #[arg(long, value_parser = parse_format, default_value = "terminal")]
    pub format: FormatArg,
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
            rubric: None,
            engine: EngineArgs::default(),
            encoder: super::EncoderArgs::default(),
        }
    }
}

fn parse_format(s: &str) -> Result<FormatArg, String> {
    Format::parse(s)
        .map(FormatArg)
        .ok_or_else(|| format!("unknown format {s:?}: use terminal, json or md"))
}

/// What a file holds, from its extension, or its first bytes when that says nothing.
fn input_kind(path: &Path) -> Result<InputKind> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "md" | "text" => return Ok(InputKind::Text),
        "json" => return Ok(InputKind::Transcript),
        e if rehearse::audio::AUDIO_EXTENSIONS.contains(&e) => return Ok(InputKind::Audio),
        _ => {}
    }
    // No telling extension: a transcript starts with `{`, a draft is UTF-8 text, and
    // anything else goes to the audio decoders, which say precisely what is wrong.
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("cannot open {}", path.display()))?;
    let head = &head[..n];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut by the 4 KB window is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > n,
    };
    Ok(match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputKind::Transcript,
        _ if text => InputKind::Text,
        _ => InputKind::Audio,
    })
}

fn load_transcript(path: &Path) -> Result<Transcript> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    if value.get("schema").and_then(|s| s.as_str()) != Some(TRANSCRIPT_SCHEMA) {
        bail!(
            "{} is not a transcript: expected \"schema\": \"{TRANSCRIPT_SCHEMA}\" (made by `rehearse transcribe --json`)",
            path.display()
        );
    }
    serde_json::from_value(value)
        .with_context(|| format!("{}: transcript fields are malformed", path.display()))
}

pub fn run(args: ScoreArgs) -> Result<ExitCode> {
    let rubric = Rubric::load(args.rubric.as_deref())?;
    let output = args.output.as_deref().filter(|o| !super::is_stdout(o));
    if let Some(out) = output {
        rehearse::fsutil::check_destination(out, &[&args.file])?;
    }
    let input = super::InputFile::open(&args.file)?;
    let file = input.path.as_path();
    let kind = input_kind(file)?;
    let (transcript, timing) = match kind {
        InputKind::Audio => (
            super::transcribe::transcribe_file(file, &args.engine)?,
            Timing::Measured,
        ),
        InputKind::Text => {
            let bytes = std::fs::read(file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", args.file.display()))?;
            (
                transcript_from_text(&text, rubric.targets.text_wpm),
                Timing::Estimated,
            )
        }
        InputKind::Transcript => {
            let t = load_transcript(file)?;
            // A transcript made from text keeps estimated timing.
            let timing = if t.model.engine == "text" {
                Timing::Estimated
            } else {
                Timing::Measured
            };
            (t, timing)
        }
    };
    if transcript.words.is_empty() {
        bail!(
            "{}: no words found: nothing to score (silent recording or empty file?)",
            args.file.display()
        );
    }
    let input = InputInfo {
        path: args.file.display().to_string(),
        kind,
        timing,
    };
    let encoder = super::load_encoder(&args.encoder);
    let analysis = analyze_with(
        &transcript,
        input,
        &rubric,
        encoder.as_ref().map(|e| e as &dyn SentenceEncoder),
    );
    let format = if args.json {
        Format::Json
    } else {
        args.format.0
    };
    let mut buf = Vec::new();
    let style = match output {
        None => super::stdout_style(),
        Some(_) => rehearse::report::TerminalStyle::PLAIN,
    };
    formatter(format, style).render(&analysis, &mut buf)?;
    match output {
        Some(out) => rehearse::fsutil::write_atomic(out, &buf)
            .with_context(|| format!("writing {}", out.display()))?,
        None => std::io::stdout().write_all(&buf)?,
    }
    Ok(ExitCode::SUCCESS)
}
