//! Audio in: decode files, mix down to mono and resample to the 16 kHz that Whisper
//! takes. Everything streams in chunks, so long files never sit in memory at their
//! source rate.

pub mod capture;
pub mod recorder;
pub mod resample;
pub mod take;
pub mod wav;

pub use resample::Resampler16k;
pub use wav::{AudioError, decode_wav_16k};

/// Whisper's input rate.
pub const TARGET_RATE: u32 = 16_000;

/// Mono 16 kHz audio ready for transcription.
#[derive(Debug, Clone)]
pub struct Audio16k {
    pub samples: Vec<f32>,
    /// Rate and channel count of the source, for reports and diagnostics.
    pub source_rate: u32,
    pub source_channels: u16,
}

impl Audio16k {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / TARGET_RATE as f64
    }
}
