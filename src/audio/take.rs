//! A take on disk: 16 kHz mono 16-bit WAV written as it arrives, with the header made
//! valid at regular intervals, so a crash or power loss leaves a playable file; and
//! the repair of a take that was cut off before its header was last updated.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::TARGET_RATE;

#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    #[error("cannot write the take {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("cannot repair {path}: {message}")]
    Repair { path: PathBuf, message: String },
}

/// How often the WAV header is rewritten to cover everything written so far.
const FLUSH_EVERY: Duration = Duration::from_millis(500);

pub struct TakeWriter {
    path: PathBuf,
    wav: hound::WavWriter<BufWriter<File>>,
    last_flush: Instant,
    samples: u64,
}

impl TakeWriter {
    /// Creates a new take file; never overwrites an existing one.
    pub fn create(path: &Path) -> Result<TakeWriter, TakeError> {
        let err = |message: String| TakeError::Write {
            path: path.to_path_buf(),
            message,
        };
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| err(e.to_string()))?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: TARGET_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav =
            hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| err(e.to_string()))?;
        Ok(TakeWriter {
            path: path.to_path_buf(),
            wav,
            last_flush: Instant::now(),
            samples: 0,
        })
    }

    /// Appends 16 kHz mono samples; rewrites the header every half second.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), TakeError> {
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
            self.wav.write_sample(v).map_err(|e| TakeError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        }
        self.samples += samples.len() as u64;
        if self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Makes the file on disk a complete, playable WAV of everything so far.
    pub fn flush(&mut self) -> Result<(), TakeError> {
        self.last_flush = Instant::now();
        self.wav.flush().map_err(|e| TakeError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    pub fn seconds(&self) -> f64 {
        self.samples as f64 / TARGET_RATE as f64
    }

    pub fn finish(self) -> Result<PathBuf, TakeError> {
        let path = self.path.clone();
        self.wav.finalize().map_err(|e| TakeError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(path)
    }
}

/// Rewrites the RIFF and data sizes of a PCM WAV from the file's actual length, so a
/// take cut off between header updates plays (and decodes) in full. Returns whether
/// anything had to change.
pub fn repair_wav(path: &Path) -> Result<bool, TakeError> {
    let err = |message: String| TakeError::Repair {
        path: path.to_path_buf(),
        message,
    };
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| err(e.to_string()))?;
    let len = f.metadata().map_err(|e| err(e.to_string()))?.len();
    let mut head = vec![0u8; 4096.min(len as usize)];
    f.read_exact(&mut head).map_err(|e| err(e.to_string()))?;
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(err("not a RIFF/WAVE file".into()));
    }
    // Walk the chunks to the data chunk, noting the frame size from "fmt ".
    let mut pos = 12usize;
    let mut block_align = 1u64;
    loop {
        if pos + 8 > head.len() {
            return Err(err("no data chunk in the header".into()));
        }
        let id = &head[pos..pos + 4];
        let size = u32::from_le_bytes([head[pos + 4], head[pos + 5], head[pos + 6], head[pos + 7]])
            as usize;
        if id == b"fmt " && pos + 22 <= head.len() {
            block_align = u16::from_le_bytes([head[pos + 20], head[pos + 21]]).max(1) as u64;
        }
        if id == b"data" {
            break;
        }
        pos += 8 + size + (size & 1);
    }
    let data_start = pos as u64 + 8;
    let data_len = (len.saturating_sub(data_start) / block_align) * block_align;
    let riff_len = (data_start + data_len - 8) as u32;
    let stored_riff = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let stored_data =
        u32::from_le_bytes([head[pos + 4], head[pos + 5], head[pos + 6], head[pos + 7]]);
    if stored_riff == riff_len && stored_data as u64 == data_len {
        return Ok(false);
    }
    let w = |f: &mut File, at: u64, v: u32| -> std::io::Result<()> {
        f.seek(SeekFrom::Start(at))?;
        f.write_all(&v.to_le_bytes())
    };
    w(&mut f, 4, riff_len).map_err(|e| err(e.to_string()))?;
    w(&mut f, pos as u64 + 4, data_len as u32).map_err(|e| err(e.to_string()))?;
    f.set_len(data_start + data_len)
        .map_err(|e| err(e.to_string()))?;
    f.sync_all().map_err(|e| err(e.to_string()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_take_cut_off_mid_write_is_repaired_to_its_full_length() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("take.wav");
        let mut t = TakeWriter::create(&path).expect("create");
        let tone: Vec<f32> = (0..16000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        t.write(&tone).expect("write");
        t.flush().expect("flush");
        // More audio reaches the file but the header is never updated (a crash).
        t.write(&tone[..8000]).expect("write");
        t.wav.flush().ok(); // header now says 24000; simulate a stale header below
        drop(t);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[40..44].copy_from_slice(&(16000u32 * 2).to_le_bytes());
        bytes[4..8].copy_from_slice(&(36 + 16000u32 * 2).to_le_bytes());
        bytes.extend_from_slice(&[0x12]); // half a sample at the end
        std::fs::write(&path, &bytes).expect("write");
        assert_eq!(
            hound::WavReader::open(&path).expect("open").duration(),
            16000
        );
        assert!(repair_wav(&path).expect("repair"));
        assert_eq!(
            hound::WavReader::open(&path).expect("open").duration(),
            24000
        );
        assert!(!repair_wav(&path).expect("second repair is a no-op"));
    }

    #[test]
    fn create_never_overwrites() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("take.wav");
        std::fs::write(&path, b"precious").expect("w");
        assert!(TakeWriter::create(&path).is_err());
        assert_eq!(std::fs::read(&path).expect("r"), b"precious");
    }
}
