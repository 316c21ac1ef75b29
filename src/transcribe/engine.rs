//! The whisper.cpp engine: one model context loaded once, one decoding state per job.

use std::path::Path;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use super::backend::{self, GpuError, Plan};
use crate::audio::TARGET_RATE;
use crate::audio::vad::VoiceActivity;
use crate::transcript::{ModelInfo, Segment, Transcript, Word};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "{path}: whisper.cpp could not load the model ({source}).\n  Fix: the file is damaged or not a ggml model; run `rehearse model list --verify`"
    )]
    Load {
        path: String,
        #[source]
        source: whisper_rs::WhisperError,
    },
    #[error("transcription failed: {0}")]
    Transcribe(#[from] whisper_rs::WhisperError),
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error("nothing to transcribe: the audio is empty")]
    NoAudio,
    #[error(
        "the background transcription thread stopped unexpectedly; the take's audio is saved and can be scored with `rehearse score`"
    )]
    WorkerStopped,
}

/// Decoding settings. Defaults are chosen from measurements (see BENCHMARKS.md).
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub threads: u32,
    /// 1 = greedy decoding; more = beam search of that width.
    pub beam_size: u32,
    /// Text the decoder is primed with; filler words here make Whisper keep them.
    pub initial_prompt: Option<String>,
    pub language: String,
    /// Shrink the encoder window to the audio when it is shorter than Whisper's 30 s
    /// (short recordings and the stretches of live transcription: less work, same text).
    pub fit_audio_ctx: bool,
}

/// Default thread count: one per core that is idle now, at most 8.
///
/// Measured on the 2-core reference machine (BENCHMARKS.md): on an idle machine 2
/// threads decode 1.8x faster than 1, but with both cores busy 2 threads are 8x
/// *slower* than 1, because ggml's workers spin while they wait for each other. So the
/// default counts the cores that are busy (the 1-minute load average) and leaves them
/// alone; `--threads` overrides.
pub fn default_threads() -> u32 {
    idle_cores().min(8)
}

/// Cores not busy right now (at least 1), from the 1-minute load average.
pub fn idle_cores() -> u32 {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    idle_of(cores, load_average())
}

fn idle_of(cores: u32, load: f64) -> u32 {
    let busy = load.max(0.0).round() as u32;
    cores.saturating_sub(busy).max(1)
}

/// The 1-minute load average (0 where the system does not say).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            threads: default_threads(),
            beam_size: 1,
            // Measured: filled-pause recall 29% -> 50% at the same content WER (docs/accuracy.md).
            initial_prompt: Some(super::FILLER_PROMPT.to_string()),
            language: "en".into(),
            // Measured on 20 short clips: same text (better on 8 kHz), 2x faster, and the
            // encoder's buffers stay small (BENCHMARKS.md).
            fit_audio_ctx: true,
        }
    }
}

/// A segment is not speech when its window's no-speech probability is above this and
/// its tokens' mean log-probability below [`LOW_AVG_LOGPROB`] (OpenAI Whisper's rule).
const NO_SPEECH_PROB: f32 = 0.6;
const LOW_AVG_LOGPROB: f64 = -1.0;
/// A word counts only if a voiced frame lies within this much of its time span
/// (Whisper's word times are loose by a few tenths of a second).
const WORD_VOICE_MARGIN_S: f64 = 0.3;

/// Silence longer than this before the first or after the last voiced moment of a
/// recording is left out of what Whisper decodes (keeping [`EDGE_MARGIN_S`] of it).
const EDGE_SILENCE_S: f64 = 2.0;
const EDGE_MARGIN_S: f64 = 0.5;

/// How far past its last voiced frame a word may end (the decay of the last sound).
const WORD_END_MARGIN_S: f64 = 0.2;

/// Tokens of earlier text carried into each window (whisper.cpp's default: 224).
const MAX_TEXT_CONTEXT: i32 = 64;

/// Longest prompt tokenized; whisper.cpp keeps only the last [`MAX_TEXT_CONTEXT`].
const MAX_PROMPT_TOKENS: usize = 1024;

/// The smallest fitted encoder window: 750 positions = 15 s.
const MIN_AUDIO_CTX: i32 = 750;

/// A loaded model, shareable across threads; each job gets its own state.
pub struct Engine {
    ctx: WhisperContext,
    info: ModelInfo,
}

impl Engine {
    /// Loads a ggml model onto the device `plan` chose, and checks that it really
    /// started there (whisper.cpp falls back to the CPU without failing). An `auto` GPU
    /// that does not start means the CPU, noted in `plan`; a GPU asked for by number is
    /// an error. whisper.cpp's own log lines go to the `log` crate (shown with `-v`).
    pub fn load(path: &Path, name: &str, plan: &mut Plan) -> Result<Engine, EngineError> {
        backend::install_log_hook();
        let first = Self::load_on(path, name, plan)?;
        let (state, started, failure) = backend::watching(|| first.ctx.create_state());
        state?;
        let was_gpu = plan.gpu.is_some();
        let compute = plan.settle(&started, failure)?;
        // A GPU that did not start may still hold the weights' buffers: load again.
        let mut engine = if was_gpu && plan.gpu.is_none() {
            Self::load_on(path, name, plan)?
        } else {
            first
        };
        log::info!("transcribing on {compute}");
        engine.info.compute = Some(compute);
        Ok(engine)
    }

    fn load_on(path: &Path, name: &str, plan: &Plan) -> Result<Engine, EngineError> {
        let path_str = path.to_string_lossy().into_owned();
        let mut params = WhisperContextParameters::default();
        let (use_gpu, gpu_device) = plan.whisper_params();
        params.use_gpu(use_gpu);
        params.gpu_device(gpu_device);
        // On, on every backend that has it. With the tiled flash-attention kernel
        // (vendor/README.md) it is the fastest CPU setting and ~65 MB leaner than plain
        // attention, which also made tiny.en loop on fitted live windows (a 10.2 s
        // stretch came back as its sentence five times).
        params.flash_attn(true);
        let ctx = WhisperContext::new_with_params(&path_str, params).map_err(|source| {
            EngineError::Load {
                path: path_str.clone(),
                source,
            }
        })?;
        let info = ModelInfo {
            name: name.to_string(),
            file: path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            engine: "whisper.cpp".into(),
            ..Default::default()
        };
        Ok(Engine { ctx, info })
    }

    pub fn model_info(&self) -> &ModelInfo {
        &self.info
    }

    /// A fresh decoding state (the KV caches and buffers of one job).
    fn new_state(&self) -> Result<WhisperState, EngineError> {
        Ok(self.ctx.create_state()?)
    }

    /// The prompt as tokens framed like an earlier segment: `<|0.00|> text <|t|>`.
    ///
    /// Given as bare text (whisper.cpp's `initial_prompt`), tiny.en tends to copy the
    /// prompt's lack of timestamps: it decodes a whole 30 s window without one, which
    /// whisper.cpp rejects, so the window is decoded again at rising temperatures (dev-14:
    /// two windows decoded four times each) and the sampled retry drops fillers. With
    /// timestamps around the prompt the first pass holds (docs/accuracy.md).
    fn frame_prompt(&self, prompt: &str) -> Result<Vec<std::ffi::c_int>, EngineError> {
        let text = self
            .ctx
            .tokenize(prompt_tail(prompt, MAX_PROMPT_TOKENS), MAX_PROMPT_TOKENS)?;
        // The closing timestamp at the prompt's length when spoken (~2.5 words/s), within
        // the 30 s a segment can span; timestamp tokens count 20 ms each from <|0.00|>.
        let words = prompt.split_whitespace().count() as f64;
        let secs = (words / 2.5).clamp(1.0, 29.0);
        let beg = self.ctx.token_beg();
        let mut tokens = Vec::with_capacity(text.len() + 2);
        tokens.push(beg);
        tokens.extend(text);
        tokens.push(beg + (secs / 0.02).round() as std::ffi::c_int);
        Ok(tokens)
    }

    /// Transcribes 16 kHz mono audio. `progress` gets whisper.cpp's percentage.
    ///
    /// Every call decodes with a fresh whisper state, so a result depends on the audio
    /// and the options alone: a reused state carries its sampling generator (used by
    /// the temperature fallback) from one recording into the next, and a batch scored
    /// the same file differently depending on the file before it.
    pub fn transcribe(
        &self,
        samples: &[f32],
        opts: &DecodeOptions,
        progress: Option<Box<dyn FnMut(i32)>>,
    ) -> Result<Transcript, EngineError> {
        if samples.is_empty() {
            return Err(EngineError::NoAudio);
        }
        let voice = VoiceActivity::detect(samples);
        let duration_s = samples.len() as f64 / TARGET_RATE as f64;
        // Long silence before the first or after the last voiced moment is not handed to
        // Whisper: over a long silent tail tiny.en drops the last words of the speech or
        // invents some ("Early last" for "Early last year, I was..." over 16 s of hiss).
        let (speech_from, speech_to) = match voice.voiced_span() {
            Some((a, b)) => (
                if a > EDGE_SILENCE_S {
                    a - EDGE_MARGIN_S
                } else {
                    0.0
                },
                if duration_s - b > EDGE_SILENCE_S {
                    b + EDGE_MARGIN_S
                } else {
                    duration_s
                },
            ),
            None => (0.0, duration_s),
        };
        // Whisper pushes the tokens it cannot place to the end of the audio it is given.
        // When that end is at most the edge margin past the last voice, a word placed
        // there belongs to the speech just before it (seen: "year, I was" of a sentence
        // cut off by the stop, all at the window's end 0.5 s after the voice, lost).
        let pushed_past_voice = voice
            .voiced_span()
            .map(|(_, b)| b)
            .filter(|b| speech_to - b <= EDGE_MARGIN_S + 1e-6);
        let at = |s: f64| ((s * TARGET_RATE as f64) as usize).min(samples.len());
        let (speech, offset_s) = (&samples[at(speech_from)..at(speech_to)], speech_from);
        let framed_prompt = match opts.initial_prompt.as_deref() {
            Some(p) if !p.trim().is_empty() => Some(self.frame_prompt(p)?),
            _ => None,
        };
        let strategy = if opts.beam_size <= 1 {
            SamplingStrategy::Greedy { best_of: 1 }
        } else {
            SamplingStrategy::BeamSearch {
                beam_size: opts.beam_size as i32,
                patience: -1.0,
            }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(opts.threads.max(1) as i32);
        params.set_language(Some(&opts.language));
        params.set_translate(false);
        params.set_token_timestamps(true);
        // whisper.cpp carries up to 224 tokens of earlier text into each 30 s window and
        // computes vocabulary logits for every one of them: 46 MB and a large matmul per
        // window. 64 tokens gave the same word error and filler count on 10 answers,
        // 7% faster and 65 MB less (32 tokens: WER 6.9% -> 8.1%).
        params.set_n_max_text_ctx(MAX_TEXT_CONTEXT);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        if opts.fit_audio_ctx && speech.len() < 30 * TARGET_RATE as usize {
            // 1500 encoder positions cover 30 s; keep a margin for the last words. A
            // window much shorter than 15 s makes tiny.en repeat the last phrase of a
            // short piece ("the same afternoon I told my manager" three times from 4 s
            // at a 10 s window; tests/transcribe.rs), so never less.
            let ctx =
                (speech.len() as f64 / (30.0 * TARGET_RATE as f64) * 1500.0).ceil() as i32 + 64;
            params.set_audio_ctx(ctx.clamp(MIN_AUDIO_CTX, 1500));
        }
        if let Some(tokens) = &framed_prompt {
            params.set_tokens(tokens);
        }
        if let Some(cb) = progress {
            params.set_progress_callback_safe(cb);
        }
        let mut info = self.info.clone();
        info.beam_size = Some(opts.beam_size.max(1));
        info.threads = Some(opts.threads.max(1));
        info.initial_prompt = opts.initial_prompt.clone();
        let mut t = Transcript::new(info, duration_s);
        if !voice.any() || speech.is_empty() {
            // Nothing but silence or a hum: whatever the recogniser would write is invented.
            return Ok(t);
        }
        let mut state = self.new_state()?;
        state.full(params, speech)?;
        let eot = self.ctx.token_eot();
        let clamp = |cs: i64| (cs as f64 / 100.0 + offset_s).clamp(0.0, duration_s);
        for seg in state.as_iter() {
            let text = seg
                .to_str_lossy()
                .map(|s| s.into_owned())
                .unwrap_or_default();
            if is_annotation(&text) {
                continue;
            }
            let mut words = Vec::new();
            let mut word: Option<(Vec<u8>, f64, f64, f32, u32)> = None;
            let (mut logp, mut n_tokens) = (0.0f64, 0usize);
            for i in 0..seg.n_tokens() {
                let Some(tok) = seg.get_token(i) else {
                    continue;
                };
                let data = tok.token_data();
                if data.id >= eot {
                    continue; // special and timestamp tokens
                }
                logp += f64::from(data.plog);
                n_tokens += 1;
                let bytes = tok.to_bytes().unwrap_or_default();
                let (t0, t1) = (clamp(data.t0), clamp(data.t1));
                let starts_word = bytes.first() == Some(&b' ');
                match word.as_mut() {
                    Some(w) if !starts_word => {
                        w.0.extend_from_slice(bytes);
                        w.2 = w.2.max(t1);
                        w.3 += data.p;
                        w.4 += 1;
                    }
                    _ => {
                        if let Some(w) = word.take() {
                            push_word(&mut words, w);
                        }
                        word = Some((bytes.to_vec(), t0, t1, data.p, 1));
                    }
                }
            }
            if let Some(w) = word.take() {
                push_word(&mut words, w);
            }
            // OpenAI Whisper's rule for a window that is not speech: the model says so
            // and is unsure of what it wrote anyway.
            let avg_logprob = logp / n_tokens.max(1) as f64;
            let not_speech =
                seg.no_speech_probability() > NO_SPEECH_PROB && avg_logprob < LOW_AVG_LOGPROB;
            let (mut kept, dropped): (Vec<Word>, Vec<Word>) = words.into_iter().partition(|w| {
                !not_speech
                    && (voice.voiced_between(w.start, w.end, WORD_VOICE_MARGIN_S)
                        || pushed_past_voice.is_some_and(|b| w.start >= b))
            });
            for w in &mut kept {
                if let Some(b) = pushed_past_voice.filter(|b| w.start >= *b) {
                    // Its place is unknown; the voice ended at b.
                    (w.start, w.end) = (b, b);
                }
                w.end = voice.trim_end(w.start, w.end, WORD_END_MARGIN_S);
            }
            if !dropped.is_empty() {
                log::debug!(
                    "not speech ({}): {:?}",
                    if not_speech {
                        "no-speech probability"
                    } else {
                        "silence"
                    },
                    dropped.iter().map(|w| w.text.as_str()).collect::<Vec<_>>()
                );
            }
            if let Some(last) = kept.last() {
                let start = clamp(seg.start_timestamp());
                // Not past its last word, which has been trimmed to the voice.
                let end = clamp(seg.end_timestamp()).min(last.end).max(start);
                let text = if dropped.is_empty() {
                    text
                } else {
                    let words: Vec<&str> = kept.iter().map(|w| w.text.as_str()).collect();
                    format!(" {}", words.join(" "))
                };
                t.segments.push(Segment { start, end, text });
            }
            t.words.extend(kept);
            t.not_speech.extend(dropped);
        }
        Ok(t)
    }
}

/// The end of `prompt` in at most `max_bytes` bytes, starting at a word.
///
/// whisper-rs reads a tokenization longer than its buffer as a huge length (it checks
/// only for -1), so a prompt is never handed over with more bytes than token slots: a
/// token is at least one byte. Only the prompt's last [`MAX_TEXT_CONTEXT`] tokens are
/// used anyway, so a long `--prompt` loses nothing that mattered.
fn prompt_tail(prompt: &str, max_bytes: usize) -> &str {
    if prompt.len() <= max_bytes {
        return prompt;
    }
    let mut start = prompt.len() - max_bytes;
    while !prompt.is_char_boundary(start) {
        start += 1;
    }
    let tail = &prompt[start..];
    match tail.find(char::is_whitespace) {
        Some(i) if i + 1 < tail.len() => tail[i..].trim_start(),
        _ => tail,
    }
}

/// Whisper's non-speech annotations ("[BLANK_AUDIO]", "(music)") are not words.
fn is_annotation(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('[') && t.ends_with(']')) || (t.starts_with('(') && t.ends_with(')'))
}

fn push_word(words: &mut Vec<Word>, (bytes, start, end, psum, n): (Vec<u8>, f64, f64, f32, u32)) {
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    if text.is_empty() || is_annotation(&text) {
        return;
    }
    // A token of punctuation alone (a stray "-" or "," that Whisper opens a window
    // with, a "." split off) is not a word: it belongs to the word before, if any.
    if !text.chars().any(char::is_alphanumeric) {
        if let Some(prev) = words.last_mut() {
            prev.text.push_str(&text);
            prev.end = prev.end.max(end);
        }
        return;
    }
    words.push(Word {
        start,
        end: end.max(start),
        text,
        p: psum / n.max(1) as f32,
    });
}

#[cfg(test)]
mod tests {
    use super::{idle_of, is_annotation, prompt_tail, push_word};

    #[test]
    fn a_long_prompt_keeps_its_last_whole_words_within_the_byte_limit() {
        assert_eq!(prompt_tail("um, so, uh", 64), "um, so, uh");
        let long = "ééé word ".repeat(300);
        let tail = prompt_tail(&long, 100);
        assert!(tail.len() <= 100, "{} bytes", tail.len());
        assert!(
            tail.starts_with("ééé") || tail.starts_with("word"),
            "{tail:?}"
        );
        assert!(long.ends_with(tail));
        // One unbroken run of multi-byte characters still yields valid text.
        let run = "é".repeat(200);
        let tail = prompt_tail(&run, 51);
        assert!(tail.len() <= 51 && tail.chars().all(|c| c == 'é'));
    }

    #[test]
    fn punctuation_alone_joins_the_word_before_or_is_dropped() {
        let mut words = Vec::new();
        push_word(&mut words, (b" -".to_vec(), 0.0, 0.1, 0.5, 1));
        push_word(&mut words, (b" And".to_vec(), 0.1, 0.3, 0.9, 1));
        push_word(&mut words, (b"...".to_vec(), 0.3, 0.4, 0.9, 1));
        push_word(&mut words, (b" 42".to_vec(), 0.5, 0.6, 0.9, 1));
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["And...", "42"]);
        assert_eq!(words[0].end, 0.4);
    }

    #[test]
    fn non_speech_annotations_are_not_words() {
        assert!(is_annotation(" [BLANK_AUDIO]"));
        assert!(is_annotation("(music)"));
        assert!(!is_annotation("[sic"));
        assert!(!is_annotation("hello"));
    }

    #[test]
    fn default_threads_leave_busy_cores_alone() {
        assert_eq!(idle_of(2, 0.1), 2);
        assert_eq!(idle_of(2, 1.2), 1);
        assert_eq!(idle_of(2, 3.0), 1);
        assert_eq!(idle_of(16, 0.0), 16);
        assert_eq!(idle_of(1, 0.0), 1);
    }
}
