//! `rehearse doctor`: what this binary and machine can do, one line per item, each ok,
//! warn or fail with a fix. It loads no model and records nothing for long, so it runs
//! in a fraction of a second with no microphone, model or GPU.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::config::{Dirs, RecogniserSettings, UserConfig};
use crate::models::{InstallState, ModelStore};
use crate::transcribe::backend::{self, DeviceKind, Plan};
use crate::transcribe::engine::{default_threads, load_average};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was looked at: `build`, `cpu`, `gpu`, `model`, `audio`, `data`, `load`.
    pub item: &'static str,
    pub status: Status,
    pub detail: String,
    /// What to do about a warning or failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn new(item: &'static str, status: Status, detail: impl Into<String>) -> Check {
        Check {
            item,
            status,
            detail: detail.into(),
            fix: None,
        }
    }
    fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }
}

/// Everything the doctor found.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub status: Status,
    pub checks: Vec<Check>,
}

impl Diagnosis {
    /// 0 when everything is ok, 1 with warnings, 2 with failures.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Ok => 0,
            Status::Warn => 1,
            Status::Fail => 2,
        }
    }
}

/// How long the default microphone is listened to.
const LISTEN: Duration = Duration::from_millis(150);
/// Less free space than this where takes go is a warning (a 3-minute take is ~6 MB).
const LOW_SPACE: u64 = 500 * 1024 * 1024;

pub fn examine() -> Diagnosis {
    let mut checks = vec![build()];
    checks.extend(cpu());
    checks.extend(gpu());
    checks.extend(models());
    checks.push(audio());
    checks.extend(data());
    checks.push(load());
    let status = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    Diagnosis { status, checks }
}

fn build() -> Check {
    let features = backend::build_features();
    let version = env!("CARGO_PKG_VERSION");
    let what = if features.is_empty() {
        "no GPU or BLAS features (CPU only)".to_string()
    } else {
        format!("features {}", features.join(", "))
    };
    Check::new("build", Status::Ok, format!("rehearse {version}, {what}"))
}

/// The CPU's instruction sets against those ggml's CPU code was compiled for.
fn cpu() -> Vec<Check> {
    let compiled: Vec<String> = backend::cpu_backend_features()
        .into_iter()
        .filter(|(_, v)| v == "1")
        .map(|(k, _)| k)
        .collect();
    let has = |f: &str| compiled.iter().any(|c| c == f);
    let mut machine: Vec<&str> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        for (name, on) in [
            ("AVX", std::arch::is_x86_feature_detected!("avx")),
            ("AVX2", std::arch::is_x86_feature_detected!("avx2")),
            ("FMA", std::arch::is_x86_feature_detected!("fma")),
            ("F16C", std::arch::is_x86_feature_detected!("f16c")),
            ("AVX512", std::arch::is_x86_feature_detected!("avx512f")),
        ] {
            if on {
                machine.push(name);
            }
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            machine.push("NEON");
        }
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let machine_line = format!(
        "{cores} cores with {}",
        if machine.is_empty() {
            "no vector extensions rehearse uses".to_string()
        } else {
            machine.join(", ")
        }
    );
    let mut out = vec![];
    let missing: Vec<&String> = compiled
        .iter()
        .filter(|c| {
            ["AVX", "AVX2", "FMA", "F16C", "AVX512", "NEON"].contains(&c.as_str())
                && !machine.contains(&c.as_str())
        })
        .collect();
    let built = if compiled.is_empty() {
        "ggml's CPU code reports no features".to_string()
    } else {
        format!("built for {}", compiled.join(", "))
    };
    if !missing.is_empty() && cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        out.push(
            Check::new(
                "cpu",
                Status::Fail,
                format!(
                    "{machine_line}; the binary is {built}, and this CPU lacks {}: transcription \
                     will stop with an illegal instruction",
                    list.join(", ")
                ),
            )
            .fix(
                "build on this machine (ggml's default is -march=native), or with \
                 GGML_NATIVE=OFF for a binary that runs on any x86-64 CPU",
            ),
        );
    } else if machine.contains(&"AVX2")
        || machine.contains(&"NEON")
        || !cfg!(target_arch = "x86_64")
    {
        let portable = if has("AVX512") {
            "; a copy of this binary may crash on CPUs without AVX-512 (GGML_NATIVE=OFF \
             builds a portable one)"
        } else {
            ""
        };
        out.push(Check::new(
            "cpu",
            Status::Ok,
            format!("{machine_line}; {built}{portable}"),
        ));
    } else {
        out.push(
            Check::new(
                "cpu",
                Status::Warn,
                format!("{machine_line}; without AVX2 transcription is several times slower"),
            )
            .fix("use a smaller model (tiny.en) or a machine with AVX2"),
        );
    }
    out
}

fn gpu() -> Vec<Check> {
    let mut out = gpu_devices();
    // What the user's settings (flag defaults, REHEARSE_GPU, the config file) ask for.
    if let Ok((path, cfg)) = UserConfig::load() {
        match RecogniserSettings::default().merge(&cfg, path.as_deref()) {
            Err(e) => out.push(
                Check::new("gpu", Status::Fail, e.to_string())
                    .fix("set gpu to auto, off or a GPU's number"),
            ),
            Ok(m) => {
                if let Err(e) = Plan::new(m.gpu.0, &m.gpu.1) {
                    out.push(Check::new("gpu", Status::Fail, e.to_string()));
                }
            }
        }
    }
    out
}

fn gpu_devices() -> Vec<Check> {
    let devices = backend::devices();
    let gpus: Vec<_> = devices.iter().filter(|d| d.is_gpu()).collect();
    let mut backends: Vec<&str> = devices
        .iter()
        .filter(|d| d.kind != DeviceKind::Cpu)
        .map(|d| d.backend.as_str())
        .collect();
    backends.dedup();
    if !backend::build_has_gpu_backend() {
        let hint = gpu_hardware_hint();
        return vec![match hint {
            Some(h) => Check::new(
                "gpu",
                Status::Warn,
                format!("no GPU backend in this build, but this machine has {h}"),
            )
            .fix("rebuild with `--features cuda` (NVIDIA) or `--features vulkan` (README: GPU)"),
            None => Check::new(
                "gpu",
                Status::Ok,
                "no GPU backend in this build; transcribing on the CPU",
            ),
        }];
    }
    if gpus.is_empty() {
        return vec![
            Check::new(
                "gpu",
                Status::Warn,
                format!(
                    "backends {} but no GPU device found; --gpu auto uses the CPU",
                    if backends.is_empty() {
                        "(none loaded)".to_string()
                    } else {
                        backends.join(", ")
                    }
                ),
            )
            .fix(
                "install the GPU's driver (NVIDIA: the CUDA driver; Vulkan: the vendor's ICD); \
                 a software Vulkan device counts only with GGML_VK_VISIBLE_DEVICES set",
            ),
        ];
    }
    gpus.iter()
        .enumerate()
        .map(|(i, d)| {
            Check::new(
                "gpu",
                Status::Ok,
                format!(
                    "GPU {i}: {} ({}, {} MiB){}",
                    d.description,
                    d.name,
                    d.memory_mib,
                    if i == 0 { ", used by --gpu auto" } else { "" }
                ),
            )
        })
        .collect()
}

/// A GPU the machine seems to have, from device files alone (no driver is loaded).
fn gpu_hardware_hint() -> Option<String> {
    if Path::new("/dev/nvidia0").exists() {
        return Some("an NVIDIA GPU (/dev/nvidia0)".into());
    }
    let render = std::fs::read_dir("/dev/dri")
        .ok()?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("renderD"));
    render.then(|| "a GPU render node (/dev/dri)".into())
}

fn models() -> Vec<Check> {
    let store = ModelStore::discover();
    let mut out = Vec::new();
    let default = store.manifest.default.clone();
    for row in store.listing(false) {
        let is_encoder = row.name == store.manifest.encoder.name;
        let item = "model";
        let check = match &row.state {
            InstallState::Missing if row.is_default => Check::new(
                item,
                Status::Fail,
                format!(
                    "{} (the default) is not installed in {}",
                    row.name,
                    store.dir.display()
                ),
            )
            .fix(format!(
                "`scripts/setup` (from a checkout) or `rehearse model download {default}`"
            )),
            InstallState::Missing if is_encoder => Check::new(
                item,
                Status::Warn,
                format!(
                    "{} is not installed: phases are labelled from cue phrases alone",
                    row.name
                ),
            )
            .fix(format!("`rehearse model download {}`", row.name)),
            InstallState::Missing => continue,
            InstallState::Corrupt { why } => Check::new(
                item,
                Status::Fail,
                format!("{} is damaged: {why}", row.name),
            )
            .fix(format!(
                "`rehearse model download {}` replaces it",
                row.name
            )),
            state => Check::new(
                item,
                Status::Ok,
                format!(
                    "{}: {} ({}, checksum {})",
                    row.name,
                    state.label(),
                    row.size
                        .map(crate::ui::tables::mib)
                        .unwrap_or_else(|| "?".into()),
                    short(&row.checksum)
                ),
            ),
        };
        out.push(check);
    }
    out
}

fn short(sum: &str) -> &str {
    if sum.len() > 12 && sum.chars().all(|c| c.is_ascii_hexdigit()) {
        &sum[..12]
    } else {
        sum
    }
}

/// The default input device, listened to for a moment.
fn audio() -> Check {
    let host = crate::audio::capture::host_name();
    match crate::audio::capture::open(None) {
        Err(e) => Check::new(
            "audio",
            Status::Warn,
            format!("{host}: no usable input device ({})", first_line(&e.to_string())),
        )
        .fix("connect or unmute a microphone; `rehearse devices` lists inputs; files can still be scored"),
        Ok(cap) => {
            std::thread::sleep(LISTEN);
            let frames = cap.status.frames.load(std::sync::atomic::Ordering::Relaxed);
            let peak = cap.status.peak();
            let what = format!(
                "{host}: default input {:?}, {} Hz, {} channel{}",
                cap.device,
                cap.rate,
                cap.channels,
                if cap.channels == 1 { "" } else { "s" }
            );
            if frames == 0 {
                Check::new(
                    "audio",
                    Status::Warn,
                    format!("{what}, but no sound arrived in {} ms", LISTEN.as_millis()),
                )
                .fix("check that the device is not in use by another program and is unmuted")
            } else if peak <= 0.0 {
                Check::new("audio", Status::Warn, format!("{what}; it delivers digital silence"))
                    .fix("unmute the microphone or raise its input level")
            } else {
                let db = 20.0 * peak.log10();
                Check::new(
                    "audio",
                    Status::Ok,
                    format!("{what}; it delivers sound (peak {db:.0} dBFS)"),
                )
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn data() -> Vec<Check> {
    let store = ModelStore::discover();
    let mut out = Vec::new();
    for (what, dir) in [("models", store.dir.clone()), ("takes", Dirs::takes())] {
        // The nearest folder that exists: where the data will go.
        let existing = dir.ancestors().find(|p| p.exists()).map(Path::to_path_buf);
        let Some(existing) = existing else {
            out.push(Check::new(
                "data",
                Status::Warn,
                format!("{what}: {} cannot be created", dir.display()),
            ));
            continue;
        };
        let free = free_space(&existing);
        let writable = crate::fsutil::check_writable_dir(&existing).is_ok();
        let place = if existing == dir {
            dir.display().to_string()
        } else {
            format!("{} (not created yet)", dir.display())
        };
        let free_text = free
            .map(|b| format!("{} free", crate::ui::tables::mib(b)))
            .unwrap_or_else(|| "free space unknown".into());
        out.push(if !writable {
            Check::new(
                "data",
                Status::Fail,
                format!("{what}: {place} is not writable"),
            )
            .fix("fix its permissions, or point REHEARSE_MODELS_DIR / --takes-dir elsewhere")
        } else if free.is_some_and(|b| b < LOW_SPACE) {
            Check::new(
                "data",
                Status::Warn,
                format!("{what}: {place}, only {free_text}"),
            )
            .fix("free some space: each minute of a take is about 2 MB")
        } else {
            Check::new("data", Status::Ok, format!("{what}: {place}, {free_text}"))
        });
    }
    if let Some(cfg) = Dirs::config_file() {
        out.push(match UserConfig::load() {
            Ok((Some(p), _)) => Check::new("data", Status::Ok, format!("config: {}", p.display())),
            Ok((None, _)) => Check::new(
                "data",
                Status::Ok,
                format!("config: none ({} would be read)", cfg.display()),
            ),
            Err(e) => Check::new("data", Status::Fail, format!("config: {e}"))
                .fix("correct the file (keys: model, threads, beam_size, gpu) or remove it"),
        });
    }
    out
}

#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `s` a properly sized out-parameter.
    (unsafe { libc::statvfs(c.as_ptr(), &mut s) } == 0)
        .then(|| s.f_bavail as u64 * s.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_space(_: &Path) -> Option<u64> {
    None
}

fn load() -> Check {
    let load = load_average();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let threads = default_threads();
    let line = format!(
        "load average {load:.2} on {cores} cores: transcription will use {threads} thread{}",
        if threads == 1 { "" } else { "s" }
    );
    if load >= cores as f64 {
        Check::new(
            "load",
            Status::Warn,
            format!("{line}; the machine is busy, expect slow transcription"),
        )
        .fix("close other heavy programs, or pass --threads to use more")
    } else {
        Check::new("load", Status::Ok, line)
    }
}

/// The diagnosis as lines (`ok    gpu    GPU 0: ...`, with `fix:` lines below), or as
/// pretty JSON.
pub fn render(d: &Diagnosis, json: bool) -> String {
    if json {
        // Plain strings and enums: serialising cannot fail.
        return serde_json::to_string_pretty(d).unwrap_or_default() + "\n";
    }
    let mut s = String::new();
    for c in &d.checks {
        s.push_str(&format!(
            "{:<5} {:<6} {}\n",
            c.status.label(),
            c.item,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            s.push_str(&format!("{:<12} fix: {fix}\n", ""));
        }
    }
    let counts = |st| d.checks.iter().filter(|c| c.status == st).count();
    s.push_str(&format!(
        "{} ok, {} warning{}, {} failure{}\n",
        counts(Status::Ok),
        counts(Status::Warn),
        if counts(Status::Warn) == 1 { "" } else { "s" },
        counts(Status::Fail),
        if counts(Status::Fail) == 1 { "" } else { "s" },
    ));
    s
}
