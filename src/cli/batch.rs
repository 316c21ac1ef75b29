//! `rehearse batch` and `rehearse batch-merge`: the cohort commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use rehearse::analysis::Rubric;
use rehearse::batch::{self, BatchConfig, Event, Shard, Status, SummaryFormat};
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

fn minutes(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

pub fn run(args: BatchArgs) -> Result<ExitCode> {
    let rubric = Rubric::load(args.rubric.as_deref())?;
    let found = batch::discover(&args.inputs)?;
    for note in &found.notes {
        eprintln!("note: {}: {}", note.path.display(), note.message);
    }
    for (dup, first) in &found.duplicates {
        log::info!(
            "{} is the same file as {}: scored once",
            dup.display(),
            first.display()
        );
    }
    let mut inputs = found.inputs;
    let total_found = inputs.len();
    if let Some(shard) = args.shard {
        inputs.retain(|i| shard.owns(&i.rel));
        eprintln!("shard {shard}: {} of {total_found} files", inputs.len());
    }
    if total_found == 0 {
        bail!(
            "no audio files found in {} (looked for {})",
            args.inputs.join(", "),
            rehearse::audio::AUDIO_EXTENSIONS.join(", ")
        );
    }

    let mut coach = Coach::new(
        rubric,
        super::load_encoder(&args.encoder),
        args.engine.settings(),
    );
    let mut notes = Vec::new();
    let jobs = args
        .jobs
        .map(|j| rehearse::config::checked_threads(j, "--jobs", &mut notes))
        .transpose()?;
    let recogniser = coach.recogniser_mut()?;
    notes.append(&mut recogniser.notes);
    for note in &notes {
        say!("note: {note}");
    }
    // Cores that are idle now (as for one file: threads that wait on busy cores make
    // whisper.cpp several times slower; BENCHMARKS.md).
    let cores = rehearse::transcribe::engine::idle_cores() as usize;
    let (jobs, threads) = batch::plan_workers(
        cores,
        inputs.len(),
        jobs.map(|j| j as usize),
        Some(recogniser.opts.threads).filter(|_| recogniser.threads_asked),
    );
    recogniser.opts.threads = threads;
    let cfg = BatchConfig {
        out_dir: args.out.clone(),
        jobs,
        model_fingerprint: batch::model_fingerprint(&recogniser.model_path)?,
        summary: args.summary.0,
        shard: args.shard,
    };
    log::info!("{jobs} parallel files x {threads} threads each");

    let started = Instant::now();
    let mut display = Display::new(inputs.len(), jobs);
    let outcome = batch::run(&coach, &inputs, &cfg, &mut |e| display.event(e))?;
    display.finish();

    let wall = started.elapsed().as_secs_f64();
    let failed = outcome.failed();
    let reused = outcome.reused();
    let scored = outcome.rows.len() - failed - reused;
    eprintln!(
        "{scored} scored, {reused} up to date, {failed} failed of {} files; {} of audio in {} ({:.1} audio min per wall min) -> {}",
        outcome.rows.len(),
        minutes(display.audio_s_scored),
        minutes(wall),
        if wall > 0.0 {
            display.audio_s_scored / wall
        } else {
            0.0
        },
        outcome.summary_path.display()
    );
    if failed > 0 {
        eprintln!("failed:");
        for row in outcome.rows.iter().filter(|r| r.status == Status::Error) {
            eprintln!("  {}", row.error.replace('\n', "\n  "));
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress: an overall bar and a line per worker on a terminal; a line per finished
/// file (and nothing else) when stderr is a log.
struct Display {
    multi: Option<MultiProgress>,
    overall: ProgressBar,
    workers: Vec<ProgressBar>,
    total: usize,
    done: usize,
    audio_s_done: f64,
    /// Audio actually transcribed in this run (not reused), for the throughput line.
    audio_s_scored: f64,
}

impl Display {
    fn new(total: usize, jobs: usize) -> Display {
        if !super::interactive_stderr() {
            return Display {
                multi: None,
                overall: ProgressBar::hidden(),
                workers: Vec::new(),
                total,
                done: 0,
                audio_s_done: 0.0,
                audio_s_scored: 0.0,
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let overall = multi.add(ProgressBar::new(total as u64));
        overall.set_style(
            ProgressStyle::with_template(
                "{bar:30.cyan/blue} {pos}/{len} files · {msg} · {elapsed} elapsed, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        overall.enable_steady_tick(Duration::from_millis(250));
        let workers = (0..jobs)
            .map(|i| {
                let bar = multi.add(ProgressBar::new(100));
                bar.set_style(
                    ProgressStyle::with_template("  worker {prefix}: {wide_msg} {pos:>3}%")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_prefix((i + 1).to_string());
                bar.set_message("waiting");
                bar
            })
            .collect();
        Display {
            multi: Some(multi),
            overall,
            workers,
            total,
            done: 0,
            audio_s_done: 0.0,
            audio_s_scored: 0.0,
        }
    }

    fn event(&mut self, event: &Event) {
        match event {
            Event::Started {
                worker,
                rel,
                audio_s,
            } => {
                if let Some(bar) = self.workers.get(*worker) {
                    bar.set_position(0);
                    bar.set_message(format!("{} ({})", rel.display(), minutes(*audio_s)));
                }
            }
            Event::Progress { worker, percent } => {
                if let Some(bar) = self.workers.get(*worker) {
                    bar.set_position((*percent).clamp(0, 100) as u64);
                }
            }
            Event::Finished {
                worker,
                row,
                audio_s,
                ..
            } => {
                self.done += 1;
                self.audio_s_done += audio_s;
                if row.status == Status::Ok && !row.reused {
                    self.audio_s_scored += audio_s;
                }
                let what = match (row.status, row.reused) {
                    (Status::Error, _) => format!("failed: {}", row.error.replace('\n', " ")),
                    (Status::Ok, true) => "up to date".to_string(),
                    (Status::Ok, false) => format!("score {}", row.score.unwrap_or(0)),
                };
                if let Some(bar) = worker.and_then(|w| self.workers.get(w)) {
                    bar.set_position(0);
                    bar.set_message("waiting");
                }
                if self.multi.is_some() {
                    self.overall.set_position(self.done as u64);
                    self.overall
                        .set_message(format!("{} audio", minutes(self.audio_s_done)));
                    if row.status == Status::Error {
                        self.overall
                            .println(format!("failed: {}", row.error.replace('\n', " ")));
                    }
                } else {
                    eprintln!(
                        "[{}/{}] {:<10} {} ({} audio)",
                        self.done,
                        self.total,
                        what,
                        row.path,
                        minutes(*audio_s)
                    );
                }
            }
        }
    }

    fn finish(&self) {
        for bar in &self.workers {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

pub fn merge(args: MergeArgs) -> Result<ExitCode> {
    let mut files = Vec::new();
    for input in &args.inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("summary"))
                        && SummaryFormat::from_path(p).is_some()
                })
                .collect();
            if found.is_empty() {
                bail!(
                    "{}: no summary.csv or summary.jsonl here (is it a `rehearse batch --out` folder?)",
                    input.display()
                );
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
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
