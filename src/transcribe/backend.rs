//! Where transcription runs: ggml's compute backends and devices. A GPU is used when the
//! build has a GPU backend and a device initialises (`--gpu auto`), the CPU otherwise;
//! what really ran is read back from whisper.cpp rather than assumed, because
//! whisper.cpp falls back to the CPU silently when a GPU fails to start.

use std::ffi::{CStr, c_char, c_void};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, Once};

use serde::Serialize;
use whisper_rs_sys as sys;

use super::ENGINE_LOG_TARGET;
pub use crate::transcript::Compute;

/// What the user asked for: `--gpu`, `gpu =` in the config file, or `REHEARSE_GPU`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GpuChoice {
    /// The first GPU when there is one, else the CPU (with one line saying why).
    #[default]
    Auto,
    /// The CPU, even when a GPU is there.
    Off,
    /// This GPU (counted from 0 among GPUs) or an error saying why not.
    Device(usize),
}

impl FromStr for GpuChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(GpuChoice::Auto),
            "off" | "cpu" | "none" => Ok(GpuChoice::Off),
            n => n.parse().map(GpuChoice::Device).map_err(|_| {
                format!("{s:?} is not a GPU choice: use auto, off, or a GPU's number (0, 1, ...)")
            }),
        }
    }
}

impl fmt::Display for GpuChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuChoice::Auto => f.write_str("auto"),
            GpuChoice::Off => f.write_str("off"),
            GpuChoice::Device(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Cpu,
    Gpu,
    IntegratedGpu,
    Accelerator,
}

/// A device ggml can compute on.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    /// The backend that drives it: `CPU`, `CUDA`, `Vulkan`, `Metal`.
    pub backend: String,
    /// ggml's name for it: `CPU`, `CUDA0`, `Vulkan0`.
    pub name: String,
    /// What it is: `NVIDIA H200`, `llvmpipe (LLVM 15.0.6, 256 bits)`, the CPU's model.
    pub description: String,
    pub kind: DeviceKind,
    pub memory_mib: u64,
}

impl Device {
    pub fn is_gpu(&self) -> bool {
        matches!(self.kind, DeviceKind::Gpu | DeviceKind::IntegratedGpu)
    }
}

/// The cargo features this binary was built with that change how it computes.
pub fn build_features() -> Vec<&'static str> {
    [
        ("cuda", cfg!(feature = "cuda")),
        ("vulkan", cfg!(feature = "vulkan")),
        ("metal", cfg!(feature = "metal")),
        ("hipblas", cfg!(feature = "hipblas")),
        ("openblas", cfg!(feature = "openblas")),
        ("dynamic-backends", cfg!(feature = "dynamic-backends")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect()
}

/// Whether this build can reach a GPU at all: a GPU backend compiled in, or backends
/// loaded at run time (which one depends on the libraries found then).
pub fn build_has_gpu_backend() -> bool {
    build_features().iter().any(|f| {
        matches!(
            *f,
            "cuda" | "vulkan" | "metal" | "hipblas" | "dynamic-backends"
        )
    })
}

static REGISTRY: Once = Once::new();

/// ggml's backends, loaded once. With `dynamic-backends` this opens the backend
/// libraries (next to the executable, or in the build's library folder); otherwise the
/// compiled-in backends register themselves.
fn registry() {
    REGISTRY.call_once(|| {
        install_log_hook();
        #[cfg(feature = "dynamic-backends")]
        // SAFETY: no arguments; ggml serialises its registry internally.
        unsafe {
            sys::ggml_backend_load_all()
        };
    });
}

fn c_str(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: ggml returns NUL-terminated strings that live as long as its registry.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// Every device ggml can use, in ggml's order (whisper.cpp counts GPUs in this order).
pub fn devices() -> Vec<Device> {
    registry();
    // SAFETY: plain queries of ggml's registry; indices are within its count.
    unsafe {
        (0..sys::ggml_backend_dev_count())
            .map(|i| {
                let dev = sys::ggml_backend_dev_get(i);
                let kind = match sys::ggml_backend_dev_type(dev) {
                    sys::ggml_backend_dev_type_GGML_BACKEND_DEVICE_TYPE_GPU => DeviceKind::Gpu,
                    sys::ggml_backend_dev_type_GGML_BACKEND_DEVICE_TYPE_IGPU => {
                        DeviceKind::IntegratedGpu
                    }
                    sys::ggml_backend_dev_type_GGML_BACKEND_DEVICE_TYPE_ACCEL => {
                        DeviceKind::Accelerator
                    }
                    _ => DeviceKind::Cpu,
                };
                let (mut free, mut total) = (0usize, 0usize);
                sys::ggml_backend_dev_memory(dev, &mut free, &mut total);
                Device {
                    backend: c_str(sys::ggml_backend_reg_name(
                        sys::ggml_backend_dev_backend_reg(dev),
                    )),
                    name: c_str(sys::ggml_backend_dev_name(dev)),
                    description: c_str(sys::ggml_backend_dev_description(dev)),
                    kind,
                    memory_mib: (total / (1024 * 1024)) as u64,
                }
            })
            .collect()
    }
}

/// The instruction-set features ggml's CPU backend was compiled with (`AVX2`, `AVX512`,
/// `NEON`, ...), as ggml reports them.
pub fn cpu_backend_features() -> Vec<(String, String)> {
    registry();
    let name = c"CPU";
    // SAFETY: the registry lookup and the optional feature list are ggml's documented
    // entry points; the list ends with a null name.
    unsafe {
        let reg = sys::ggml_backend_reg_by_name(name.as_ptr());
        if reg.is_null() {
            return Vec::new();
        }
        let f = sys::ggml_backend_reg_get_proc_address(reg, c"ggml_backend_get_features".as_ptr());
        if f.is_null() {
            return Vec::new();
        }
        let get: sys::ggml_backend_get_features_t = std::mem::transmute(f);
        let Some(get) = get else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut p = get(reg);
        while !p.is_null() && !(*p).name.is_null() {
            out.push((c_str((*p).name), c_str((*p).value)));
            p = p.add(1);
        }
        out
    }
}

/// Why a GPU that was asked for cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error(
        "GPU {asked} was asked for ({from}), but this build has no GPU backend; rebuild with \
         one of the cargo features cuda, vulkan, metal or hipblas (README: GPU), or use --gpu off"
    )]
    NotBuilt { asked: usize, from: String },
    #[error(
        "GPU {asked} was asked for ({from}), but {found}; see `rehearse doctor`, or use --gpu auto"
    )]
    NoSuchDevice {
        asked: usize,
        from: String,
        found: String,
    },
    #[error(
        "GPU {asked} ({device}) was asked for ({from}), but it did not start: {why}; see \
         `rehearse doctor`, or use --gpu off"
    )]
    DidNotStart {
        asked: usize,
        from: String,
        device: String,
        why: String,
    },
}

/// The device a run will ask whisper.cpp for.
#[derive(Debug, Clone)]
pub struct Plan {
    pub choice: GpuChoice,
    /// Where the choice came from (`--gpu`, `$REHEARSE_GPU`, `gpu in FILE`).
    pub from: String,
    /// The GPU's place among GPUs, and the device, or `None` for the CPU.
    pub gpu: Option<(usize, Device)>,
    /// Why `auto` stays on the CPU, for the one line the user sees.
    pub fallback: Option<String>,
}

impl Plan {
    /// Picks the device for `choice` from what ggml found.
    pub fn new(choice: GpuChoice, from: &str) -> Result<Plan, GpuError> {
        let gpus: Vec<Device> = devices().into_iter().filter(Device::is_gpu).collect();
        let mut plan = Plan {
            choice,
            from: from.to_string(),
            gpu: None,
            fallback: None,
        };
        match choice {
            GpuChoice::Off => {}
            GpuChoice::Auto => match gpus.into_iter().next() {
                Some(d) => plan.gpu = Some((0, d)),
                None if build_has_gpu_backend() => {
                    plan.fallback = Some("no GPU device was found".into());
                }
                None => {}
            },
            GpuChoice::Device(n) => {
                if !build_has_gpu_backend() {
                    return Err(GpuError::NotBuilt {
                        asked: n,
                        from: from.into(),
                    });
                }
                let found = match gpus.len() {
                    0 => "no GPU device was found".to_string(),
                    k => format!(
                        "only {k} GPU{} found: {}",
                        if k == 1 { " was" } else { "s were" },
                        gpus.iter()
                            .enumerate()
                            .map(|(i, d)| format!("{i} = {}", d.description))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let d = gpus.into_iter().nth(n).ok_or(GpuError::NoSuchDevice {
                    asked: n,
                    from: from.into(),
                    found,
                })?;
                plan.gpu = Some((n, d));
            }
        }
        Ok(plan)
    }

    /// What whisper.cpp is given: `use_gpu` and the GPU's number.
    pub fn whisper_params(&self) -> (bool, i32) {
        match &self.gpu {
            Some((n, _)) => (true, *n as i32),
            None => (false, 0),
        }
    }

    /// What ran, from what whisper.cpp said while it set up its backends (`started`:
    /// the device names it reported as "using"), or the reason to stop when the GPU
    /// was asked for by number. An `auto` GPU that did not start leaves a note instead.
    pub fn settle(
        &mut self,
        started: &[String],
        failure: Option<String>,
    ) -> Result<Compute, GpuError> {
        if let Some((n, d)) = self.gpu.clone() {
            if started.iter().any(|s| s == &d.name) {
                return Ok(Compute {
                    backend: d.backend,
                    device: d.description,
                });
            }
            let why = failure.unwrap_or_else(|| "whisper.cpp did not start it".into());
            if let GpuChoice::Device(_) = self.choice {
                return Err(GpuError::DidNotStart {
                    asked: n,
                    from: self.from.clone(),
                    device: d.description,
                    why,
                });
            }
            self.gpu = None;
            self.fallback = Some(format!("{} did not start ({why})", d.description));
        }
        Ok(cpu_compute())
    }

    /// The one line for a user whose `auto` stayed on the CPU although the build could
    /// use a GPU.
    pub fn fallback_line(&self) -> Option<String> {
        self.fallback
            .as_ref()
            .map(|why| format!("transcribing on the CPU: {why} (see `rehearse doctor`)"))
    }
}

/// The CPU as a [`Compute`].
pub fn cpu_compute() -> Compute {
    let cpu = devices().into_iter().find(|d| d.kind == DeviceKind::Cpu);
    Compute {
        backend: "CPU".into(),
        device: cpu.map(|d| d.description).unwrap_or_default(),
    }
}

/// whisper.cpp's backend messages, gathered while a state is created (so what really
/// started is known), and every message forwarded to the `log` crate.
static HEARD: Mutex<Option<Vec<String>>> = Mutex::new(None);
static LOG_HOOK: Once = Once::new();

pub(crate) fn install_log_hook() {
    LOG_HOOK.call_once(|| {
        // SAFETY: the callback is a plain function that lives for the whole program.
        unsafe {
            sys::whisper_log_set(Some(on_log), std::ptr::null_mut());
            sys::ggml_log_set(Some(on_log), std::ptr::null_mut());
        }
    });
}

unsafe extern "C" fn on_log(level: sys::ggml_log_level, text: *const c_char, _: *mut c_void) {
    let line = c_str(text);
    let line = line.trim_end();
    if line.is_empty() {
        return;
    }
    let level = match level {
        sys::ggml_log_level_GGML_LOG_LEVEL_ERROR => log::Level::Error,
        sys::ggml_log_level_GGML_LOG_LEVEL_WARN => log::Level::Warn,
        sys::ggml_log_level_GGML_LOG_LEVEL_INFO => log::Level::Info,
        _ => log::Level::Debug,
    };
    log::log!(target: ENGINE_LOG_TARGET, level, "{line}");
    if let Ok(mut heard) = HEARD.lock()
        && let Some(lines) = heard.as_mut()
    {
        lines.push(line.to_string());
    }
}

/// Runs `f` (which creates whisper.cpp backends) and returns what it said: the devices
/// it started (`using X backend`) and the last error about a backend, if any.
pub(crate) fn watching<T>(f: impl FnOnce() -> T) -> (T, Vec<String>, Option<String>) {
    // One watcher at a time: states are created rarely, and the lines are global.
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    install_log_hook();
    if let Ok(mut h) = HEARD.lock() {
        *h = Some(Vec::new());
    }
    let out = f();
    let lines = HEARD
        .lock()
        .ok()
        .and_then(|mut h| h.take())
        .unwrap_or_default();
    let started = lines
        .iter()
        .filter_map(|l| l.split("whisper_backend_init_gpu: using ").nth(1))
        .filter_map(|rest| rest.strip_suffix(" backend"))
        .map(str::to_string)
        .collect();
    let failure = lines
        .iter()
        .rev()
        .find(|l| l.contains("failed to initialize") || l.contains("failed to init"))
        .cloned();
    (out, started, failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_choices_parse_and_bad_ones_say_what_to_write() {
        assert_eq!("auto".parse(), Ok(GpuChoice::Auto));
        assert_eq!("OFF".parse(), Ok(GpuChoice::Off));
        assert_eq!(" 1 ".parse(), Ok(GpuChoice::Device(1)));
        let e = "fast".parse::<GpuChoice>().unwrap_err();
        assert!(e.contains("auto, off, or a GPU's number"), "{e}");
        assert_eq!(GpuChoice::Device(2).to_string(), "2");
    }

    #[test]
    fn the_cpu_is_always_a_device() {
        let all = devices();
        assert!(all.iter().any(|d| d.kind == DeviceKind::Cpu), "{all:?}");
        assert_eq!(cpu_compute().backend, "CPU");
    }

    #[test]
    fn a_gpu_asked_for_by_number_on_a_cpu_only_build_is_an_error() {
        if build_has_gpu_backend() {
            return;
        }
        let e = Plan::new(GpuChoice::Device(0), "--gpu").unwrap_err();
        assert!(e.to_string().contains("no GPU backend"), "{e}");
        let auto = Plan::new(GpuChoice::Auto, "--gpu").expect("auto");
        assert!(auto.gpu.is_none() && auto.fallback.is_none());
    }
}
