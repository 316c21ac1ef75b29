//! Compressed and container formats through symphonia (pure Rust): MP3, AAC in MP4/M4A
//! or ADTS, FLAC, Ogg Vorbis (and WAV variants hound cannot read). Same output as the
//! WAV path: mono 16 kHz, decoded and resampled a packet at a time.

use std::fs::File;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::audio::well_known::{CODEC_ID_OPUS, CODEC_ID_SPEEX};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::resample::Resampler16k;
use super::wav::AudioError;
use super::{Audio16k, SourceInfo};

/// Consecutive undecodable packets tolerated before the file counts as corrupt: a
/// damaged frame or two in a long recording is skipped, as players do.
const MAX_BAD_PACKETS: usize = 20;

/// Decodes any format symphonia knows to mono 16 kHz.
pub fn decode_media_16k(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Audio16k, AudioError> {
    let mut samples = Vec::new();
    let info = decode_media_into(path, progress, &mut |chunk| {
        samples.extend_from_slice(chunk)
    })?;
    Ok(info.with_samples(samples))
}

/// [`decode_media_16k`], handing the samples to `sink` a packet at a time.
pub fn decode_media_into(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut dyn FnMut(&[f32]),
) -> Result<SourceInfo, AudioError> {
    let p = || path.to_path_buf();
    let file = File::open(path).map_err(|source| AudioError::Open { path: p(), source })?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(AudioError::Empty { path: p() });
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymphoniaError::IoError(source)
                if source.kind() != std::io::ErrorKind::UnexpectedEof =>
            {
                AudioError::Open { path: p(), source }
            }
            _ => AudioError::NotAudio { path: p() },
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?;
    let track_id = track.id;
    let total_frames = track.num_frames.unwrap_or(0);
    let params = track
        .codec_params
        .as_ref()
        .and_then(|c| c.audio())
        .ok_or_else(|| AudioError::NoAudioTrack { path: p() })?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|_| AudioError::Unsupported {
            path: p(),
            detail: match params.codec {
                CODEC_ID_OPUS => "Opus audio (no pure-Rust decoder yet)".to_string(),
                CODEC_ID_SPEEX => "Speex audio".to_string(),
                // An internal codec number means nothing to a user; a file whose codec no
                // decoder knows is usually not a recording at all.
                _ => "an audio encoding rehearse cannot decode (or not a recording at all)"
                    .to_string(),
            } + ".\n  Fix: convert it, e.g. `ffmpeg -i IN -ar 16000 -ac 1 OUT.wav`",
        })?;

    let mut resampler: Option<(u32, Resampler16k)> = None;
    let mut out = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut mono: Vec<f32> = Vec::new();
    let mut frames = 0u64;
    let mut bad_run = 0usize;
    let mut source_channels = 0u16;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A file cut short ends where its data ends; if nothing decoded, it is corrupt.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => {
                if frames == 0 {
                    return Err(AudioError::Corrupt {
                        path: p(),
                        detail: e.to_string(),
                    });
                }
                log::warn!("{}: stopped reading at a damaged spot: {e}", path.display());
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => {
                bad_run = 0;
                buf
            }
            Err(SymphoniaError::DecodeError(msg)) => {
                bad_run += 1;
                if bad_run > MAX_BAD_PACKETS {
                    return Err(AudioError::Corrupt {
                        path: p(),
                        detail: msg.to_string(),
                    });
                }
                continue;
            }
            Err(e) => {
                return Err(AudioError::Corrupt {
                    path: p(),
                    detail: e.to_string(),
                });
            }
        };
        let spec = buf.spec().clone();
        let channels = spec.channels().count().max(1);
        let rate = spec.rate();
        if !(1000..=768_000).contains(&rate) {
            return Err(AudioError::BadHeader {
                path: p(),
                detail: format!("sample rate {rate} Hz"),
            });
        }
        // A stream whose rate changes midway restarts the resampler (rare, but legal in MP3).
        let rs = match &mut resampler {
            Some((r, rs)) if *r == rate => rs,
            slot => {
                if let Some((_, old)) = slot.take() {
                    old.finish(&mut out)
                        .map_err(|source| AudioError::Resample { path: p(), source })?;
                    sink(&out);
                    out.clear();
                }
                let rs = Resampler16k::new(rate)
                    .map_err(|source| AudioError::Resample { path: p(), source })?;
                &mut slot.insert((rate, rs)).1
            }
        };
        source_channels = channels as u16;
        buf.copy_to_vec_interleaved(&mut interleaved);
        mono.clear();
        mono.extend(
            interleaved
                .chunks_exact(channels)
                .map(|f| f.iter().sum::<f32>() / channels as f32),
        );
        frames += mono.len() as u64;
        rs.push(&mono, &mut out)
            .map_err(|source| AudioError::Resample { path: p(), source })?;
        sink(&out);
        out.clear();
        progress(frames, total_frames.max(frames));
    }
    let Some((rate, rs)) = resampler else {
        return Err(AudioError::Corrupt {
            path: p(),
            detail: "no audio could be decoded from it".into(),
        });
    };
    rs.finish(&mut out)
        .map_err(|source| AudioError::Resample { path: p(), source })?;
    sink(&out);
    // Container says more than the stream held: the file was cut short.
    if total_frames > 0 && frames + (rate as u64) < total_frames {
        return Err(AudioError::Truncated {
            path: p(),
            promised: total_frames,
            got: frames,
        });
    }
    Ok(SourceInfo {
        source_rate: rate,
        source_channels,
        notes: Vec::new(),
    })
}

/// The length the container declares, without decoding.
pub fn duration_hint(path: &Path) -> Option<f64> {
    let file = File::open(path).ok()?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .ok()?;
    let track = format.default_track(TrackType::Audio)?;
    let frames = track.num_frames?;
    let rate = track.codec_params.as_ref()?.audio()?.sample_rate?;
    (rate > 0).then(|| frames as f64 / f64::from(rate))
}
