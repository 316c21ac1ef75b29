//! `rehearse batch` and `rehearse batch-merge`: the cohort commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use rehearse::batch::{self, BatchConfig, Shard, Status, SummaryFormat};
use rehearse::coach::Coach;

use super::EngineArgs;

#[derive(Args, Debug)]
pub struct BatchArgs {
    /// Folders (searched recursively for .wav .mp3 .m4a .aac .flac .ogg .opus),
    /// audio files, or quoted glob patterns such as 'cohort-*/**/*.m4a'.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Folder for the reports (mirroring the input tree) and the summary table.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Files transcribed in parallel, at most the machine's cores [default: from the
    /// cores; see BENCHMARKS.md].
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Summary table format.
    #[arg(long, value_parser = parse_summary, default_value = "csv")]
    pub summary: SummaryArg,
    /// Only this machine's part of the work: K/N splits the inputs by a hash of their
    /// relative path (e.g. 3/8), so N machines can share a cohort with no coordinator.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Also a page per file (beside its reports) and index.html: the table, sortable,
    /// with histograms of failure shares and lengths.
    #[arg(long)]
    pub html: bool,
    /// With --html: put each recording in its page instead of linking it.
    #[arg(long, requires = "html")]
    pub embed_audio: bool,
    /// A rubric file whose values replace the built-in ones.
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    #[command(flatten)]
    pub encoder: super::EncoderArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Batch output folders (their summary*.csv / summary*.jsonl are read) or summary files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the merged table here (atomically) instead of standard output; the format
    /// follows the extension unless --summary says otherwise.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_parser = parse_summary)]
    pub summary: Option<SummaryArg>,
}

#[derive(Debug, Clone, Copy)]
pub struct SummaryArg(SummaryFormat);

fn parse_summary(s: &str) -> Result<SummaryArg, String> {
    match s {
        "csv" => Ok(SummaryArg(SummaryFormat::Csv)),
        "jsonl" | "ndjson" => Ok(SummaryArg(SummaryFormat::Jsonl)),
        _ => Err(format!("unknown summary format {s:?}: use csv or jsonl")),
    }
}

pub fn run(args: BatchArgs) -> Result<ExitCode> {
    let inputs =
        batch::discover(&args.inputs)?.owned(&args.inputs, args.shard, &mut |m| say!("{m}"))?;

    let mut coach = Coach::with_rubric(
        args.rubric.as_deref(),
        super::load_encoder(&args.encoder),
        args.engine.settings(),
    )?;
    let (mut cfg, notes) = BatchConfig::plan(
        &mut coach,
        args.out.clone(),
        inputs.len(),
        args.jobs,
        args.summary.0,
        args.shard,
    )?;
    for note in &notes {
        say!("note: {note}");
    }
    cfg.html = args.html.then_some(batch::Pages {
        embed_audio: args.embed_audio,
    });

    let started = Instant::now();
    let mut display = rehearse::ui::progress::BatchProgress::new(inputs.len(), cfg.jobs);
    let outcome = batch::run(&coach, &inputs, &cfg, &mut |e| display.event(e))?;
    display.finish();

    eprint!(
        "{}",
        display.outcome(&outcome, started.elapsed().as_secs_f64())
    );
    Ok(if outcome.failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let files = batch::summary::find(&args.inputs)?;
    let tables = files
        .iter()
        .map(|f| batch::summary::read(f))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = batch::summary::merge(tables);
    let format = args
        .summary
        .map(|s| s.0)
        .or_else(|| args.output.as_deref().and_then(SummaryFormat::from_path))
        .unwrap_or(SummaryFormat::Csv);
    let bytes = batch::summary::render(&rows, format)?;
    match &args.output {
        Some(out) => rehearse::fsutil::write_atomic(out, &bytes)
            .with_context(|| format!("writing {}", out.display()))?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    let failed = rows.iter().filter(|r| r.status == Status::Error).count();
    eprintln!(
        "{} rows from {} summaries ({failed} failed)",
        rows.len(),
        files.len()
    );
    Ok(ExitCode::SUCCESS)
}
