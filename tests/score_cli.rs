//! `rehearse score` as a user runs it, on text, transcripts and recordings.

mod common;

use std::path::Path;
use std::process::Output;

fn score(args: &[&str]) -> Output {
    common::rehearse()
        .arg("score")
        .args(args)
        .output()
        .expect("run rehearse")
}

fn text_of(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const DRAFT: &str = "I was a project coordinator at a small agency. I was responsible for the launch schedule. \
    Um, I skipped the final review because I assumed the vendor had checked it, and the launch slipped two weeks. \
    I immediately called the client, apologized and rebuilt the plan with them that night. \
    Since then I always run a review checklist before every launch, and the last six launches shipped on time.";

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn a_written_draft_gets_a_json_report_with_the_contract_fields() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "draft.txt", DRAFT);
    let o = score(&[&f, "--json"]);
    let (out, err) = text_of(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["schema"], "rehearse.report.v1");
    assert_eq!(v["input"]["kind"], "text");
    assert_eq!(v["input"]["timing"], "estimated");
    for key in [
        "duration_s",
        "words",
        "wpm",
        "sentences",
        "phases",
        "failure_share",
        "star",
        "fillers",
        "hedges",
        "flags",
        "ownership",
        "quantified",
        "checks",
        "score",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let phases: Vec<&str> = v["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .filter_map(|s| s["phase"].as_str())
        .collect();
    assert_eq!(
        phases,
        ["situation", "task", "failure", "response", "learning"]
    );
    assert_eq!(v["fillers"]["by_word"]["um"], 1);
    assert_eq!(v["fillers"]["hits"][0]["phase"], "failure");
    // Too short (about 25 s): the duration check fails and says so.
    let checks = v["checks"].as_array().expect("checks");
    let duration = checks
        .iter()
        .find(|c| c["id"] == "duration")
        .expect("duration");
    assert_eq!(duration["status"], "fail");
    assert!(
        duration["message"]
            .as_str()
            .is_some_and(|m| m.contains("too short"))
    );
    // Worst first.
    let order: Vec<&str> = checks.iter().filter_map(|c| c["status"].as_str()).collect();
    let rank = |s: &str| {
        ["fail", "warn", "pass"]
            .iter()
            .position(|x| *x == s)
            .unwrap_or(9)
    };
    assert!(
        order.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{order:?}"
    );
}

#[test]
fn markdown_and_plain_terminal_output_carry_the_same_checks() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "draft.txt", DRAFT);
    let (md, _) = text_of(&score(&[&f, "--format", "md"]));
    assert!(md.starts_with("# Rehearsal report"), "{md}");
    assert!(md.contains("| duration | ❌ fail |"), "{md}");
    let (term, _) = text_of(&score(&[&f]));
    // Not a terminal here: no escape codes.
    assert!(!term.contains('\x1b'), "color codes in piped output");
    assert!(
        term.contains("✗ duration") && term.contains("S=situation"),
        "{term}"
    );
    let out = dir.path().join("r.md");
    let o = score(&[&f, "--format", "md", "-o", out.to_str().expect("utf8")]);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&out).expect("written"), md);
}

#[test]
fn a_rubric_override_changes_the_targets() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "draft.txt", DRAFT);
    let rubric = write(
        dir.path(),
        "short.toml",
        "[targets]\nduration_short_s = 10.0\nduration_min_s = 20.0\n",
    );
    let (out, err) = text_of(&score(&[&f, "--json", "--rubric", &rubric]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let duration = v["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "duration").cloned())
        .expect("duration");
    assert_eq!(duration["status"], "pass", "{duration}");
    let bad = write(dir.path(), "bad.toml", "[targets]\nduraton_min_s = 20.0\n");
    let o = score(&[&f, "--rubric", &bad]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text_of(&o).1.contains("duraton_min_s"), "{}", text_of(&o).1);
}

#[test]
fn bad_inputs_get_specific_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let empty = write(dir.path(), "empty.txt", "   \n");
    let (_, err) = text_of(&score(&[&empty]));
    assert!(
        err.contains("no words found") && err.contains("empty.txt"),
        "{err}"
    );
    let json = write(dir.path(), "other.json", "{\"hello\": 1}");
    let (_, err) = text_of(&score(&[&json]));
    assert!(
        err.contains("not a transcript") && err.contains("rehearse.transcript.v1"),
        "{err}"
    );
    // An .m4a that is not audio at all: named, and said what to do.
    let m4a = write(dir.path(), "answer.m4a", "....");
    let (_, err) = text_of(&score(&[&m4a]));
    assert!(
        err.contains("answer.m4a") && err.contains("not readable as audio") && err.contains("Fix:"),
        "{err}"
    );
    let o = score(&[dir.path().join("missing.txt").to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_recording_is_scored_end_to_end_with_measured_timing() {
    let Some(_) = common::engine() else { return };
    let Some(wav) = common::need(&common::fixture("answers/dev-04.wav")) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    // Transcribe once, then score the saved transcript: the same path a user takes
    // with `transcribe -o` and `score t.json`, and the WAV path is exercised too.
    let tjson = dir.path().join("t.json");
    let o = common::rehearse()
        .args([
            "transcribe",
            wav.to_str().expect("utf8"),
            "--threads",
            "1",
            "-o",
            tjson.to_str().expect("utf8"),
        ])
        .output()
        .expect("transcribe");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (out, err) = text_of(&score(&[tjson.to_str().expect("utf8"), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["input"]["kind"], "transcript");
    assert_eq!(v["input"]["timing"], "measured");
    let d = v["duration_s"].as_f64().expect("duration");
    assert!((100.0..125.0).contains(&d), "speech span {d}");
    // dev-04 is a strong answer: failure share near its labeled 0.18, ends on learning.
    let fs = v["failure_share"].as_f64().expect("fs");
    assert!((0.08..=0.32).contains(&fs), "failure share {fs}");
    let last = v["sentences"]
        .as_array()
        .and_then(|s| s.last())
        .expect("sentences");
    assert_eq!(last["phase"], "learning");
    let (wav_out, err) = text_of(&score(&[
        wav.to_str().expect("utf8"),
        "--json",
        "--threads",
        "1",
    ]));
    let w: serde_json::Value =
        serde_json::from_str(&wav_out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(w["input"]["kind"], "audio");
    assert_eq!(w["words"], v["words"]);
}

/// The sentence encoder labels phases when installed; `--no-encoder` and a missing
/// encoder fall back to cue phrases, and the report says which was used.
#[test]
fn the_report_says_whether_the_sentence_encoder_labelled_the_phases() {
    let store = rehearse::models::ModelStore::discover();
    if common::need(&store.encoder_dir().join("model.safetensors")).is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let f = write(dir.path(), "draft.txt", DRAFT);
    let labels = |o: &Output| {
        let (out, err) = text_of(o);
        assert!(o.status.success(), "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        (v["phase_labels"].as_str().unwrap_or("").to_string(), err)
    };
    assert_eq!(labels(&score(&[&f, "--json"])).0, "cues-and-encoder");
    assert_eq!(labels(&score(&[&f, "--json", "--no-encoder"])).0, "cues");

    let empty = tempfile::tempdir().expect("tmp");
    let o = common::rehearse()
        .args(["score", &f, "--json"])
        .env("REHEARSE_MODELS_DIR", empty.path())
        .output()
        .expect("run rehearse");
    let (got, err) = labels(&o);
    assert_eq!(got, "cues");
    assert!(
        err.contains("not installed") && err.contains("rehearse model download all-minilm-l6-v2"),
        "{err}"
    );
}
