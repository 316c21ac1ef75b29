//! Streaming conversion of mono audio at any rate to 16 kHz with rubato's FFT
//! resampler (fixed ratio, high quality, cheap). Used for files and the microphone.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use super::TARGET_RATE;

/// Input frames per resampler call: small enough for low latency from a microphone,
/// large enough that the FFT cost per sample stays low.
const CHUNK: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ResampleError {
    #[error("cannot resample from {rate} Hz: {message}")]
    Setup { rate: u32, message: String },
    #[error("resampling failed: {0}")]
    Process(String),
}

/// Feeds mono samples in any amount; collects exactly `round(n * 16000 / rate)`
/// output samples, with the resampler's start-up delay trimmed.
pub struct Resampler16k {
    inner: Option<Fft<f32>>,
    rate_in: u32,
    pending: Vec<f32>,
    out_buf: Vec<f32>,
    /// Output frames still to drop at the start (the filter delay).
    skip: usize,
    frames_in: u64,
    frames_out: u64,
}

impl Resampler16k {
    pub fn new(rate_in: u32) -> Result<Self, ResampleError> {
        let inner = if rate_in == TARGET_RATE {
            None
        } else {
            let r = Fft::<f32>::new(
                rate_in as usize,
                TARGET_RATE as usize,
                CHUNK,
                1,
                FixedSync::Input,
            )
            .map_err(|e| ResampleError::Setup {
                rate: rate_in,
                message: e.to_string(),
            })?;
            Some(r)
        };
        let (out_len, skip) = inner
            .as_ref()
            .map(|r| (r.output_frames_max(), r.output_delay()))
            .unwrap_or((0, 0));
        Ok(Resampler16k {
            inner,
            rate_in,
            pending: Vec::with_capacity(CHUNK),
            out_buf: vec![0.0; out_len],
            skip,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Output samples owed for the input seen so far.
    fn expected_out(&self) -> u64 {
        (self.frames_in as f64 * TARGET_RATE as f64 / self.rate_in as f64).round() as u64
    }

    /// Adds samples; appends whatever output is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), ResampleError> {
        self.frames_in += input.len() as u64;
        if self.inner.is_none() {
            out.extend_from_slice(input);
            self.frames_out += input.len() as u64;
            return Ok(());
        }
        let mut rest = input;
        while !rest.is_empty() {
            let take = (CHUNK - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == CHUNK {
                self.run(CHUNK, out)?;
                self.pending.clear();
            }
        }
        Ok(())
    }

    fn run(&mut self, valid: usize, out: &mut Vec<f32>) -> Result<(), ResampleError> {
        let Some(r) = self.inner.as_mut() else {
            return Ok(());
        };
        self.pending.resize(CHUNK, 0.0);
        let input = InterleavedSlice::new(&self.pending[..], 1, CHUNK)
            .map_err(|e| ResampleError::Process(e.to_string()))?;
        let frames = self.out_buf.len();
        let mut output = InterleavedSlice::new_mut(&mut self.out_buf[..], 1, frames)
            .map_err(|e| ResampleError::Process(e.to_string()))?;
        let indexing = (valid < CHUNK).then(|| Indexing::new().partial_len(valid));
        let (_, produced) = r
            .process_into_buffer(&input, &mut output, indexing.as_ref())
            .map_err(|e| ResampleError::Process(e.to_string()))?;
        let drop = self.skip.min(produced);
        self.skip -= drop;
        out.extend_from_slice(&self.out_buf[drop..produced]);
        self.frames_out += (produced - drop) as u64;
        Ok(())
    }

    /// Flushes the tail: pads with silence until every owed sample is out, then trims
    /// the excess so the output length matches the input duration.
    pub fn finish(mut self, out: &mut Vec<f32>) -> Result<(), ResampleError> {
        if self.inner.is_none() {
            return Ok(());
        }
        let want = self.expected_out();
        let valid = self.pending.len();
        self.run(valid, out)?;
        self.pending.clear();
        while self.frames_out < want {
            self.run(0, out)?;
        }
        // The padding made a little more than owed; all of it came from the calls above.
        let excess = self.frames_out.saturating_sub(want) as usize;
        out.truncate(out.len().saturating_sub(excess));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, hz: f32, secs: f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    fn resample_all(rate: u32, input: &[f32], piece: usize) -> Vec<f32> {
        let mut r = Resampler16k::new(rate).expect("new");
        let mut out = Vec::new();
        for c in input.chunks(piece) {
            r.push(c, &mut out).expect("push");
        }
        r.finish(&mut out).expect("finish");
        out
    }

    #[test]
    fn length_and_phase_are_preserved_at_common_rates() {
        for rate in [8000, 16000, 22050, 44100, 48000] {
            let input = sine(rate, 440.0, 1.5);
            let out = resample_all(rate, &input, 777);
            let want = (input.len() as f64 * 16000.0 / rate as f64).round() as usize;
            assert_eq!(out.len(), want, "rate {rate}");
            // Against the ideal 16 kHz sine away from the edges: the best alignment is
            // lag 0 (no delay left in), and what remains is a sub-sample phase offset
            // of the FFT filter (< 0.5 sample, ~30 µs) plus ripple.
            let ideal = sine(16000, 440.0, 1.5);
            let sq_err = |lag: i32| -> f32 {
                (2000..20000)
                    .map(|i| (out[(i as i32 + lag) as usize] - ideal[i]).powi(2))
                    .sum()
            };
            let best = (-3..=3)
                .min_by(|a, b| sq_err(*a).total_cmp(&sq_err(*b)))
                .unwrap_or(99);
            assert_eq!(best, 0, "rate {rate}: output shifted by {best} samples");
            let rms_err = (sq_err(0) / 18000.0).sqrt();
            assert!(rms_err < 0.03, "rate {rate}: RMS error {rms_err}");
        }
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let input = sine(44100, 300.0, 0.7);
        let a = resample_all(44100, &input, 1);
        let b = resample_all(44100, &input, 100_000);
        assert_eq!(a, b);
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert!(resample_all(48000, &[], 10).is_empty());
    }
}
