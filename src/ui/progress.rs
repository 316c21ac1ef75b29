//! Progress on standard error while something long runs: a batch's overall bar and
//! worker lines, a download's byte bar, a transcription's percentage. Drawn only for a
//! person watching a terminal (`interactive`); a log gets plain lines or nothing.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::InputKind;
use crate::analysis::checks::clock;
use crate::batch::{Event, Status};
use crate::coach::Progress;

/// Whether to draw progress bars: only for a person watching a terminal.
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

/// Progress: an overall bar and a line per worker on a terminal; a line per finished
/// file (and nothing else) when stderr is a log.
pub struct BatchProgress {
    multi: Option<MultiProgress>,
    overall: ProgressBar,
    workers: Vec<ProgressBar>,
    total: usize,
    done: usize,
    audio_s_done: f64,
    /// Audio actually transcribed in this run (not reused), for the throughput line.
    audio_s_scored: f64,
}

impl BatchProgress {
    pub fn new(total: usize, jobs: usize) -> BatchProgress {
        if !interactive() {
            return BatchProgress {
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
        BatchProgress {
            multi: Some(multi),
            overall,
            workers,
            total,
            done: 0,
            audio_s_done: 0.0,
            audio_s_scored: 0.0,
        }
    }

    pub fn event(&mut self, event: &Event) {
        match event {
            Event::Started {
                worker,
                rel,
                audio_s,
            } => {
                if let Some(bar) = self.workers.get(*worker) {
                    bar.set_position(0);
                    bar.set_message(format!("{} ({})", rel.display(), clock(*audio_s)));
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
                        .set_message(format!("{} audio", clock(self.audio_s_done)));
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
                        clock(*audio_s)
                    );
                }
            }
        }
    }

    /// The closing lines: counts, throughput, where the summary is, and every failure.
    pub fn outcome(&self, outcome: &crate::batch::Outcome, wall_s: f64) -> String {
        let failed = outcome.failed();
        let reused = outcome.reused();
        let scored = outcome.rows.len() - failed - reused;
        let mut out = format!(
            "{scored} scored, {reused} up to date, {failed} failed of {} files; {} of audio in {} ({:.1} audio min per wall min) -> {}\n",
            outcome.rows.len(),
            clock(self.audio_s_scored),
            clock(wall_s),
            if wall_s > 0.0 {
                self.audio_s_scored / wall_s
            } else {
                0.0
            },
            outcome.summary_path.display()
        );
        if let Some(index) = &outcome.index_path {
            out.push_str(&format!("pages: {}\n", index.display()));
        }
        if failed > 0 {
            out.push_str("failed:\n");
            for row in outcome.rows.iter().filter(|r| r.status == Status::Error) {
                out.push_str(&format!("  {}\n", row.error.replace('\n', "\n  ")));
            }
        }
        out
    }

    pub fn finish(&self) {
        for bar in &self.workers {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

/// Audio longer than this gets a progress bar.
const PROGRESS_MIN_SECONDS: f64 = 5.0;

/// A progress bar for transcribing `file`, when someone is watching and it is a
/// recording long enough to wait for (or of unknown length). Dropping the guard
/// clears the bar (whisper.cpp keeps the callback, so it cannot).
pub fn transcription_bar(file: &Path) -> (BarGuard, Progress) {
    let audio = crate::coach::input::kind_of(file).is_ok_and(|k| k == InputKind::Audio);
    let seconds = crate::audio::duration_hint(file);
    if !audio || !interactive() || seconds.is_some_and(|s| s <= PROGRESS_MIN_SECONDS) {
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

/// A byte progress bar per downloaded file, drawn only for a person watching a
/// terminal; each file's URL is printed as it starts.
#[derive(Default)]
pub struct Downloads {
    current: std::cell::RefCell<Option<(String, ProgressBar)>>,
}

impl Downloads {
    pub fn show(&self, url: &str, done: u64, total: Option<u64>) {
        let mut current = self.current.borrow_mut();
        if current.as_ref().is_none_or(|(u, _)| u != url) {
            if let Some((_, bar)) = current.take() {
                bar.finish_and_clear();
            }
            eprintln!("downloading {url}");
            *current = Some((url.to_string(), byte_bar(total.unwrap_or(0))));
        }
        if let Some((_, bar)) = current.as_ref() {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some((_, bar)) = self.current.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

/// A byte progress bar, drawn only for a person watching a terminal.
fn byte_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if interactive() {
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// `rehearse model download NAME`: the model or the sentence encoder fetched with a
/// progress bar and verified. Returns what to tell the user, and whether NAME was the
/// encoder (which the caller then loads once, to check that it does).
pub fn download(
    store: &crate::models::ModelStore,
    name: &str,
    base_url: Option<String>,
) -> Result<(String, bool), crate::models::InstallError> {
    use crate::models::Installed;
    let bar = Downloads::default();
    let mut show = |url: &str, done, total| bar.show(url, done, total);
    let encoder = name == store.manifest.encoder.name;
    let done = if encoder {
        store.download_encoder(base_url, &mut show)
    } else {
        store.download_model(name, base_url, &mut show)
    };
    bar.finish();
    let line = match done? {
        Installed::Already(path) => {
            format!(
                "{name} is already installed and verified: {}",
                path.display()
            )
        }
        Installed::Fetched(path, size) => format!(
            "installed {name} ({}, {} verified) {} {}",
            crate::ui::tables::mib(size),
            if encoder { "checksums" } else { "checksum" },
            if encoder { "in" } else { "at" },
            path.display()
        ),
    };
    Ok((line, encoder))
}

/// The installed sentence encoder. When it is not installed (or damaged), says so on
/// stderr with the fix, and the phases are labelled from the words alone.
pub fn encoder() -> Option<std::sync::Arc<crate::embed::MiniLm>> {
    let store = crate::models::ModelStore::discover();
    let started = std::time::Instant::now();
    match crate::embed::MiniLm::from_store(&store, crate::embed::Depth::PHASES) {
        Ok(enc) => {
            log::info!(
                "sentence encoder loaded in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Some(std::sync::Arc::new(enc))
        }
        Err(e) => {
            eprintln!("note: phases labelled from cue phrases alone: {e}");
            None
        }
    }
}
