//! WAV decoding with hound: any PCM layout hound reads (8/16/24/32-bit integer,
//! 32-bit float, any channel count and rate) to mono 16 kHz, a chunk at a time.

use std::path::{Path, PathBuf};

use super::resample::{ResampleError, Resampler16k};
use super::{Audio16k, SourceInfo, TARGET_RATE};

/// Frames decoded per step: bounds memory at the source rate to a few KB.
const FRAMES_PER_STEP: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: not a WAV file ({detail}).\n  Fix: convert it to WAV (e.g. `sox in.m4a out.wav`), or use a .txt/.json transcript"
    )]
    NotWav { path: PathBuf, detail: String },
    #[error(
        "{path}: not readable as audio: no WAV, MP3, M4A/AAC, FLAC or Ogg Vorbis stream found (not a recording, or damaged or cut short).\n  Fix: check the file plays; convert other formats with `ffmpeg -i IN OUT.wav`"
    )]
    NotAudio { path: PathBuf },
    #[error("{path}: the file holds no audio track")]
    NoAudioTrack { path: PathBuf },
    #[error(
        "{path}: the audio data is damaged ({detail}).\n  Fix: re-export or re-record the file"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: unsupported audio: {detail}")]
    Unsupported { path: PathBuf, detail: String },
    #[error("{path}: the WAV header is not plausible: {detail}")]
    BadHeader { path: PathBuf, detail: String },
    #[error("{path}: contains no audio (zero samples)")]
    Empty { path: PathBuf },
    #[error(
        "{path}: the file is truncated: the header promises {promised} frames but only {got} could be read.\n  Fix: if this is an interrupted take, run `rehearse takes repair`; otherwise re-export the file"
    )]
    Truncated {
        path: PathBuf,
        promised: u64,
        got: u64,
    },
    #[error("{path}: {source}")]
    Resample {
        path: PathBuf,
        #[source]
        source: ResampleError,
    },
}

/// Decodes a WAV file to mono 16 kHz. `progress(frames_done, frames_total)` is called
/// every step so a caller can drive a progress bar.
pub fn decode_wav_16k(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Audio16k, AudioError> {
    let mut samples = Vec::new();
    let info = decode_wav_into(path, progress, &mut |chunk| {
        samples.extend_from_slice(chunk)
    })?;
    Ok(info.with_samples(samples))
}

/// [`decode_wav_16k`], handing the 16 kHz samples to `sink` a few thousand at a time
/// instead of keeping them: memory stays flat however long the file is.
pub fn decode_wav_into(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(&[f32]),
) -> Result<SourceInfo, AudioError> {
    let file = std::fs::File::open(path).map_err(|source| AudioError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let (source, repaired) = repair_streamed_header(file).map_err(|source| AudioError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = hound::WavReader::new(source).map_err(|e| classify(path, e))?;
    let spec = reader.spec();
    let p = || path.to_path_buf();
    if spec.channels == 0 {
        return Err(AudioError::BadHeader {
            path: p(),
            detail: "0 channels".into(),
        });
    }
    if !(1000..=768_000).contains(&spec.sample_rate) {
        return Err(AudioError::BadHeader {
            path: p(),
            detail: format!("sample rate {} Hz", spec.sample_rate),
        });
    }
    let channels = spec.channels as usize;
    let total_frames = reader.duration() as u64;
    if total_frames == 0 {
        return Err(AudioError::Empty { path: p() });
    }
    let mut resampler = Resampler16k::new(spec.sample_rate)
        .map_err(|source| AudioError::Resample { path: p(), source })?;
    let mut out = Vec::with_capacity(FRAMES_PER_STEP * TARGET_RATE as usize / 8000 + 64);
    let mut mono = Vec::with_capacity(FRAMES_PER_STEP);
    let mut frames = 0u64;

    // One generic loop per sample type: hound gives integers as i32 at their own
    // width, so scale by the format's full-scale value.
    macro_rules! decode {
        ($samples:expr, $scale:expr) => {{
            let mut it = $samples;
            'outer: loop {
                mono.clear();
                for _ in 0..FRAMES_PER_STEP {
                    let mut sum = 0f32;
                    for ch in 0..channels {
                        match it.next() {
                            Some(Ok(s)) => sum += s as f32 * $scale,
                            Some(Err(e)) => {
                                if is_eof(&e) {
                                    return Err(AudioError::Truncated {
                                        path: p(),
                                        promised: total_frames,
                                        got: frames,
                                    });
                                }
                                return Err(classify(path, e));
                            }
                            None if ch == 0 => {
                                break 'outer;
                            }
                            None => {
                                return Err(AudioError::Truncated {
                                    path: p(),
                                    promised: total_frames,
                                    got: frames,
                                });
                            }
                        }
                    }
                    mono.push(sum / channels as f32);
                    frames += 1;
                }
                resampler
                    .push(&mono, &mut out)
                    .map_err(|source| AudioError::Resample { path: p(), source })?;
                sink(&out);
                out.clear();
                progress(frames, total_frames);
            }
            resampler
                .push(&mono, &mut out)
                .map_err(|source| AudioError::Resample { path: p(), source })?;
            sink(&out);
            out.clear();
        }};
    }

    let mut reader = reader;
    match spec.sample_format {
        hound::SampleFormat::Float => {
            if spec.bits_per_sample != 32 {
                return Err(AudioError::Unsupported {
                    path: p(),
                    detail: format!("{}-bit float", spec.bits_per_sample),
                });
            }
            decode!(reader.samples::<f32>(), 1.0f32)
        }
        hound::SampleFormat::Int => {
            if !matches!(spec.bits_per_sample, 8 | 16 | 24 | 32) {
                return Err(AudioError::Unsupported {
                    path: p(),
                    detail: format!("{}-bit integer", spec.bits_per_sample),
                });
            }
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            decode!(reader.samples::<i32>(), scale)
        }
    }
    if frames < total_frames {
        return Err(AudioError::Truncated {
            path: p(),
            promised: total_frames,
            got: frames,
        });
    }
    resampler
        .finish(&mut out)
        .map_err(|source| AudioError::Resample { path: p(), source })?;
    sink(&out);
    progress(frames, total_frames);
    let notes = repaired
        .map(|why| {
            format!(
                "{}: {why}; read to the end of the file instead ({:.1} s of audio)",
                path.display(),
                frames as f64 / spec.sample_rate as f64
            )
        })
        .into_iter()
        .collect();
    Ok(SourceInfo {
        source_rate: spec.sample_rate,
        source_channels: spec.channels,
        notes,
    })
}

/// The WAV as a reader for hound, with the sizes of a streamed header filled in.
///
/// A WAV written to a pipe or by a recorder that never finished cannot know its
/// length up front: its RIFF and data sizes are 0xFFFFFFFF (ffmpeg to `pipe:`) or 0
/// followed by samples. hound trusts those sizes, so they are replaced by what the file
/// holds (whole frames to the end of the file), as sox does. Returns why it repaired,
/// if it did. A size that promises more than the file holds is left alone: that is a
/// cut-off file, reported as truncated.
fn repair_streamed_header(
    mut file: std::fs::File,
) -> std::io::Result<(Box<dyn std::io::Read + Send>, Option<String>)> {
    use std::io::{Read, Seek, SeekFrom};
    const UNKNOWN: u32 = u32::MAX;
    let len = file.metadata()?.len();
    let mut head = vec![0u8; (64 * 1024).min(len as usize)];
    file.read_exact(&mut head)?;
    let le = |b: &[u8], at: usize| -> Option<u32> {
        b.get(at..at + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
    };
    // RIFF <size> WAVE, then chunks <id> <size> <body, padded to even>.
    let mut fix = None;
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
        let mut at = 12usize;
        let mut block_align = 1u64;
        while let (Some(id), Some(size)) = (head.get(at..at + 4), le(&head, at + 4)) {
            if id == b"fmt " {
                block_align = u64::from(le(&head, at + 20).map_or(1, |v| v & 0xffff)).max(1);
            }
            if id == b"data" {
                let start = (at + 8) as u64;
                let held = len.saturating_sub(start);
                let whole = held - held % block_align;
                if size == UNKNOWN || (size == 0 && whole > 0) {
                    fix = Some((at + 4, whole, size));
                }
                break;
            }
            at += 8 + size as usize + (size as usize & 1);
        }
    }
    file.seek(SeekFrom::Start(0))?;
    let Some((size_at, data_len, was)) = fix else {
        return Ok((Box::new(std::io::BufReader::new(file)), None));
    };
    let header_len = size_at + 4;
    let mut header = head[..header_len].to_vec();
    let riff = (header_len as u64 - 8 + data_len).min(u64::from(u32::MAX - 1)) as u32;
    header[4..8].copy_from_slice(&riff.to_le_bytes());
    let data = data_len.min(u64::from(u32::MAX - 1)) as u32;
    header[size_at..size_at + 4].copy_from_slice(&data.to_le_bytes());
    file.seek(SeekFrom::Start(header_len as u64))?;
    let why = if was == UNKNOWN {
        "the WAV header gives no length (0xFFFFFFFF, as written to a pipe)"
    } else {
        "the WAV header says the data is empty, but samples follow (an unfinished recording)"
    };
    let body = std::io::BufReader::new(file).take(data_len);
    Ok((
        Box::new(std::io::Cursor::new(header).chain(body)),
        Some(why.to_string()),
    ))
}

/// hound reports a short read inside the data as `Other("Failed to read enough bytes.")`.
fn is_eof(e: &hound::Error) -> bool {
    matches!(e, hound::Error::IoError(io)
        if io.kind() == std::io::ErrorKind::UnexpectedEof || io.to_string().contains("enough bytes"))
}

fn classify(path: &Path, e: hound::Error) -> AudioError {
    let p = path.to_path_buf();
    if is_eof(&e) {
        return AudioError::BadHeader {
            path: p,
            detail: "the file ends inside the header".into(),
        };
    }
    match e {
        hound::Error::IoError(source) => AudioError::Open { path: p, source },
        hound::Error::FormatError(msg) => {
            if msg.contains("RIFF") || msg.contains("WAVE") {
                AudioError::NotWav {
                    path: p,
                    detail: msg.to_string(),
                }
            } else {
                AudioError::BadHeader {
                    path: p,
                    detail: msg.to_string(),
                }
            }
        }
        hound::Error::Unsupported => AudioError::Unsupported {
            path: p,
            detail: "a WAV variant hound cannot read (compressed or exotic)".into(),
        },
        hound::Error::InvalidSampleFormat => AudioError::Unsupported {
            path: p,
            detail: "invalid sample format".into(),
        },
        hound::Error::TooWide => AudioError::Unsupported {
            path: p,
            detail: "samples wider than 32 bits".into(),
        },
        hound::Error::UnfinishedSample => AudioError::Truncated {
            path: p,
            promised: 0,
            got: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, spec: hound::WavSpec, frames: usize) {
        let mut w = hound::WavWriter::create(path, spec).expect("create");
        for i in 0..frames {
            let v = (i as f32 * 0.05).sin() * 0.4;
            for _ in 0..spec.channels {
                match (spec.sample_format, spec.bits_per_sample) {
                    (hound::SampleFormat::Float, _) => w.write_sample(v).expect("w"),
                    (_, 8) => w.write_sample((v * 127.0) as i8).expect("w"),
                    (_, 16) => w.write_sample((v * 32767.0) as i16).expect("w"),
                    (_, b) => w
                        .write_sample((v * ((1u32 << (b - 1)) as f32 - 1.0)) as i32)
                        .expect("w"),
                }
            }
        }
        w.finalize().expect("finalize");
    }

    #[test]
    fn every_layout_decodes_to_the_same_mono_signal() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut reference: Option<Vec<f32>> = None;
        for (bits, fmt) in [
            (16, hound::SampleFormat::Int),
            (8, hound::SampleFormat::Int),
            (24, hound::SampleFormat::Int),
            (32, hound::SampleFormat::Int),
            (32, hound::SampleFormat::Float),
        ] {
            for channels in [1u16, 2, 6] {
                let spec = hound::WavSpec {
                    channels,
                    sample_rate: 16000,
                    bits_per_sample: bits,
                    sample_format: fmt,
                };
                let path = dir.path().join(format!("t{bits}{fmt:?}{channels}.wav"));
                write_wav(&path, spec, 8000);
                let a = decode_wav_16k(&path, &mut |_, _| {}).expect("decode");
                assert_eq!(a.samples.len(), 8000);
                let tol = if bits == 8 { 0.02 } else { 1e-3 };
                match &reference {
                    None => reference = Some(a.samples),
                    Some(r) => {
                        let err = r
                            .iter()
                            .zip(&a.samples)
                            .map(|(x, y)| (x - y).abs())
                            .fold(0.0, f32::max);
                        assert!(err < tol, "{bits}-bit {fmt:?} x{channels}: error {err}");
                    }
                }
            }
        }
    }

    #[test]
    fn broken_inputs_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().expect("tmp");
        let text = dir.path().join("notes.wav");
        std::fs::write(&text, "this is not audio at all, just text").expect("w");
        let e = decode_wav_16k(&text, &mut |_, _| {}).expect_err("not wav");
        assert!(matches!(e, AudioError::NotWav { .. }), "{e}");
        assert!(e.to_string().contains("notes.wav"));

        let empty = dir.path().join("empty.wav");
        write_wav(
            &empty,
            hound::WavSpec {
                channels: 1,
                sample_rate: 16000,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            },
            0,
        );
        let e = decode_wav_16k(&empty, &mut |_, _| {}).expect_err("empty");
        assert!(matches!(e, AudioError::Empty { .. }), "{e}");

        let full = dir.path().join("full.wav");
        write_wav(
            &full,
            hound::WavSpec {
                channels: 2,
                sample_rate: 44100,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            },
            44100,
        );
        let bytes = std::fs::read(&full).expect("r");
        let cut = dir.path().join("cut.wav");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("w");
        let e = decode_wav_16k(&cut, &mut |_, _| {}).expect_err("truncated");
        assert!(matches!(e, AudioError::Truncated { .. }), "{e}");
        assert!(e.to_string().contains("takes repair"));

        let tiny = dir.path().join("header-only.wav");
        std::fs::write(&tiny, &bytes[..20]).expect("w");
        let e = decode_wav_16k(&tiny, &mut |_, _| {}).expect_err("short header");
        assert!(
            matches!(e, AudioError::BadHeader { .. } | AudioError::NotWav { .. }),
            "{e}"
        );

        let mut absurd = bytes.clone();
        absurd[24..28].copy_from_slice(&0u32.to_le_bytes()); // sample rate 0
        let bad = dir.path().join("rate0.wav");
        std::fs::write(&bad, &absurd).expect("w");
        let e = decode_wav_16k(&bad, &mut |_, _| {}).expect_err("rate 0");
        assert!(matches!(e, AudioError::BadHeader { .. }), "{e}");

        let e =
            decode_wav_16k(&dir.path().join("missing.wav"), &mut |_, _| {}).expect_err("missing");
        assert!(matches!(e, AudioError::Open { .. }), "{e}");
    }
}
