//! Audio in: decode files, mix down to mono and resample to the 16 kHz that Whisper
//! takes. Everything streams in chunks, so long files never sit in memory at their
//! source rate.

pub mod capture;
pub mod media;
pub mod recorder;
pub mod resample;
pub mod take;
pub mod vad;
pub mod wav;

pub use media::{decode_media_16k, decode_media_into};
pub use resample::Resampler16k;
pub use wav::{AudioError, decode_wav_16k, decode_wav_into};

use std::io::Read;
use std::path::Path;

/// File extensions of the audio formats this build decodes (for folder scans).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "mp3", "m4a", "mp4", "aac", "flac", "ogg", "oga", "opus",
];

/// Decodes any supported file to mono 16 kHz: RIFF/WAVE through hound (exact, fast),
/// everything else, and WAV encodings hound does not read, through symphonia.
pub fn decode_file_16k(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Audio16k, AudioError> {
    let mut samples = Vec::new();
    let info = decode_file_into(path, progress, &mut |chunk| {
        samples.extend_from_slice(chunk)
    })?;
    Ok(info.with_samples(samples))
}

/// [`decode_file_16k`], handing the samples to `sink` as they are decoded (memory
/// stays flat however long the file is).
pub fn decode_file_into(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(&[f32]),
) -> Result<SourceInfo, AudioError> {
    let mut head = [0u8; 12];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| AudioError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    if n == 0 {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    if n >= 4 && &head[..4] == b"RIFF" {
        // hound refuses an encoding before it hands over any sample, so the fallback
        // never sees a sink that was already fed.
        return match decode_wav_into(path, progress, sink) {
            Err(AudioError::Unsupported { .. }) => decode_media_into(path, progress, sink),
            other => other,
        };
    }
    decode_media_into(path, progress, sink)
}

/// The length of a recording from its header, when the header says (WAV, and most
/// MP3/M4A/FLAC); decodes nothing.
pub fn duration_hint(path: &Path) -> Option<f64> {
    if let Ok(r) = hound::WavReader::open(path) {
        let spec = r.spec();
        return (r.duration() > 0 && spec.sample_rate > 0)
            .then(|| f64::from(r.duration()) / f64::from(spec.sample_rate));
    }
    media::duration_hint(path)
}

/// What a decoder learned about a source besides its samples.
#[derive(Debug, Clone, Default)]
pub struct SourceInfo {
    pub source_rate: u32,
    pub source_channels: u16,
    /// What was odd about the file and how it was read anyway (a repaired header).
    pub notes: Vec<String>,
}

impl SourceInfo {
    fn with_samples(self, samples: Vec<f32>) -> Audio16k {
        Audio16k {
            samples,
            source_rate: self.source_rate,
            source_channels: self.source_channels,
            notes: self.notes,
        }
    }
}

/// Root-mean-square level of the loudest second, in full-scale units: a recording
/// whose loudest second is below [`SILENCE_RMS`] has nothing to transcribe.
pub fn loudest_second_rms(samples: &[f32]) -> f32 {
    samples
        .chunks(TARGET_RATE as usize)
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len().max(1) as f32).sqrt())
        .fold(0.0, f32::max)
}

/// About -54 dBFS: far below any speech a microphone picks up, above dither and hum.
pub const SILENCE_RMS: f32 = 0.002;

/// Whisper's input rate.
pub const TARGET_RATE: u32 = 16_000;

/// Mono 16 kHz audio ready for transcription.
#[derive(Debug, Clone)]
pub struct Audio16k {
    pub samples: Vec<f32>,
    /// Rate and channel count of the source, for reports and diagnostics.
    pub source_rate: u32,
    pub source_channels: u16,
    /// What was odd about the file and how it was read anyway (a repaired header), for
    /// the user to see.
    pub notes: Vec<String>,
}

impl Audio16k {
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / TARGET_RATE as f64
    }
}
