//! Transcription while the speaker is still talking: completed stretches of audio,
//! cut at pauses (a simple energy detector) or at most `max_s` long, are transcribed
//! on a background thread; after the stop only the last stretch is left, and the
//! pieces are stitched with global timestamps.

use std::sync::{Arc, Mutex, mpsc};

use super::engine::{DecodeOptions, Engine, EngineError};
use crate::audio::TARGET_RATE;
use crate::transcript::{Segment, Transcript, Word};

/// Where to cut the stream into stretches, and how many may wait for the worker.
#[derive(Debug, Clone, Copy)]
pub struct ChunkPolicy {
    /// Stretches waiting to be transcribed before `feed` blocks; `None`: never block
    /// (a microphone cannot wait).
    pub max_queued: Option<usize>,
    /// Do not cut before this much audio (seconds): Whisper needs context.
    pub min_s: f64,
    /// Always cut by this length (seconds).
    pub max_s: f64,
    /// A pause at least this long (seconds) is a good place to cut.
    pub pause_s: f64,
    /// Frames quieter than this RMS count as silence.
    pub silence_rms: f32,
    /// The stretches are for the live view only: the take's transcript is made from
    /// the whole recording at the stop (short stretches transcribe less well).
    pub final_from_whole: bool,
    /// Also decode the stretch still being spoken this often (seconds of new audio),
    /// whenever the worker is idle, for words on screen before their stretch is cut.
    pub tentative_every_s: Option<f64>,
}

impl Default for ChunkPolicy {
    fn default() -> Self {
        ChunkPolicy {
            max_queued: None,
            min_s: 8.0,
            max_s: 20.0,
            pause_s: 0.3,
            silence_rms: 0.015,
            final_from_whole: false,
            tentative_every_s: None,
        }
    }
}

impl ChunkPolicy {
    /// For a live counter of what was said (the clean drill's fillers): stretches of
    /// 2-5 s, and the stretch still being spoken decoded every half second while the
    /// worker is idle, so a word is on screen about a second after it is said; the
    /// take's transcript is made from the whole recording at the stop.
    pub fn live_words() -> ChunkPolicy {
        ChunkPolicy {
            min_s: 2.0,
            max_s: 5.0,
            pause_s: 0.25,
            final_from_whole: true,
            tentative_every_s: Some(0.5),
            ..ChunkPolicy::default()
        }
    }

    /// For a long file decoded as it is transcribed: stretches close to Whisper's 30 s
    /// window, and at most one waiting, so decoding (far faster) cannot fill memory.
    pub fn long_file() -> ChunkPolicy {
        ChunkPolicy {
            max_queued: Some(1),
            min_s: 20.0,
            max_s: 29.0,
            ..ChunkPolicy::default()
        }
    }
}

/// Work for the transcribing thread: audio from `offset_s` (seconds into the stream).
struct Job {
    offset_s: f64,
    audio: Vec<f32>,
    /// A stretch still being spoken, decoded early for the screen: its words are
    /// replaced by the finished stretch's.
    tentative: bool,
}

/// The queue to the worker: unbounded for a microphone, bounded for a file.
enum Jobs {
    Unbounded(mpsc::Sender<Job>),
    Bounded(mpsc::SyncSender<Job>),
}

impl Jobs {
    fn send(&self, job: Job) -> Result<(), mpsc::SendError<Job>> {
        match self {
            Jobs::Unbounded(tx) => tx.send(job),
            Jobs::Bounded(tx) => tx.send(job),
        }
    }
}

const FRAME: usize = 480; // 30 ms at 16 kHz
/// New audio (samples) between pause searches: 0.3 s.
const SCAN_STEP: usize = 4800;

/// The cut point for `audio` (a stretch not yet sent), if it should be cut now:
/// the middle of the last long-enough pause after `min_s`, or `max_s`.
pub fn find_cut(audio: &[f32], p: &ChunkPolicy) -> Option<usize> {
    let rate = TARGET_RATE as f64;
    let min = (p.min_s * rate) as usize;
    let max = (p.max_s * rate) as usize;
    if audio.len() < min {
        return None;
    }
    let need = ((p.pause_s * rate) as usize).div_ceil(FRAME).max(1);
    let mut best = None;
    let mut run = 0;
    let upto = audio.len().min(max);
    let mut i = min.saturating_sub(need * FRAME);
    while i + FRAME <= upto {
        let f = &audio[i..i + FRAME];
        let rms = (f.iter().map(|x| x * x).sum::<f32>() / FRAME as f32).sqrt();
        if rms < p.silence_rms {
            run += 1;
            if run >= need {
                let mid = i + FRAME - run * FRAME / 2;
                if mid >= min {
                    best = Some(mid);
                }
            }
        } else {
            run = 0;
        }
        i += FRAME;
    }
    best.or((audio.len() >= max).then_some(max))
}

struct Piece {
    offset_s: f64,
    transcript: Transcript,
}

/// Feeds audio as it is recorded; transcribes finished stretches in the background.
pub struct StreamingTranscriber {
    policy: ChunkPolicy,
    pending: Vec<f32>,
    /// `pending.len()` at the last pause search: searching again on every 10 ms
    /// of audio would rescan up to 20 s each time.
    scanned: usize,
    /// `pending.len()` when the stretch being spoken was last sent for an early decode.
    tentative_at: usize,
    offset: usize,
    jobs: Jobs,
    heard: Heard,
    /// Jobs sent and not yet done: an early decode is only sent to an idle worker.
    busy: Arc<std::sync::atomic::AtomicUsize>,
}

/// The words heard so far (global times), for the screen while recording.
#[derive(Debug, Default, Clone)]
pub struct HeardWords {
    /// Words of the finished stretches.
    pub words: Vec<Word>,
    /// Words of the stretch still being spoken, from an early decode (may change).
    pub tentative: Vec<Word>,
    /// Bumped at every change.
    pub version: u64,
}

/// Updated by the worker; read by the recording loop, never by the audio callback.
pub type Heard = Arc<Mutex<HeardWords>>;

/// Runs `f` with a streaming transcriber whose worker thread lives inside the call;
/// returns `f`'s result and the stitched transcript of everything fed.
pub fn with_streaming<R>(
    engine: &Engine,
    opts: &DecodeOptions,
    policy: ChunkPolicy,
    f: impl FnOnce(&mut StreamingTranscriber) -> R,
) -> Result<(R, Transcript), EngineError> {
    let (tx, rx) = match policy.max_queued {
        Some(n) => {
            let (tx, rx) = mpsc::sync_channel(n);
            (Jobs::Bounded(tx), rx)
        }
        None => {
            let (tx, rx) = mpsc::channel();
            (Jobs::Unbounded(tx), rx)
        }
    };
    let heard: Heard = Arc::default();
    let heard_by_worker = heard.clone();
    let busy: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
    let busy_worker = busy.clone();
    std::thread::scope(|scope| {
        let stretch_opts = DecodeOptions {
            fit_audio_ctx: true,
            ..opts.clone()
        };
        let worker = scope.spawn(move || -> Result<Vec<Piece>, EngineError> {
            let busy = busy_worker;
            let mut opts = stretch_opts;
            let base_prompt = opts.initial_prompt.clone();
            let mut pieces: Vec<Piece> = Vec::new();
            for Job {
                offset_s,
                audio,
                tentative,
            } in rx
            {
                // Each stretch is decoded on its own, so give it what was said just
                // before, as whisper.cpp does between its own 30 s windows: names,
                // spelling and style carry over the cut.
                if let Some(prev) = pieces.last() {
                    opts.initial_prompt = Some(conditioning_prompt(
                        base_prompt.as_deref(),
                        &prev.transcript.text(),
                    ));
                }
                let done_to = pieces
                    .last()
                    .map_or(0.0, |p| p.offset_s + p.transcript.duration_s);
                // An early decode overtaken by its finished stretch is of no use.
                let stale = tentative && offset_s + 1e-6 < done_to;
                let result = if stale {
                    None
                } else {
                    Some(engine.transcribe(&audio, &opts, None))
                };
                busy.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                let Some(transcript) = result.transpose()? else {
                    continue;
                };
                let global: Vec<Word> = transcript
                    .words
                    .iter()
                    .map(|w| Word {
                        start: w.start + offset_s,
                        end: w.end + offset_s,
                        ..w.clone()
                    })
                    .collect();
                if let Ok(mut heard) = heard_by_worker.lock() {
                    if tentative {
                        heard.tentative = global;
                    } else {
                        heard.words.extend(global);
                        heard.tentative.clear();
                    }
                    heard.version += 1;
                }
                if !tentative {
                    pieces.push(Piece {
                        offset_s,
                        transcript,
                    });
                }
            }
            Ok(pieces)
        });
        let mut st = StreamingTranscriber {
            policy,
            pending: Vec::new(),
            scanned: 0,
            tentative_at: 0,
            offset: 0,
            jobs: tx,
            heard,
            busy,
        };
        let result = f(&mut st);
        // The last stretch, then close the queue so the worker finishes.
        // (When the take's transcript is made from the whole recording, decoding the
        // last stretch too would only delay the report.)
        let rest = std::mem::take(&mut st.pending);
        if !rest.is_empty() && !st.policy.final_from_whole {
            st.send(rest, false);
        }
        let total = st.offset;
        drop(st);
        let pieces = worker.join().unwrap_or(Err(EngineError::WorkerStopped))?;
        Ok((
            result,
            stitch(engine, pieces, total as f64 / TARGET_RATE as f64),
        ))
    })
}

impl StreamingTranscriber {
    fn send(&self, audio: Vec<f32>, tentative: bool) {
        self.busy.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let job = Job {
            offset_s: self.offset as f64 / TARGET_RATE as f64,
            audio,
            tentative,
        };
        if self.jobs.send(job).is_err() {
            self.busy.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Adds recorded 16 kHz audio; sends a stretch to the worker when it is complete
    /// (and, when the policy asks, the stretch still being spoken to an idle worker).
    pub fn feed(&mut self, audio: &[f32]) {
        self.pending.extend_from_slice(audio);
        let max = (self.policy.max_s * TARGET_RATE as f64) as usize;
        if self.pending.len() < self.scanned + SCAN_STEP && self.pending.len() < max {
            self.send_tentative();
            return;
        }
        self.scanned = self.pending.len();
        while let Some(cut) = find_cut(&self.pending, &self.policy) {
            let rest = self.pending.split_off(cut);
            let stretch = std::mem::replace(&mut self.pending, rest);
            self.send(stretch, false);
            self.offset += cut;
            self.scanned = 0;
            self.tentative_at = 0;
        }
        self.send_tentative();
    }

    fn send_tentative(&mut self) {
        let Some(every) = self.policy.tentative_every_s else {
            return;
        };
        let step = (every * TARGET_RATE as f64) as usize;
        let idle = self.busy.load(std::sync::atomic::Ordering::Relaxed) == 0;
        if idle && self.pending.len() >= self.tentative_at + step {
            self.tentative_at = self.pending.len();
            self.send(self.pending.clone(), true);
        }
    }

    /// A handle on the words transcribed so far.
    pub fn heard(&self) -> Heard {
        self.heard.clone()
    }

    /// Seconds of audio still waiting for the next cut.
    pub fn pending_seconds(&self) -> f64 {
        self.pending.len() as f64 / TARGET_RATE as f64
    }
}

/// Recordings longer than this are transcribed in pieces while they are decoded, so
/// memory does not grow with their length (a whole 60-minute file at 16 kHz is 230 MB
/// of samples before Whisper's own buffers); shorter ones are decoded whole, which
/// lets whisper.cpp choose its own windows.
pub const LONG_FILE_S: f64 = 600.0;

/// A file could not be decoded or transcribed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Decodes `path` and transcribes it a stretch at a time as the samples arrive
/// (stretches of 20-29 s cut at pauses, each primed with the text before it, as a live
/// take is); `progress(frames_done, frames_total)` follows the decoding.
pub fn transcribe_file_in_pieces(
    engine: &Engine,
    opts: &DecodeOptions,
    path: &std::path::Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(crate::audio::SourceInfo, Transcript), FileError> {
    let (decoded, transcript) = with_streaming(engine, opts, ChunkPolicy::long_file(), |st| {
        crate::audio::decode_file_into(path, progress, &mut |samples| st.feed(samples))
    })?;
    Ok((decoded?, transcript))
}

/// Words of the previous stretch carried into the next one's prompt.
const CONTEXT_WORDS: usize = 40;

/// The configured prompt (kept first: it sets the verbatim style) followed by the
/// tail of the previous stretch's text.
fn conditioning_prompt(base: Option<&str>, previous: &str) -> String {
    let words: Vec<&str> = previous.split_whitespace().collect();
    let tail = words[words.len().saturating_sub(CONTEXT_WORDS)..].join(" ");
    match base {
        Some(b) if !b.is_empty() => format!("{b} {tail}"),
        _ => tail,
    }
}

fn stitch(engine: &Engine, pieces: Vec<Piece>, _fed_s: f64) -> Transcript {
    let mut model = engine.model_info().clone();
    let mut total = 0.0;
    let mut segments: Vec<Segment> = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut not_speech: Vec<Word> = Vec::new();
    let shift = |offset_s: f64| {
        move |w: Word| Word {
            start: w.start + offset_s,
            end: w.end + offset_s,
            ..w
        }
    };
    for p in pieces {
        if model.beam_size.is_none() {
            model = p.transcript.model.clone();
        }
        total = p.offset_s + p.transcript.duration_s;
        segments.extend(p.transcript.segments.into_iter().map(|s| Segment {
            start: s.start + p.offset_s,
            end: s.end + p.offset_s,
            ..s
        }));
        words.extend(p.transcript.words.into_iter().map(shift(p.offset_s)));
        not_speech.extend(p.transcript.not_speech.into_iter().map(shift(p.offset_s)));
    }
    let mut t = Transcript::new(model, total);
    t.segments = segments;
    t.words = words;
    t.not_speech = not_speech;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f64) -> Vec<f32> {
        (0..(secs * 16000.0) as usize)
            .map(|i| (i as f32 * 0.1).sin() * 0.3)
            .collect()
    }

    #[test]
    fn the_prompt_carries_the_end_of_the_previous_stretch() {
        let prev: String = (0..100).map(|i| format!("w{i} ")).collect();
        let p = conditioning_prompt(Some("Um, so."), &prev);
        assert!(p.starts_with("Um, so. w60 "), "{p}");
        assert!(p.ends_with("w99"), "{p}");
        assert_eq!(conditioning_prompt(None, "a b"), "a b");
    }

    #[test]
    fn cuts_at_a_pause_after_the_minimum_or_at_the_maximum() {
        let p = ChunkPolicy::default();
        assert_eq!(find_cut(&tone(7.0), &p), None);
        let mut a = tone(10.0);
        a.extend(vec![0.0; 8000]); // 0.5 s pause at 10 s
        a.extend(tone(3.0));
        let cut = find_cut(&a, &p).expect("cut");
        assert!((160_000..=168_000).contains(&cut), "cut at {cut}");
        assert_eq!(find_cut(&tone(25.0), &p), Some(320_000));
        assert_eq!(
            find_cut(&tone(15.0), &p),
            None,
            "no pause and under the maximum"
        );
    }
}
