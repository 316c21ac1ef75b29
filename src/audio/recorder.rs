//! The recording loop: drains the capture ring, resamples to 16 kHz, writes the take
//! as it arrives, and stops on request, at a length limit, or when the device dies.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::capture::Capture;
use super::resample::{ResampleError, Resampler16k};
use super::take::{TakeError, TakeWriter};

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Take(#[from] TakeError),
    #[error(transparent)]
    Resample(#[from] ResampleError),
}

/// Why recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The stop key, or Ctrl-C.
    Requested,
    /// `max_seconds` of audio were recorded.
    MaxLength,
    /// The device stopped delivering audio (unplugged, or the callbacks stopped).
    DeviceLost,
}

#[derive(Debug, Clone)]
pub struct RecordOptions {
    pub max_seconds: Option<f64>,
    /// No audio for this long means the device is gone.
    pub watchdog: Duration,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            max_seconds: None,
            watchdog: Duration::from_secs(2),
        }
    }
}

/// What the live screen shows, about ten times a second.
#[derive(Debug, Clone, Copy)]
pub struct Tick {
    pub seconds: f64,
    pub level: f32,
}

/// Records until stopped. Returns the reason and the 16 kHz mono audio (also on disk).
pub fn record(
    capture: &mut Capture,
    writer: &mut TakeWriter,
    stop: &AtomicBool,
    opts: &RecordOptions,
    on_tick: &mut dyn FnMut(Tick),
    on_audio: &mut dyn FnMut(&[f32]),
) -> Result<(StopReason, Vec<f32>), RecordError> {
    let mut resampler = Resampler16k::new(capture.rate)?;
    let mut audio: Vec<f32> = Vec::with_capacity(16_000 * 240);
    let mut chunk: Vec<f32> = Vec::with_capacity(capture.rate as usize / 10);
    let mut out: Vec<f32> = Vec::new();
    let mut last_audio = Instant::now();
    let mut last_tick = Instant::now();
    let max_in = opts.max_seconds.map(|s| (s * capture.rate as f64) as u64);
    let mut taken: u64 = 0;
    let reason = loop {
        if stop.load(Ordering::Relaxed) {
            break StopReason::Requested;
        }
        chunk.clear();
        let available = capture.samples.slots();
        let want = max_in
            .map(|m| (m - taken).min(available as u64) as usize)
            .unwrap_or(available);
        if want > 0
            && let Ok(read) = capture.samples.read_chunk(want)
        {
            let (a, b) = read.as_slices();
            chunk.extend_from_slice(a);
            chunk.extend_from_slice(b);
            read.commit_all();
        }
        if !chunk.is_empty() {
            taken += chunk.len() as u64;
            last_audio = Instant::now();
            out.clear();
            resampler.push(&chunk, &mut out)?;
            writer.write(&out)?;
            audio.extend_from_slice(&out);
            on_audio(&out);
        }
        if last_tick.elapsed() >= Duration::from_millis(100) {
            last_tick = Instant::now();
            on_tick(Tick {
                seconds: taken as f64 / capture.rate as f64,
                level: capture.status.peak(),
            });
        }
        if max_in.is_some_and(|m| taken >= m) {
            break StopReason::MaxLength;
        }
        if last_audio.elapsed() >= opts.watchdog {
            break StopReason::DeviceLost;
        }
        if chunk.is_empty() {
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    out.clear();
    resampler.finish(&mut out)?;
    writer.write(&out)?;
    audio.extend_from_slice(&out);
    on_audio(&out);
    writer.flush()?;
    Ok((reason, audio))
}
