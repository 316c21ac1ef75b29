//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use rehearse::models::ModelStore;
use rehearse::transcribe::{DecodeOptions, Engine};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures/cache").join(rel)
}

/// Whether a missing model or fixture fails the test (scripts/test and CI set this)
/// rather than skipping it with a message.
pub fn required() -> bool {
    std::env::var_os("REHEARSE_REQUIRE_ASSETS").is_some_and(|v| v != "0")
}

/// Returns the path if the fixture exists; otherwise skips (or fails when required).
pub fn need(path: &Path) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    if required() {
        panic!("{} is missing: run scripts/setup", path.display());
    }
    eprintln!("SKIPPED: {} is missing (run scripts/setup)", path.display());
    None
}

static ENGINE: LazyLock<Option<Engine>> = LazyLock::new(|| {
    let store = ModelStore::discover();
    let model = store.resolve(Some(("tiny.en", "the tests"))).ok()?;
    need(&model.path)?;
    Some(
        Engine::load(
            &model.path,
            &model.name,
            &mut rehearse::transcribe::backend::Plan::new(
                rehearse::transcribe::GpuChoice::Off,
                "the tests",
            )
            .expect("the CPU"),
        )
        .unwrap_or_else(|e| panic!("loading tiny.en: {e}")),
    )
});

/// The default model, loaded once per test binary.
pub fn engine() -> Option<&'static Engine> {
    ENGINE.as_ref()
}

pub fn opts() -> DecodeOptions {
    DecodeOptions {
        threads: 1, // tests run in parallel on two cores; more threads would contend
        ..DecodeOptions::default()
    }
}

/// all-MiniLM-L6-v2 at `depth`, loaded (when installed) and panicking when it is
/// installed but does not load.
fn load_minilm(depth: rehearse::embed::Depth) -> Option<rehearse::embed::MiniLm> {
    let store = ModelStore::discover();
    need(&store.encoder_dir().join("model.safetensors"))?;
    Some(
        rehearse::embed::MiniLm::from_store(&store, depth)
            .unwrap_or_else(|e| panic!("loading the sentence encoder: {e}")),
    )
}

static MINILM: LazyLock<Option<rehearse::embed::MiniLm>> =
    LazyLock::new(|| load_minilm(rehearse::embed::Depth::Full));

/// The whole transformer (all six layers), loaded once per test binary.
pub fn minilm() -> Option<&'static rehearse::embed::MiniLm> {
    MINILM.as_ref()
}

static ENCODER: LazyLock<Option<rehearse::embed::MiniLm>> =
    LazyLock::new(|| load_minilm(rehearse::embed::Depth::PHASES));

/// The sentence encoder the coach uses (its first layer), loaded once per test binary.
pub fn encoder() -> Option<&'static rehearse::embed::MiniLm> {
    ENCODER.as_ref()
}

/// The one way the tests launch the binary: as a user runs it, isolated from this
/// machine's own setup. HOME and the XDG folders are in `home` (so no user config or
/// takes are read), no config file, no model chosen by the environment, no colour
/// choice inherited, standard input closed. The project's models folder is still
/// found (the binary's default), so the installed models are used.
pub fn rehearse_in(home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rehearse"));
    for (k, v) in isolation(home) {
        c.env(k, v);
    }
    c.env_remove("REHEARSE_MODEL")
        .env_remove("REHEARSE_MODELS_DIR")
        .env_remove("REHEARSE_GPU")
        .env_remove("REHEARSE_LOG")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
    c
}

/// [`rehearse_in`] a home shared by this test binary (under cargo's target tmp dir).
pub fn rehearse() -> std::process::Command {
    static HOME: LazyLock<PathBuf> = LazyLock::new(|| {
        let home =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("home-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&home);
        home
    });
    rehearse_in(&HOME)
}

/// The variables [`rehearse_in`] sets, for launching through a shell (tmux): KEY, value.
pub fn isolation(home: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_DATA_HOME", home.join(".local/share")),
        ("REHEARSE_CONFIG", home.join("no-config.toml")),
    ]
}

/// [`rehearse_in`] as a shell command line (for tmux panes): `env` with the same
/// isolation, then the binary.
pub fn shell_command(home: &Path) -> String {
    let mut line =
        String::from("env -u REHEARSE_MODEL -u REHEARSE_MODELS_DIR -u REHEARSE_LOG -u NO_COLOR");
    for (k, v) in isolation(home) {
        line.push_str(&format!(" {k}='{}'", v.display()));
    }
    line.push(' ');
    line.push_str(env!("CARGO_BIN_EXE_rehearse"));
    line
}

/// Standard error as text.
pub fn stderr_of(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes a WAV of `samples` (16 kHz mono float) to `path`.
pub fn write_wav(path: &Path, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for s in samples {
        w.write_sample(*s).expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// `n` samples of white hiss at ±`amplitude` (a fixed xorshift sequence: repeatable).
pub fn hiss(n: usize, amplitude: f32) -> Vec<f32> {
    let mut x: u32 = 7;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32 - 0.5) * 2.0 * amplitude
        })
        .collect()
}
