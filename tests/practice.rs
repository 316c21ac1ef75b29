//! The microphone path for real: a known recording is played into the capture stream
//! by ALSA's `file` plugin (tests/audio/alsa-file.conf, selected with ALSA_CONFIG_PATH,
//! so the user's audio configuration is never touched).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes `wav` (48 kHz stereo float) as the raw stream the file plugin plays.
fn raw_from_wav(wav: &Path, raw: &Path) {
    let mut r = hound::WavReader::open(wav).expect("open fixture");
    assert_eq!(
        (r.spec().sample_rate, r.spec().channels),
        (48000, 2),
        "fixture layout"
    );
    let mut f = std::io::BufWriter::new(std::fs::File::create(raw).expect("raw"));
    for s in r.samples::<f32>() {
        f.write_all(&s.expect("sample").to_le_bytes())
            .expect("write");
    }
}

fn rehearse(args: &[&str], infile: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rehearse"));
    c.args(args)
        .env(
            "ALSA_CONFIG_PATH",
            common::root().join("tests/audio/alsa-file.conf"),
        )
        .env("REHEARSE_TEST_INFILE", infile)
        .env("REHEARSE_CONFIG", "/nonexistent/config.toml")
        .env_remove("REHEARSE_MODEL")
        .stdin(Stdio::null());
    c
}

fn take_dirs(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for i in 0..n {
        ab += a[i] as f64 * b[i] as f64;
        aa += (a[i] as f64).powi(2);
        bb += (b[i] as f64).powi(2);
    }
    ab / (aa.sqrt() * bb.sqrt()).max(1e-12)
}

#[test]
fn a_take_recorded_from_the_file_backed_device_matches_the_source() {
    let Some(_) = common::engine() else { return };
    let Some(wav) = common::need(&common::fixture("variants/clip-48000-2ch-f32.wav")) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let raw = dir.path().join("in.raw");
    raw_from_wav(&wav, &raw);
    let takes = dir.path().join("takes");
    let out = rehearse(
        &[
            "practice",
            "--takes-dir",
            takes.to_str().expect("utf8"),
            "--max-seconds",
            "12",
            "--threads",
            "1",
        ],
        &raw,
    )
    .output()
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let report_text = String::from_utf8_lossy(&out.stdout);
    assert!(
        report_text.contains("score") && report_text.contains("duration"),
        "{report_text}"
    );

    let dirs = take_dirs(&takes);
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let take = &dirs[0];
    for f in ["audio.wav", "transcript.json", "report.json"] {
        assert!(take.join(f).is_file(), "missing {f}");
    }
    // The saved audio is the source, resampled: same length, correlation ~1.
    let saved = rehearse::audio::decode_wav_16k(&take.join("audio.wav"), &mut |_, _| {})
        .expect("take audio");
    let source = rehearse::audio::decode_wav_16k(&wav, &mut |_, _| {}).expect("source");
    let diff = saved.samples.len() as i64 - source.samples.len() as i64;
    assert!(diff.abs() <= 160, "length differs by {diff} samples");
    let r = correlation(&saved.samples, &source.samples);
    assert!(r > 0.99, "correlation {r}");
    // The transcript matches the one made from the file directly.
    let engine = common::engine().expect("engine");
    let mut state = engine.new_state().expect("state");
    let direct = engine
        .transcribe(&mut state, &source.samples, &common::opts(), None)
        .expect("direct");
    let t: rehearse::transcript::Transcript =
        serde_json::from_str(&std::fs::read_to_string(take.join("transcript.json")).expect("read"))
            .expect("transcript");
    let wer = rehearse::eval::word_error_rate(&direct.text(), &t.text());
    assert!(
        wer <= 0.05,
        "WER {wer} between take and file:\n{}\n{}",
        t.text(),
        direct.text()
    );

    // `rehearse takes` lists it; `takes show 1` prints its report again.
    let list = rehearse(
        &["takes", "--takes-dir", takes.to_str().expect("utf8")],
        &raw,
    )
    .output()
    .expect("takes");
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing
            .lines()
            .any(|l| l.trim_start().starts_with('1') && l.contains("0:12")),
        "{listing}"
    );
    let show = rehearse(
        &[
            "takes",
            "show",
            "1",
            "--takes-dir",
            takes.to_str().expect("utf8"),
        ],
        &raw,
    )
    .output()
    .expect("show");
    assert!(
        show.status.success(),
        "{}",
        String::from_utf8_lossy(&show.stderr)
    );
    assert!(String::from_utf8_lossy(&show.stdout).contains("score"));
}

#[test]
fn a_take_killed_mid_recording_is_recovered_playable() {
    let Some(_) = common::engine() else { return };
    let Some(wav) = common::need(&common::fixture("variants/clip-48000-2ch-f32.wav")) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let raw = dir.path().join("in.raw");
    raw_from_wav(&wav, &raw);
    let takes = dir.path().join("takes");
    // No length limit: the file plugin keeps delivering (it repeats its last period).
    let mut child = rehearse(
        &[
            "practice",
            "--takes-dir",
            takes.to_str().expect("utf8"),
            "--threads",
            "1",
        ],
        &raw,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawn");
    let audio = || take_dirs(&takes).first().map(|d| d.join("audio.wav"));
    let started = Instant::now();
    while audio()
        .and_then(|a| std::fs::metadata(a).ok())
        .is_none_or(|m| m.len() < 200_000)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no audio written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let path = audio().expect("take");
    let len = std::fs::metadata(&path).expect("meta").len();
    // Repair on the next start (here: `takes repair`), then the whole file plays.
    let out = rehearse(
        &[
            "takes",
            "repair",
            "--takes-dir",
            takes.to_str().expect("utf8"),
        ],
        &raw,
    )
    .output()
    .expect("repair");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = hound::WavReader::open(&path).expect("playable after repair");
    let frames = reader.duration() as u64;
    assert!(
        frames * 2 + 44 >= len - 2 && frames > 16_000,
        "{frames} frames in a {len}-byte file"
    );
    assert_eq!(reader.spec().sample_rate, 16_000);
    let listing = String::from_utf8_lossy(
        &rehearse(
            &["takes", "--takes-dir", takes.to_str().expect("utf8")],
            &raw,
        )
        .output()
        .expect("list")
        .stdout,
    )
    .into_owned();
    assert!(listing.contains("not scored"), "{listing}");
}
