//! `rehearse doctor`: one line per item, the exit code of the worst, the same as JSON,
//! and no panic on a machine without a microphone, a model or a GPU.

mod common;

use std::time::{Duration, Instant};

use serde_json::Value;

const ITEMS: [&str; 7] = ["build", "cpu", "gpu", "model", "audio", "data", "load"];

fn doctor(
    home: &std::path::Path,
    models: Option<&std::path::Path>,
    json: bool,
) -> (i32, String, Duration) {
    let mut c = common::rehearse_in(home);
    c.arg("doctor");
    if json {
        c.arg("--json");
    }
    if let Some(m) = models {
        c.env("REHEARSE_MODELS_DIR", m);
    }
    let t0 = Instant::now();
    let out = c.output().expect("run rehearse doctor");
    let took = t0.elapsed();
    assert!(
        out.stderr.is_empty() || !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        took,
    )
}

/// No model anywhere: the default model is a failure with its fix, exit 2; every line
/// is `status item detail` or a fix under it; every item is there.
#[test]
fn without_a_model_the_doctor_fails_with_the_fix_and_exit_2() {
    let home = tempfile::tempdir().expect("tmp");
    let empty = home.path().join("models");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let (code, out, took) = doctor(home.path(), Some(&empty), false);
    assert_eq!(code, 2, "{out}");
    let mut seen = Vec::new();
    let lines: Vec<&str> = out.lines().collect();
    let (summary, body) = lines.split_last().expect("lines");
    for l in body {
        let status = l.split_whitespace().next().unwrap_or("");
        match status {
            "ok" | "warn" | "fail" => seen.push(l.split_whitespace().nth(1).unwrap_or("")),
            "fix:" => assert!(l.starts_with("             fix: "), "{l:?}"),
            _ => panic!("unexpected line {l:?} in\n{out}"),
        }
    }
    for item in ITEMS {
        assert!(seen.contains(&item), "no {item} line:\n{out}");
    }
    assert!(
        out.contains("fail  model  tiny.en (the default) is not installed")
            && out.contains(
                "fix: `scripts/setup` (from a checkout) or `rehearse model download tiny.en`"
            ),
        "{out}"
    );
    assert!(
        summary.ends_with("failure") || summary.ends_with("failures"),
        "{summary}"
    );
    // It loads nothing heavy: a generous bound that still catches a hang (the audio
    // probe, a GPU driver). BENCHMARKS.md has the measured time.
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

/// The JSON is the same diagnosis: a status per check, the overall status the worst
/// of them, and the exit code that status's (0 ok, 1 warn, 2 fail).
#[test]
fn the_json_matches_the_text_and_the_exit_code_follows_the_worst_status() {
    let home = tempfile::tempdir().expect("tmp");
    for models in [None, Some(home.path().join("empty-models"))] {
        if let Some(m) = &models {
            std::fs::create_dir_all(m).expect("mkdir");
        }
        let (code, json, _) = doctor(home.path(), models.as_deref(), true);
        let (text_code, text, _) = doctor(home.path(), models.as_deref(), false);
        assert_eq!(code, text_code);
        let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        let checks = v["checks"].as_array().expect("checks");
        let rank = |s: &str| {
            ["ok", "warn", "fail"]
                .iter()
                .position(|x| *x == s)
                .expect("status")
        };
        let worst = checks
            .iter()
            .map(|c| rank(c["status"].as_str().expect("status")))
            .max()
            .expect("checks");
        assert_eq!(rank(v["status"].as_str().expect("status")), worst);
        assert_eq!(code as usize, worst, "{json}");
        // One text line per check, in the same order.
        let text_items: Vec<&str> = text
            .lines()
            .filter(|l| ["ok ", "warn ", "fail "].iter().any(|p| l.starts_with(p)))
            .collect();
        assert_eq!(text_items.len(), checks.len(), "{text}\n{json}");
        // Digits masked: the two runs measure the load average separately.
        let mask = |s: &str| -> String {
            s.chars()
                .map(|ch| if ch.is_ascii_digit() { '#' } else { ch })
                .collect()
        };
        for (line, c) in text_items.iter().zip(checks) {
            assert!(
                mask(line).contains(&mask(c["detail"].as_str().expect("detail"))),
                "{line} / {c}"
            );
            if c["status"] != "ok" {
                assert!(
                    c["fix"].is_string() || c["item"] == "gpu",
                    "a {c} without a fix"
                );
            }
        }
    }
}

/// A GPU asked for in the config file on a build or machine without one is a failure
/// the doctor names (the run would fail the same way); a malformed value too.
#[test]
fn a_gpu_the_config_asks_for_but_cannot_have_is_a_failure() {
    let home = tempfile::tempdir().expect("tmp");
    let cfg = home.path().join("config.toml");
    for (value, says) in [
        ("\"7\"", "GPU 7 was asked for"),
        ("\"fast\"", "is not a GPU choice"),
    ] {
        std::fs::write(&cfg, format!("gpu = {value}\n")).expect("config");
        let out = common::rehearse_in(home.path())
            .env("REHEARSE_CONFIG", &cfg)
            .args(["doctor"])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains(says))
            .unwrap_or_else(|| panic!("{says:?} not in\n{text}"));
        assert!(line.starts_with("fail  gpu"), "{line}");
    }
}

/// On a CPU-only build, `--gpu 0` is an error that says why and what to do; `auto`
/// transcribes on the CPU, and the transcript says where it ran.
#[test]
fn gpu_zero_on_a_cpu_only_build_fails_clearly_and_auto_runs_on_the_cpu() {
    if !rehearse::transcribe::backend::build_features().is_empty() {
        return; // scripts/check-vulkan covers GPU builds
    }
    let Some(wav) = common::need(&common::root().join("fixtures/sample-answer.wav")) else {
        return;
    };
    common::engine();
    let out = common::rehearse()
        .args(["transcribe", wav.to_str().expect("utf8"), "--gpu", "0"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("GPU 0 was asked for (--gpu), but this build has no GPU backend")
            && err.contains("rebuild with one of the cargo features cuda, vulkan"),
        "{err}"
    );
    let out = common::rehearse()
        .args([
            "transcribe",
            wav.to_str().expect("utf8"),
            "--json",
            "--threads",
            "1",
        ])
        .env("REHEARSE_GPU", "auto")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(t["model"]["compute"]["backend"], "CPU", "{}", t["model"]);
}
