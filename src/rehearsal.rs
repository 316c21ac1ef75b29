//! One take of a rehearsal, from the microphone to a saved, scored take: open the
//! device, record into the take's WAV (never lost: see `audio::take`) while finished
//! stretches are transcribed, compute the live cue from what has been heard, then
//! score and save. `rehearse practice` draws it; the drills are other callers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::analysis::cue::live_cue;
use crate::analysis::{Hit, Report};
use crate::audio::capture::{self, Capture};
use crate::audio::recorder::{RecordOptions, StopReason, Tick, record};
use crate::audio::take::TakeWriter;
use crate::coach::{Coach, CoachError, Scored};
use crate::takes::{self, TakeStore, TakesError};
use crate::transcribe::stream::{ChunkPolicy, Heard, with_streaming};
use crate::transcript::Transcript;

#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    #[error(transparent)]
    Capture(#[from] crate::audio::capture::CaptureError),
    #[error(transparent)]
    Store(#[from] TakesError),
    #[error(transparent)]
    Wav(#[from] crate::audio::take::TakeError),
    #[error(transparent)]
    Record(#[from] crate::audio::recorder::RecordError),
    #[error(transparent)]
    Recogniser(#[from] crate::transcribe::LoadError),
    #[error(transparent)]
    Engine(#[from] crate::transcribe::EngineError),
    #[error(transparent)]
    Coach(#[from] CoachError),
    #[error("the take was not recorded")]
    NotRecorded,
    #[error("nothing was recorded (stopped before any audio arrived); no take was kept")]
    NothingRecorded,
    #[error("no speech was recorded (is the microphone muted?); the audio is kept in {dir}")]
    NoSpeech { dir: PathBuf },
}

/// Words needed before the phases of a take in progress mean anything.
const CUE_MIN_WORDS: usize = 30;

/// What has been heard so far, for the screen while recording.
pub struct Live<'a> {
    /// The one cue for the speaker (from the clock and the story so far).
    pub cue: &'static str,
    /// The fillers heard so far, in order, with their times in the take.
    pub fillers: &'a [Hit],
}

/// The live state. What has been heard is re-analysed only when a new stretch of the
/// transcript has arrived (every 1–20 s; the analysis takes about a millisecond).
struct Tracker<'a> {
    coach: &'a Coach,
    heard: Option<Heard>,
    /// The version of what was heard that the current report was made from.
    analysed: u64,
    report: Option<Report>,
    fillers: Vec<Hit>,
    /// Start times of the fillers shown so far, to know a new one when it appears.
    shown: Vec<f64>,
    /// For each filler, the seconds between its start and the tick that first showed it.
    filler_delays: Vec<f64>,
}

/// Two sightings of a filler this close (seconds) are the same filler.
const SAME_FILLER_S: f64 = 0.5;

impl<'a> Tracker<'a> {
    fn update(&mut self, seconds: f64) {
        let fresh = self.heard.as_ref().and_then(|heard| {
            let h = heard.lock().ok()?;
            (h.version != self.analysed).then(|| {
                let mut words = h.words.clone();
                words.extend(h.tentative.iter().cloned());
                (h.version, words)
            })
        });
        let Some((version, words)) = fresh else {
            return;
        };
        self.analysed = version;
        let n_words = words.len();
        let mut t = Transcript::new(Default::default(), seconds);
        t.words = words;
        let report = self.coach.glance(&t).report;
        self.fillers = report.fillers.hits.clone();
        for h in &self.fillers {
            if self
                .shown
                .iter()
                .any(|s| (s - h.start).abs() < SAME_FILLER_S)
            {
                continue;
            }
            self.shown.push(h.start);
            let delay = seconds - h.start;
            log::info!(
                "filler {:?} said at {:.1} s, shown at {seconds:.1} s ({delay:.1} s later)",
                h.text,
                h.start
            );
            self.filler_delays.push(delay);
        }
        self.report = Some(report).filter(|_| n_words >= CUE_MIN_WORDS);
    }

    fn live(&mut self, seconds: f64) -> Live<'_> {
        self.update(seconds);
        Live {
            cue: live_cue(seconds, self.report.as_ref(), self.coach.rubric()).text(),
            fillers: &self.fillers,
        }
    }
}

/// One take: its folder, its WAV being written, and what recording produced.
pub struct Take {
    pub id: String,
    pub dir: PathBuf,
    pub audio_path: PathBuf,
    cap: Capture,
    writer: TakeWriter,
    result: Option<Recorded>,
}

struct Recorded {
    reason: StopReason,
    audio: Vec<f32>,
    transcript: Transcript,
    seconds: f64,
    lost: u64,
    stopped: Instant,
    filler_delays: Vec<f64>,
}

/// A finished take: saved, scored, and what the speaker should be told about it.
pub struct FinishedTake {
    pub dir: PathBuf,
    pub scored: Scored,
    /// When recording stopped, for the stop-to-report latency.
    pub stopped: Instant,
    /// Seconds from each filler to the screen that first showed it (live fillers only).
    pub filler_delays: Vec<f64>,
}

impl Take {
    /// Opens the device (`device`: part of its name; none: the default) and a new take
    /// folder with its WAV.
    pub fn start(device: Option<&str>, store: &TakeStore) -> Result<Take, RehearsalError> {
        let cap = capture::open(device)?;
        let (id, dir) = store.create()?;
        let audio_path = dir.join(takes::AUDIO);
        let writer = TakeWriter::create(&audio_path)?;
        Ok(Take {
            id,
            dir,
            audio_path,
            cap,
            writer,
            result: None,
        })
    }

    /// The device's name, rate and channels.
    pub fn device(&self) -> (&str, u32, u16) {
        (&self.cap.device, self.cap.rate, self.cap.channels)
    }

    /// Throws the take away: its folder is removed.
    pub fn discard(self) {
        let dir = self.dir.clone();
        drop(self);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            log::warn!("could not remove {}: {e}", dir.display());
        }
    }

    /// Records until `stop` is set (or `max_seconds`, or the device goes away), with
    /// finished stretches (cut by `chunks`) transcribed while the speaker talks, so that
    /// after the stop only the last one is left (BENCHMARKS.md: stop-to-report
    /// latency). `on_tick` gets the time, the level and what has been heard.
    pub fn record(
        &mut self,
        coach: &Coach,
        stop: &AtomicBool,
        max_seconds: Option<f64>,
        chunks: ChunkPolicy,
        on_tick: &mut dyn FnMut(Tick, &Live),
    ) -> Result<(), RehearsalError> {
        let rec = coach.recogniser()?;
        let mut tracker = Tracker {
            coach,
            heard: None,
            analysed: 0,
            report: None,
            fillers: Vec::new(),
            shown: Vec::new(),
            filler_delays: Vec::new(),
        };
        let rec_opts = RecordOptions {
            max_seconds,
            ..Default::default()
        };
        let mut stopped = Instant::now();
        let mut lost = 0u64;
        let cap = &mut self.cap;
        let writer = &mut self.writer;
        let (recorded, transcript) = with_streaming(&rec.engine, &rec.opts, chunks, |stream| {
            tracker.heard = Some(stream.heard());
            let r = record(
                cap,
                writer,
                stop,
                &rec_opts,
                &mut |t| on_tick(t, &tracker.live(t.seconds)),
                &mut |a| stream.feed(a),
            );
            stopped = Instant::now();
            // Only what was lost while recording counts (the device runs on until dropped).
            lost = cap.status.dropped.load(Ordering::Relaxed);
            r
        })?;
        let (reason, audio) = recorded?;
        let transcript = if chunks.final_from_whole && !audio.is_empty() {
            rec.engine.transcribe(&audio, &rec.opts, None)?
        } else {
            transcript
        };
        self.result = Some(Recorded {
            reason,
            audio,
            transcript,
            seconds: self.writer.seconds(),
            lost,
            stopped,
            filler_delays: tracker.filler_delays,
        });
        Ok(())
    }

    /// Seconds recorded so far.
    pub fn seconds(&self) -> f64 {
        self.writer.seconds()
    }

    /// Finalizes the WAV, releases the device, scores the take and saves its
    /// transcript and report beside the audio. A take with no audio at all is removed;
    /// one with no speech keeps its audio. `warn` hears about the recording as soon as
    /// it is known (audio lost to a busy machine, a device that went away), before the
    /// scoring that may still fail.
    pub fn finish(
        mut self,
        coach: &Coach,
        warn: &mut dyn FnMut(&str),
    ) -> Result<FinishedTake, RehearsalError> {
        let Recorded {
            reason,
            audio,
            transcript,
            seconds,
            lost,
            stopped,
            filler_delays,
        } = self.result.take().ok_or(RehearsalError::NotRecorded)?;
        let (dir, audio_path, cap, writer) = (self.dir, self.audio_path, self.cap, self.writer);
        // At a length limit the device may have run ahead of what the take needed
        // (file-backed devices deliver faster than real time): those drops are not losses.
        if lost > 0 && reason != StopReason::MaxLength {
            warn(&format!(
                "{:.1} s of audio were lost because the computer was too busy to keep up",
                lost as f64 / cap.rate as f64
            ));
        }
        release_device(cap, reason);
        writer.finish()?;
        if reason == StopReason::DeviceLost {
            warn(&format!(
                "the input device stopped delivering audio; the {} recorded so far are kept and scored",
                crate::analysis::checks::clock(seconds)
            ));
        }
        if audio.is_empty() {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                log::warn!("could not remove {}: {e}", dir.display());
            }
            return Err(RehearsalError::NothingRecorded);
        }
        if transcript.words.is_empty() {
            return Err(RehearsalError::NoSpeech { dir });
        }
        let scored = coach.score_heard(transcript, &audio_path.display().to_string())?;
        takes::save_scored(&dir, &scored)?;
        Ok(FinishedTake {
            dir,
            scored,
            stopped,
            filler_delays,
        })
    }
}

/// A take cut off before it was scored (killed, or the machine went down): its audio
/// is transcribed and scored now, and the transcript and report are saved beside it,
/// as if the take had finished. The notes are about the audio (a repaired header).
pub fn score_unscored(
    coach: &Coach,
    dir: &std::path::Path,
    progress: crate::coach::Progress,
) -> Result<Scored, RehearsalError> {
    let audio = dir.join(takes::AUDIO);
    let name = audio.display().to_string();
    let (transcript, notes) = coach.transcribe_file(&audio, &name, progress)?;
    if transcript.words.is_empty() {
        return Err(RehearsalError::NoSpeech {
            dir: dir.to_path_buf(),
        });
    }
    let mut scored = coach.score_heard(transcript, &name)?;
    scored.notes.splice(0..0, notes);
    takes::save_scored(dir, &scored)?;
    Ok(scored)
}

/// Closes the capture stream. After a device loss, closing can block forever inside
/// the audio stack (seen with ALSA's pulse plugin when the sound server dies: cpal's
/// stream thread waits on a lock the dead connection holds), so then the stream is
/// left to the process exit instead; the take is already on disk.
fn release_device(cap: Capture, reason: StopReason) {
    if reason == StopReason::DeviceLost {
        std::mem::forget(cap);
    } else {
        drop(cap);
    }
}
