//! Microphone capture with cpal.
//!
//! The audio callback only mixes each frame down to mono and pushes it into a
//! lock-free single-producer ring buffer (rtrb): it never blocks, allocates or takes a
//! lock. Everything else (resampling, writing, transcription) happens on the worker
//! side, which drains the ring.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "no input device that can record was found.\n  Check: a microphone is plugged in and not muted; your user may use audio (on Linux, \
         in the `audio` group or logged in at the seat); the sound server runs (`pactl info` for PulseAudio or PipeWire); \
         `rehearse devices` lists what can record, and `--device NAME` picks one.\n  \
         To coach a recording instead, run `rehearse score FILE`"
    )]
    NoDevice,
    #[error("no input device matches {wanted:?}; available: {available}")]
    NoMatch { wanted: String, available: String },
    #[error(
        "cannot use input device {device:?}: {message}.\n  Check: it is plugged in and not used exclusively by another program; `rehearse devices` lists what can record, and `--device NAME` picks another"
    )]
    Device { device: String, message: String },
}

/// An input device as `rehearse devices` shows it.
#[derive(Debug, Clone)]
pub struct InputDevice {
    pub name: String,
    pub is_default: bool,
    /// (channels, min rate, max rate, sample format) for each supported range.
    pub configs: Vec<(u16, u32, u32, String)>,
}

impl InputDevice {
    /// What it supports in words: "1–2 channels, 8000–48000 Hz, f32/i16".
    pub fn capabilities(&self) -> String {
        let c = &self.configs;
        let ch_min = c.iter().map(|c| c.0).min().unwrap_or(0);
        let ch_max = c.iter().map(|c| c.0).max().unwrap_or(0);
        let rate_min = c.iter().map(|c| c.1).min().unwrap_or(0);
        let rate_max = c.iter().map(|c| c.2).max().unwrap_or(0);
        let mut formats: Vec<&str> = c.iter().map(|c| c.3.as_str()).collect();
        formats.sort();
        formats.dedup();
        // ALSA plugins report "any rate" as a huge maximum.
        let rates = if rate_max >= 384_000 {
            format!("{rate_min} Hz and up")
        } else {
            format!("{rate_min}–{rate_max} Hz")
        };
        format!("{ch_min}–{ch_max} channels, {rates}, {}", formats.join("/"))
    }
}

fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_string())
        .unwrap_or_else(|_| "(unnamed)".into())
}

/// Runs `f` with the process's stderr sent to /dev/null, unless `-v` asked for logs:
/// the audio libraries print their probing ("ALSA lib confmisc.c: Cannot get card
/// index", JACK's "server is not running") straight to stderr, which tells a user
/// nothing they can act on. Only for calls on the main thread before any other thread
/// prints.
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(unix)]
    if !log::log_enabled!(log::Level::Info) {
        // SAFETY: plain file-descriptor calls; the saved descriptor is restored and
        // closed before returning, whatever `f` returns.
        unsafe {
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            let saved = libc::dup(2);
            if null >= 0 && saved >= 0 && libc::dup2(null, 2) >= 0 {
                let out = f();
                libc::dup2(saved, 2);
                libc::close(saved);
                libc::close(null);
                return out;
            }
            if null >= 0 {
                libc::close(null);
            }
            if saved >= 0 {
                libc::close(saved);
            }
        }
    }
    f()
}

/// ALSA's `null` device "captures" endless zeros: never a microphone.
fn is_null_device(name: &str) -> bool {
    name.starts_with("Discard all samples")
}

/// The input devices of the default host that can record: at least one channel, and
/// not ALSA's null device.
/// The audio system cpal records through here (`ALSA`, `CoreAudio`, `WASAPI`).
pub fn host_name() -> String {
    cpal::default_host().id().name().to_string()
}

pub fn list_input_devices() -> Result<Vec<InputDevice>, CaptureError> {
    quietly(list_input_devices_loud)
}

fn list_input_devices_loud() -> Result<Vec<InputDevice>, CaptureError> {
    let host = cpal::default_host();
    let default = host.default_input_device().map(|d| device_name(&d));
    let devices = host.devices().map_err(|e| CaptureError::Device {
        device: "host".into(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for d in devices.filter(|d| d.supports_input()) {
        let name = device_name(&d);
        let configs: Vec<(u16, u32, u32, String)> = d
            .supported_input_configs()
            .map(|cs| {
                cs.map(|c| {
                    (
                        c.channels(),
                        c.min_sample_rate(),
                        c.max_sample_rate(),
                        format!("{:?}", c.sample_format()),
                    )
                })
                .collect()
            })
            .unwrap_or_default();
        let configs: Vec<(u16, u32, u32, String)> = configs
            .into_iter()
            .filter(|c| c.0 >= 1 && c.2 > 0)
            .collect();
        if configs.is_empty() || is_null_device(&name) {
            continue;
        }
        out.push(InputDevice {
            is_default: default.as_deref() == Some(name.as_str()),
            name,
            configs,
        });
    }
    Ok(out)
}

/// Shared between the audio callback and the worker: plain atomics only.
#[derive(Debug, Default)]
pub struct CaptureStatus {
    /// Frames the callback has delivered (mono).
    pub frames: AtomicU64,
    /// Frames lost because the worker fell behind (ring full).
    pub dropped: AtomicU64,
    /// Stream errors reported by the backend.
    pub errors: AtomicU64,
    /// Peak absolute level of the latest callback, as f32 bits (for the level meter).
    pub peak_bits: AtomicU32,
}

impl CaptureStatus {
    pub fn peak(&self) -> f32 {
        f32::from_bits(self.peak_bits.load(Ordering::Relaxed))
    }
}

/// A running capture: mono samples at `rate` arrive in `samples`.
pub struct Capture {
    _stream: cpal::Stream,
    pub samples: rtrb::Consumer<f32>,
    pub rate: u32,
    pub channels: u16,
    pub device: String,
    pub status: Arc<CaptureStatus>,
}

/// Seconds of audio the ring holds: the worker can stall this long without loss
/// (generous, because file-backed test devices deliver far faster than real time).
const RING_SECONDS: usize = 60;

/// Opens the default input device, or the first whose name contains `wanted`
/// (case-insensitive), at its default configuration, and starts capturing.
pub fn open(wanted: Option<&str>) -> Result<Capture, CaptureError> {
    quietly(|| match open_loud(wanted) {
        // No device can record at all (no sound card, no sound server): say what to check.
        Err(CaptureError::Device { .. })
            if wanted.is_none() && list_input_devices_loud().is_ok_and(|l| l.is_empty()) =>
        {
            Err(CaptureError::NoDevice)
        }
        other => other,
    })
}

fn open_loud(wanted: Option<&str>) -> Result<Capture, CaptureError> {
    let host = cpal::default_host();
    let device = match wanted {
        None => host.default_input_device().ok_or(CaptureError::NoDevice)?,
        Some(w) => {
            let needle = w.to_lowercase();
            let devices: Vec<cpal::Device> = host
                .devices()
                .map_err(|e| CaptureError::Device {
                    device: w.into(),
                    message: e.to_string(),
                })?
                .filter(|d| d.supports_input())
                .collect();
            let names: Vec<String> = devices.iter().map(device_name).collect();
            let idx = names
                .iter()
                .position(|n| n.to_lowercase().contains(&needle));
            match idx.and_then(|i| devices.into_iter().nth(i)) {
                Some(d) => d,
                None if names.is_empty() => return Err(CaptureError::NoDevice),
                None => {
                    return Err(CaptureError::NoMatch {
                        wanted: w.into(),
                        available: names.join(", "),
                    });
                }
            }
        }
    };
    let name = device_name(&device);
    let dev_err = |message: String| CaptureError::Device {
        device: name.clone(),
        message,
    };
    let supported = device
        .default_input_config()
        .map_err(|e| dev_err(e.to_string()))?;
    let config = supported.config();
    let rate = config.sample_rate;
    let channels = config.channels;
    let (producer, consumer) = rtrb::RingBuffer::new(rate as usize * RING_SECONDS);
    let status = Arc::new(CaptureStatus::default());
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, &config, producer, status.clone()),
        SampleFormat::I16 => build::<i16>(&device, &config, producer, status.clone()),
        SampleFormat::I32 => build::<i32>(&device, &config, producer, status.clone()),
        SampleFormat::U16 => build::<u16>(&device, &config, producer, status.clone()),
        SampleFormat::I8 => build::<i8>(&device, &config, producer, status.clone()),
        SampleFormat::U8 => build::<u8>(&device, &config, producer, status.clone()),
        other => return Err(dev_err(format!("unsupported sample format {other:?}"))),
    }
    .map_err(|e| dev_err(e.to_string()))?;
    stream.play().map_err(|e| dev_err(e.to_string()))?;
    Ok(Capture {
        _stream: stream,
        samples: consumer,
        rate,
        channels,
        device: name,
        status,
    })
}

fn build<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut producer: rtrb::Producer<f32>,
    status: Arc<CaptureStatus>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = config.channels.max(1) as usize;
    let scale = 1.0 / channels as f32;
    let err_status = status.clone();
    device.build_input_stream::<T, _, _>(
        *config,
        move |data: &[T], _info| {
            // Real-time path: arithmetic and atomics only.
            let mut peak = 0f32;
            let mut pushed = 0u64;
            let mut dropped = 0u64;
            for frame in data.chunks_exact(channels) {
                let mut sum = 0f32;
                for s in frame {
                    sum += s.to_sample::<f32>();
                }
                let mono = sum * scale;
                peak = peak.max(mono.abs());
                if producer.push(mono).is_ok() {
                    pushed += 1;
                } else {
                    dropped += 1;
                }
            }
            status.frames.fetch_add(pushed, Ordering::Relaxed);
            if dropped > 0 {
                status.dropped.fetch_add(dropped, Ordering::Relaxed);
            }
            status.peak_bits.store(peak.to_bits(), Ordering::Relaxed);
        },
        move |_err| {
            // Backends can report errors thousands of times in a loop: count, don't log here.
            err_status.errors.fetch_add(1, Ordering::Relaxed);
        },
        Some(Duration::from_secs(5)),
    )
}
