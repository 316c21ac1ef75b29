//! Batch scoring: many recordings, one model, N workers, a report per input and one
//! summary table. Restartable: every output is written atomically and keyed by the
//! audio's content hash + model + rubric + decoding settings, so a rerun (after a
//! crash, a kill or new files) redoes only what is missing or stale.
//!
//! Pipeline: one reader thread hashes, checks, decodes and resamples the next files
//! while N workers (each with its own whisper state over the shared model) transcribe
//! and analyse; a bounded queue between them keeps at most `jobs` decoded files in memory.

pub mod discover;
pub mod shard;
pub mod summary;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::audio::{SILENCE_RMS, decode_file_16k, loudest_second_rms};
use crate::coach::{Coach, CoachError, Input as CoachInput};
use crate::fsutil::{hex, sha256_file};
use crate::report::{Format, formatter};

pub use discover::{Discovery, Input, Note, discover};
pub use shard::Shard;
pub use summary::{Row, Status, SummaryFormat};

/// Bumped when the report's content changes for the same inputs, so old reports are redone.
const KEY_VERSION: &str = "rehearse-batch-4";

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{path}: cannot read the model to fingerprint it: {source}")]
    Model {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Destination(#[from] crate::fsutil::DestinationError),
    #[error(
        "another rehearse batch is writing {summary} right now; its rows would be lost.\n  Fix: wait for it to finish and run this again (up-to-date reports are reused), or use another --out"
    )]
    Busy { summary: PathBuf },
    #[error("{path}: cannot lock the output folder: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Recogniser(#[from] crate::transcribe::LoadError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Summary(#[from] summary::SummaryError),
    #[error("a batch worker stopped unexpectedly")]
    WorkerPanicked,
}

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct BatchConfig {
    pub out_dir: PathBuf,
    /// Files transcribed at once (each its own whisper state; the coach's recogniser
    /// options give the threads per file).
    pub jobs: usize,
    /// Identifies the weights (see [`model_fingerprint`]).
    pub model_fingerprint: String,
    pub summary: SummaryFormat,
    pub shard: Option<Shard>,
    /// Also a page per input beside its reports, and `index.html` (`batch --html`).
    pub html: Option<Pages>,
}

/// The batch's HTML pages: whether each embeds its recording or links it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    pub embed_audio: bool,
}

/// What the caller is told as the batch runs (for progress displays).
#[derive(Debug, Clone)]
pub enum Event {
    /// A worker started transcribing an input.
    Started {
        worker: usize,
        rel: PathBuf,
        audio_s: f64,
    },
    /// whisper.cpp's progress on the worker's current file, 0–100.
    Progress { worker: usize, percent: i32 },
    /// An input is done (scored, reused or failed).
    Finished {
        index: usize,
        worker: Option<usize>,
        row: Box<Row>,
        audio_s: f64,
    },
}

/// The result of a batch.
#[derive(Debug)]
pub struct Outcome {
    /// One row per input, in input order.
    pub rows: Vec<Row>,
    pub summary_path: PathBuf,
    /// `index.html`, when the batch wrote pages.
    pub index_path: Option<PathBuf>,
}

impl Outcome {
    pub fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == Status::Error)
            .count()
    }
    pub fn reused(&self) -> usize {
        self.rows.iter().filter(|r| r.reused).count()
    }
}

/// Threads one whisper.cpp job uses well; more go to parallel files instead.
pub const THREADS_PER_JOB: u32 = 4;

/// How to split the machine between parallel files and threads per file.
///
/// Measured on the 2-core reference machine with tiny.en (BENCHMARKS.md, batch
/// section): 1 file x 2 threads and 2 files x 1 thread are within run-to-run noise of
/// each other (25.2 and 23.9 audio minutes per wall minute in the latest run), and the
/// second needs a second whisper state (+106 MB). So the
/// default gives each file up to [`THREADS_PER_JOB`] threads and runs files in parallel
/// only when cores are left over (whisper.cpp's speed-up flattens past a few threads;
/// not measurable on this machine). Explicit `--jobs`/`--threads` win; with only one
/// of them the other fills the remaining cores.
pub fn plan_workers(
    cores: usize,
    files: usize,
    jobs: Option<usize>,
    threads: Option<u32>,
) -> (usize, u32) {
    let cores = cores.max(1);
    let files = files.max(1);
    match (jobs, threads) {
        (Some(j), Some(t)) => (j.max(1), t.max(1)),
        (Some(j), None) => (j.max(1), (cores / j.max(1)).max(1) as u32),
        (None, Some(t)) => (
            ((cores as u32 / t.max(1)) as usize).clamp(1, files),
            t.max(1),
        ),
        (None, None) => {
            let threads = (cores as u32).min(THREADS_PER_JOB);
            let jobs = (cores / threads as usize).clamp(1, files);
            (jobs, threads)
        }
    }
}

/// The weights' identity for the up-to-date check: their content hash.
pub fn model_fingerprint(path: &Path) -> Result<String, BatchError> {
    sha256_file(path).map_err(|source| BatchError::Model {
        path: path.to_path_buf(),
        source,
    })
}

impl BatchConfig {
    /// The plan for scoring `files` files into `out_dir`: how many at once and how
    /// many threads each (from the cores idle now, unless `jobs` or the recogniser's
    /// threads were asked for), set on `coach`'s recogniser. Returns notes for the
    /// user (a number cut to the cores).
    pub fn plan(
        coach: &mut Coach,
        out_dir: PathBuf,
        files: usize,
        jobs: Option<u32>,
        summary: SummaryFormat,
        shard: Option<Shard>,
    ) -> Result<(BatchConfig, Vec<String>), BatchError> {
        let mut notes = Vec::new();
        let jobs = jobs
            .map(|j| crate::config::checked_threads(j, "--jobs", &mut notes))
            .transpose()?;
        let recogniser = coach.recogniser_mut()?;
        notes.append(&mut recogniser.notes);
        // Cores that are idle now (as for one file: threads that wait on busy cores
        // make whisper.cpp several times slower; BENCHMARKS.md).
        let cores = crate::transcribe::engine::idle_cores() as usize;
        let (jobs, threads) = plan_workers(
            cores,
            files,
            jobs.map(|j| j as usize),
            Some(recogniser.opts.threads).filter(|_| recogniser.threads_asked),
        );
        recogniser.opts.threads = threads;
        log::info!("{jobs} parallel files x {threads} threads each");
        let cfg = BatchConfig {
            out_dir,
            jobs,
            model_fingerprint: model_fingerprint(&recogniser.model_path)?,
            summary,
            shard,
            html: None,
        };
        Ok((cfg, notes))
    }
}

/// Everything but the audio that decides a report's content.
fn settings_key(coach: &Coach, cfg: &BatchConfig) -> Result<String, BatchError> {
    let decode = &coach.recogniser()?.opts;
    let mut h = Sha256::new();
    h.update(KEY_VERSION);
    h.update(env!("CARGO_PKG_VERSION"));
    h.update(&cfg.model_fingerprint);
    h.update(serde_json::to_vec(coach.rubric()).unwrap_or_default());
    h.update(crate::analysis::phases::BUILTIN_MODEL);
    h.update(match coach.encoder() {
        Some(e) => format!("encoder=all-minilm-l6-v2 layers={}", e.layers()),
        None => "encoder=none".into(),
    });
    h.update(format!(
        "beam={} prompt={:?} lang={}",
        decode.beam_size, decode.initial_prompt, decode.language
    ));
    Ok(hex(&h.finalize()))
}

/// Where an input's page goes (`batch --html`): beside its reports.
pub fn page_path(out_dir: &Path, rel: &Path) -> PathBuf {
    let mut page = out_dir.join(rel).into_os_string();
    page.push(".html");
    PathBuf::from(page)
}

/// Writes an input's page from its report, playing the input's recording.
fn write_page(
    report: &crate::analysis::Report,
    input: &Input,
    cfg: &BatchConfig,
    pages: Pages,
) -> Result<(), String> {
    let page = page_path(&cfg.out_dir, &input.rel);
    let audio =
        crate::report::html::Recording::for_page(Some(&input.path), Some(&page), pages.embed_audio)
            .map_err(|e| format!("{}: cannot embed the recording: {e}", input.path.display()))?;
    let html = crate::report::html::Html { audio }.page(report);
    crate::fsutil::write_atomic(&page, html.as_bytes())
        .map_err(|e| format!("{}: cannot write: {e}", page.display()))
}

/// The index page's file name; shards get their own, as for the summary.
pub fn index_path(cfg: &BatchConfig) -> PathBuf {
    match cfg.shard {
        Some(s) => cfg
            .out_dir
            .join(format!("index.shard-{}-of-{}.html", s.k, s.n)),
        None => cfg.out_dir.join("index.html"),
    }
}

/// Where an input's reports go.
pub fn report_paths(out_dir: &Path, rel: &Path) -> (PathBuf, PathBuf) {
    let mut json = out_dir.join(rel).into_os_string();
    let mut md = json.clone();
    json.push(".json");
    md.push(".md");
    (PathBuf::from(json), PathBuf::from(md))
}

/// The saved report, if it was made from the same audio and settings.
fn up_to_date(json: &Path, md: &Path, key: &str) -> Option<serde_json::Value> {
    if !md.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(json).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    (value.pointer("/batch/key")?.as_str()? == key).then_some(value)
}

/// Removes temporary files left by a batch that was killed mid-write (they are named
/// `.<name>.<random>.tmp` by [`crate::fsutil::AtomicFile`]).
fn sweep_temporaries(dir: &Path) {
    for entry in walkdir::WalkDir::new(dir).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.starts_with('.') && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Locks held while a batch writes into its output folder.
struct OutputLocks {
    _folder: std::fs::File,
    _summary: std::fs::File,
}

/// Claims the output folder: the summary exclusively (a second batch writing the same
/// summary would replace the first one's rows, so it is refused), the folder shared
/// (batches with other summaries, e.g. shards, may write beside each other). Temporary
/// files left by a killed batch are swept only when no other batch holds the folder:
/// a running one's temporaries are its reports being written.
fn lock_output(cfg: &BatchConfig) -> Result<OutputLocks, BatchError> {
    let open = |path: PathBuf| {
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| BatchError::Lock { path, source })
    };
    let summary = summary_path(cfg);
    let name = summary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let summary_lock = open(cfg.out_dir.join(format!(".{name}.lock")))?;
    if let Err(e) = summary_lock.try_lock() {
        return match e {
            std::fs::TryLockError::WouldBlock => Err(BatchError::Busy { summary }),
            std::fs::TryLockError::Error(source) => Err(BatchError::Lock {
                path: summary,
                source,
            }),
        };
    }
    let folder = open(cfg.out_dir.join(".rehearse-batch.lock"))?;
    if folder.try_lock().is_ok() {
        sweep_temporaries(&cfg.out_dir);
        let _ = folder.unlock();
    }
    folder.lock_shared().map_err(|source| BatchError::Lock {
        path: cfg.out_dir.clone(),
        source,
    })?;
    Ok(OutputLocks {
        _folder: folder,
        _summary: summary_lock,
    })
}

/// The summary's file name; shards get their own so they can share a folder.
pub fn summary_path(cfg: &BatchConfig) -> PathBuf {
    let ext = cfg.summary.extension();
    match cfg.shard {
        Some(s) => cfg
            .out_dir
            .join(format!("summary.shard-{}-of-{}.{ext}", s.k, s.n)),
        None => cfg.out_dir.join(format!("summary.{ext}")),
    }
}

/// A decoded input waiting for a worker.
struct Decoded {
    index: usize,
    input: Input,
    key: String,
    source_sha256: String,
    samples: Vec<f32>,
}

/// Scores `inputs` (already discovered and sharded) with `coach`, calling `on_event`
/// on the calling thread as work progresses.
pub fn run(
    coach: &Coach,
    inputs: &[Input],
    cfg: &BatchConfig,
    on_event: &mut dyn FnMut(&Event),
) -> Result<Outcome, BatchError> {
    // Before any work: a read-only or full output folder is an error now, not a
    // failed row per file after every file was transcribed.
    crate::fsutil::check_writable_dir(&cfg.out_dir)?;
    let _locks = lock_output(cfg)?;
    let settings = settings_key(coach, cfg)?;
    let jobs = cfg.jobs.max(1);
    let (event_tx, event_rx) = mpsc::channel::<Event>();
    let (work_tx, work_rx) = mpsc::sync_channel::<Decoded>(jobs);
    let work_rx = std::sync::Mutex::new(work_rx);
    // the engine's binding never frees a progress closure (it leaks the box), so the closure
    // only stores a number here rather than holding a channel sender open forever.
    let progress: Vec<std::sync::Arc<AtomicI32>> = (0..jobs)
        .map(|_| std::sync::Arc::new(AtomicI32::new(-1)))
        .collect();
    let mut rows: Vec<Option<Row>> = vec![None; inputs.len()];

    std::thread::scope(|scope| -> Result<(), BatchError> {
        // Reader: hash, skip what is up to date, decode the rest ahead of the workers.
        let reader_events = event_tx.clone();
        let settings = &settings;
        let reader = scope.spawn(move || {
            for (index, input) in inputs.iter().enumerate() {
                let done = |row: Row, audio_s: f64| {
                    let _ = reader_events.send(Event::Finished {
                        index,
                        worker: None,
                        row: Box::new(row),
                        audio_s,
                    });
                };
                match prepare(index, input, cfg, settings) {
                    Ok(Prepared::Reused(row, audio_s)) => done(row, audio_s),
                    Ok(Prepared::Work(d)) => {
                        if work_tx.send(d).is_err() {
                            break; // every worker has gone: nothing left to feed
                        }
                    }
                    Err(message) => done(Row::error(&input.path, message), 0.0),
                }
            }
        });

        let mut workers = Vec::new();
        for (worker, percent) in progress.iter().enumerate() {
            let events = event_tx.clone();
            let work_rx = &work_rx;
            let percent = percent.clone();
            workers.push(scope.spawn(move || -> Result<(), BatchError> {
                loop {
                    // Holding the lock only to receive: workers take turns at the queue.
                    let next = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return Err(BatchError::WorkerPanicked),
                    };
                    let Ok(d) = next else { return Ok(()) };
                    let audio_s = d.samples.len() as f64 / crate::audio::TARGET_RATE as f64;
                    let _ = events.send(Event::Started {
                        worker,
                        rel: d.input.rel.clone(),
                        audio_s,
                    });
                    let index = d.index;
                    let path = d.input.path.clone();
                    percent.store(0, Ordering::Relaxed);
                    let row = score(coach, d, cfg, percent.clone())
                        .unwrap_or_else(|message| Row::error(&path, message));
                    percent.store(-1, Ordering::Relaxed);
                    let _ = events.send(Event::Finished {
                        index,
                        worker: Some(worker),
                        row: Box::new(row),
                        audio_s,
                    });
                }
            }));
        }
        drop(event_tx);

        let mut finished = 0;
        let mut shown = vec![-1; jobs];
        while finished < inputs.len() {
            match event_rx.recv_timeout(Duration::from_millis(200)) {
                Ok(event) => {
                    if let Event::Finished { index, row, .. } = &event
                        && let Some(slot) = rows.get_mut(*index)
                    {
                        finished += 1;
                        *slot = Some((**row).clone());
                    }
                    on_event(&event);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A thread that died leaves its inputs unfinished: stop waiting.
                    if reader.is_finished() && workers.iter().all(|w| w.is_finished()) {
                        while let Ok(event) = event_rx.try_recv() {
                            on_event(&event);
                        }
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            for (worker, p) in progress.iter().enumerate() {
                let percent = p.load(Ordering::Relaxed);
                if percent >= 0 && percent != shown[worker] {
                    on_event(&Event::Progress { worker, percent });
                }
                shown[worker] = percent;
            }
        }
        reader.join().map_err(|_| BatchError::WorkerPanicked)?;
        for w in workers {
            w.join().map_err(|_| BatchError::WorkerPanicked)??;
        }
        Ok(())
    })?;

    let rows: Vec<Row> = rows
        .into_iter()
        .zip(inputs)
        .map(|(row, input)| {
            row.unwrap_or_else(|| Row::error(&input.path, "not processed (a worker stopped)"))
        })
        .collect();
    let summary_path = summary_path(cfg);
    let bytes = summary::render(&rows, cfg.summary)?;
    crate::fsutil::write_atomic(&summary_path, &bytes).map_err(summary::SummaryError::Write)?;
    let index_path = match cfg.html {
        Some(_) => {
            let path = index_path(cfg);
            let html = crate::report::html::index_page(&rows, coach.rubric());
            crate::fsutil::write_atomic(&path, html.as_bytes())
                .map_err(summary::SummaryError::Write)?;
            Some(path)
        }
        None => None,
    };
    Ok(Outcome {
        rows,
        summary_path,
        index_path,
    })
}

enum Prepared {
    Reused(Row, f64),
    Work(Decoded),
}

/// Reader-side work for one input: everything up to the transcription.
fn prepare(
    index: usize,
    input: &Input,
    cfg: &BatchConfig,
    settings: &str,
) -> Result<Prepared, String> {
    let source_sha256 = sha256_file(&input.path)
        .map_err(|e| format!("{}: cannot read: {e}", input.path.display()))?;
    let key = hex(&Sha256::digest(format!("{settings}:{source_sha256}")));
    let (json, md) = report_paths(&cfg.out_dir, &input.rel);
    if let Some(saved) = up_to_date(&json, &md, &key) {
        if let Some(pages) = cfg.html {
            // The page follows the saved report: no transcription needed.
            let report: crate::analysis::Report = serde_json::from_value(saved.clone())
                .map_err(|e| format!("{}: unreadable report: {e}", json.display()))?;
            write_page(&report, input, cfg, pages)?;
        }
        let mut row = Row::from_report(&input.path, &rel_to(&json, &cfg.out_dir), &saved);
        row.reused = true;
        let audio_s = row.duration_s.unwrap_or(0.0);
        return Ok(Prepared::Reused(row, audio_s));
    }
    let audio = decode_file_16k(&input.path, &mut |_, _| {}).map_err(|e| e.to_string())?;
    for note in &audio.notes {
        log::warn!("{note}");
    }
    let level = loudest_second_rms(&audio.samples);
    if level < SILENCE_RMS {
        return Err(format!(
            "{}: silent: the loudest second is {:.0} dBFS; nothing to transcribe (was the microphone muted?)",
            input.path.display(),
            20.0 * level.max(1e-9).log10()
        ));
    }
    Ok(Prepared::Work(Decoded {
        index,
        input: input.clone(),
        key,
        source_sha256,
        samples: audio.samples,
    }))
}

fn rel_to(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

/// Worker-side work for one input: transcribe, analyse, write both reports.
fn score(
    coach: &Coach,
    d: Decoded,
    cfg: &BatchConfig,
    percent: std::sync::Arc<AtomicI32>,
) -> Result<Row, String> {
    let progress = Box::new(move |p: i32| percent.store(p, Ordering::Relaxed));
    let path = &d.input.path;
    let name = path.display().to_string();
    let analysis = match coach.score(CoachInput::Samples(&d.samples), &name, Some(progress)) {
        Ok(scored) => scored.analysis,
        Err(CoachError::NoWords { .. }) => {
            return Err(format!(
                "{name}: no speech recognised (music, noise or another language?)"
            ));
        }
        Err(CoachError::Transcribe { source, .. }) => {
            return Err(format!("{name}: transcription failed: {source}"));
        }
        Err(e) => return Err(format!("{name}: {e}")),
    };
    let (json_path, md_path) = report_paths(&cfg.out_dir, &d.input.rel);
    let write_err = |p: &Path, e: std::io::Error| format!("{}: cannot write: {e}", p.display());

    let mut md = Vec::new();
    formatter(Format::Markdown, crate::report::TerminalStyle::PLAIN)
        .render(&analysis, &mut md)
        .map_err(|e| write_err(&md_path, e))?;
    let mut value = serde_json::to_value(&analysis.report)
        .map_err(|e| format!("{}: cannot serialise the report: {e}", path.display()))?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "batch".into(),
            serde_json::json!({
                "key": d.key,
                "source_sha256": d.source_sha256,
                "source": d.input.rel.display().to_string(),
            }),
        );
    }
    let json = serde_json::to_vec_pretty(&value)
        .map_err(|e| format!("{}: cannot serialise the report: {e}", path.display()))?;
    // Markdown and page first, JSON last: the JSON (with the key) marks the set complete.
    crate::fsutil::write_atomic(&md_path, &md).map_err(|e| write_err(&md_path, e))?;
    if let Some(pages) = cfg.html {
        write_page(&analysis.report, &d.input, cfg, pages)?;
    }
    crate::fsutil::write_atomic(&json_path, &json).map_err(|e| write_err(&json_path, e))?;
    Ok(Row::from_report(
        path,
        &rel_to(&json_path, &cfg.out_dir),
        &value,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_plans() {
        // Defaults: all cores on one file up to 4 threads, then files in parallel,
        // never more workers than files.
        assert_eq!(plan_workers(2, 20, None, None), (1, 2));
        assert_eq!(plan_workers(8, 20, None, None), (2, 4));
        assert_eq!(plan_workers(16, 3, None, None), (3, 4));
        assert_eq!(plan_workers(2, 20, Some(1), None), (1, 2));
        assert_eq!(plan_workers(2, 20, None, Some(2)), (1, 2));
        assert_eq!(plan_workers(4, 20, Some(3), Some(3)), (3, 3));
    }

    #[test]
    fn reports_mirror_the_input_tree() {
        let (json, md) = report_paths(Path::new("out"), Path::new("a/b.m4a"));
        assert_eq!(json, PathBuf::from("out/a/b.m4a.json"));
        assert_eq!(md, PathBuf::from("out/a/b.m4a.md"));
    }
}
