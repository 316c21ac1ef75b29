//! `rehearse batch` end to end: mixed formats and broken files, reruns that do no
//! work, a SIGKILL mid-batch, shards and their merge.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{fixture, need};
use rehearse::audio::decode_file_16k;
use rehearse::batch::summary::{self, Row, Status};

fn bin() -> Command {
    let mut c = common::rehearse();
    c.env("REHEARSE_MODEL", "tiny.en");
    c
}

fn batch(args: &[&str]) -> Output {
    bin()
        .arg("batch")
        .args(args)
        .output()
        .expect("run rehearse batch")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The 12-second clip in every format, or None (skip) without fixtures.
fn encoded() -> Option<Vec<PathBuf>> {
    ["mp3", "m4a", "flac", "ogg"]
        .iter()
        .map(|e| need(&fixture(&format!("encoded/clip.{e}"))))
        .collect()
}

/// Best normalised correlation of `a` against `b` within ±`max_lag` samples.
fn best_correlation(a: &[f32], b: &[f32], max_lag: usize) -> f32 {
    let n = a.len().min(b.len()).saturating_sub(max_lag);
    let mut best = 0f32;
    for lag in 0..=2 * max_lag {
        let (x, y) = if lag >= max_lag {
            (&a[lag - max_lag..], b)
        } else {
            (a, &b[max_lag - lag..])
        };
        let (mut xy, mut xx, mut yy) = (0f64, 0f64, 0f64);
        for i in 0..n.min(x.len()).min(y.len()) {
            xy += x[i] as f64 * y[i] as f64;
            xx += x[i] as f64 * x[i] as f64;
            yy += y[i] as f64 * y[i] as f64;
        }
        best = best.max((xy / (xx * yy).sqrt().max(1e-12)) as f32);
    }
    best
}

#[test]
fn every_compressed_format_decodes_to_the_source_audio() {
    let Some(files) = encoded() else { return };
    let Some(wav) = need(&fixture("variants/clip.wav")) else {
        return;
    };
    let reference = decode_file_16k(&wav, &mut |_, _| {}).expect("decode wav");
    for f in &files {
        let a = decode_file_16k(f, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
        let secs = a.duration_s();
        assert!(
            (secs - reference.duration_s()).abs() < 0.1,
            "{}: {secs:.3} s vs {:.3} s",
            f.display(),
            reference.duration_s()
        );
        // Lossy codecs shift the signal by their encoder delay (tens of ms) and change
        // its fine detail, but the waveform must still be the same speech.
        let r = best_correlation(&a.samples, &reference.samples, 1600);
        assert!(r > 0.9, "{}: correlation {r:.3}", f.display());
    }
    let opus = fixture("encoded/clip.opus");
    if opus.exists() {
        let e = decode_file_16k(&opus, &mut |_, _| {}).expect_err("opus is not supported");
        assert!(e.to_string().contains("Opus"), "{e}");
        assert!(e.to_string().contains("ffmpeg"), "{e}");
    }
}

/// A folder of good answers in several formats and rates plus every kind of bad file.
struct Cohort {
    _dir: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
}

fn cohort() -> Option<Cohort> {
    let files = encoded()?;
    let wav8k = need(&fixture("variants/clip-8000-1ch-i16.wav"))?;
    let wav44 = need(&fixture("variants/clip-44100-2ch-f32.wav"))?;
    let opus = need(&fixture("encoded/clip.opus"))?;
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("recordings");
    let w = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    let read = |p: &Path| std::fs::read(p).expect("read fixture");
    w("phone/ana.m4a", &read(&files[1]));
    w("phone/ben.mp3", &read(&files[0]));
    w("desk/cai.flac", &read(&files[2]));
    w("desk/dee.ogg", &read(&files[3]));
    w("desk/eve.wav", &read(&wav8k));
    w("fay.wav", &read(&wav44));
    // The broken kinds.
    w("broken/empty.wav", b"");
    w(
        "broken/notes.mp3",
        b"Dear team, here are my notes for Tuesday.\n",
    );
    let good = read(&wav44);
    w("broken/truncated.wav", &good[..good.len() / 3]);
    let mut garbled = read(&files[2]);
    for i in (200..garbled.len()).step_by(300) {
        garbled[i] ^= 0xff;
    }
    w("broken/garbled.flac", &garbled);
    w("broken/voice-memo.opus", &read(&opus));
    let silent = root.join("broken/silent.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&silent, spec).expect("create");
    for _ in 0..16000 * 3 {
        writer.write_sample(0i16).expect("sample");
    }
    writer.finalize().expect("finalize");
    // A symlink loop and a second name for a file already in the batch.
    std::os::unix::fs::symlink(&root, root.join("desk/back-to-top")).expect("symlink");
    std::os::unix::fs::symlink(root.join("fay.wav"), root.join("fay-again.wav")).expect("ln");
    let out = dir.path().join("results");
    Some(Cohort {
        _dir: dir,
        root,
        out,
    })
}

const GOOD: [&str; 6] = [
    "desk/cai.flac",
    "desk/dee.ogg",
    "desk/eve.wav",
    "fay.wav",
    "phone/ana.m4a",
    "phone/ben.mp3",
];

fn rows_by_rel(c: &Cohort, rows: &[Row]) -> Vec<(String, Row)> {
    rows.iter()
        .map(|r| {
            let rel = Path::new(&r.path)
                .strip_prefix(&c.root)
                .unwrap_or(Path::new(&r.path))
                .display()
                .to_string();
            (rel, r.clone())
        })
        .collect()
}

fn report_mtimes(out: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut v: Vec<_> = walk(out)
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("summary."))
        .map(|p| {
            let m = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .expect("mtime");
            (p, m)
        })
        .collect();
    v.sort();
    v
}

/// Every file under `dir` but the batch's lock files (`.rehearse-batch.lock`,
/// `.summary.csv.lock`: empty, kept so concurrent batches can coordinate).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for e in entries.flatten() {
        let p = e.path();
        let lock = p.file_name().is_some_and(|n| {
            n.to_string_lossy().starts_with('.') && n.to_string_lossy().ends_with(".lock")
        });
        if p.is_dir() {
            files.extend(walk(&p));
        } else if !lock {
            files.push(p);
        }
    }
    files.sort();
    files
}

#[test]
fn a_mixed_folder_gives_rows_reports_and_exit_code_and_a_rerun_does_no_work() {
    let Some(c) = cohort() else { return };
    let o = batch(&[s(&c.root), "--out", s(&c.out)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "some files fail: {stderr}");
    assert!(stderr.contains("symlink loop"), "{stderr}");

    let rows = summary::read(&c.out.join("summary.csv")).expect("summary.csv");
    let by_rel = rows_by_rel(&c, &rows);
    let rels: Vec<&str> = by_rel.iter().map(|(r, _)| r.as_str()).collect();
    // One row per distinct file: the second name of fay.wav is not scored twice.
    assert_eq!(rels.len(), 12, "{rels:?}");
    assert_eq!(
        rels.iter().filter(|r| r.starts_with("fay")).count(),
        1,
        "{rels:?}"
    );
    for rel in GOOD {
        let (_, row) = by_rel
            .iter()
            .find(|(r, _)| r == rel)
            .unwrap_or_else(|| panic!("no row for {rel}: {rels:?}"));
        assert_eq!(row.status, Status::Ok, "{rel}: {}", row.error);
        let d = row.duration_s.expect("duration");
        assert!((d - 12.0).abs() < 1.0, "{rel}: {d} s");
        assert!(row.words.unwrap_or(0) >= 30, "{rel}: {:?}", row.words);
        assert!(row.score.is_some() && row.failure_share.is_some());
        // Where the recogniser ran (the tests load the CPU build).
        assert!(row.backend.starts_with("CPU"), "{rel}: {:?}", row.backend);
        // Reports mirror the input tree, and say what was said.
        let json = c.out.join(format!("{rel}.json"));
        let md = c.out.join(format!("{rel}.md"));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
        assert_eq!(report["schema"], "rehearse.report.v1");
        assert_eq!(report["input"]["transcribed"]["model"], "tiny.en");
        assert_eq!(report["input"]["transcribed"]["backend"], "CPU");
        let text = report["sentences"]
            .as_array()
            .expect("sentences")
            .iter()
            .map(|s| s["text"].as_str().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        assert!(text.contains("regional directors"), "{rel}: {text}");
        assert!(text.contains("retention report"), "{rel}: {text}");
        let md = std::fs::read_to_string(&md).expect("md");
        assert!(md.contains("retention report"), "{rel}");
    }
    let expect_error = [
        ("broken/empty.wav", "no audio"),
        ("broken/notes.mp3", "not readable as audio"),
        ("broken/truncated.wav", "truncated"),
        ("broken/garbled.flac", "damaged"),
        ("broken/voice-memo.opus", "Opus"),
        ("broken/silent.wav", "silent"),
    ];
    for (rel, words) in expect_error {
        let (_, row) = by_rel
            .iter()
            .find(|(r, _)| r == rel)
            .unwrap_or_else(|| panic!("no row for {rel}"));
        assert_eq!(row.status, Status::Error, "{rel}");
        assert!(
            row.error.contains(rel.rsplit('/').next().unwrap_or(rel)),
            "{rel}: {}",
            row.error
        );
        assert!(row.error.contains(words), "{rel}: {}", row.error);
        assert!(!c.out.join(format!("{rel}.json")).exists(), "{rel}");
    }

    // The same command again: nothing is transcribed or rewritten.
    let before = report_mtimes(&c.out);
    let t = Instant::now();
    let o = batch(&[s(&c.root), "--out", s(&c.out), "--summary", "jsonl"]);
    let took = t.elapsed();
    assert_eq!(o.status.code(), Some(1));
    let again = summary::read(&c.out.join("summary.jsonl")).expect("summary.jsonl");
    assert_eq!(again.len(), rows.len());
    for (a, b) in again.iter().zip(&rows) {
        assert_eq!(a.path, b.path);
        assert_eq!(a.status, b.status);
        if a.status == Status::Ok {
            assert!(a.reused, "{} was redone", a.path);
            assert_eq!((a.score, a.words), (b.score, b.words), "{}", a.path);
        }
    }
    assert_eq!(report_mtimes(&c.out), before, "reports were rewritten");
    eprintln!("second run: {took:?}");

    // Shards split the work with no overlap, and their merge is the whole table.
    for k in ["1/2", "2/2"] {
        let o = batch(&[
            s(&c.root),
            "--out",
            s(&c.out),
            "--shard",
            k,
            "--summary",
            "jsonl",
        ]);
        assert!(o.status.code() == Some(0) || o.status.code() == Some(1));
    }
    let one = summary::read(&c.out.join("summary.shard-1-of-2.jsonl")).expect("shard 1");
    let two = summary::read(&c.out.join("summary.shard-2-of-2.jsonl")).expect("shard 2");
    assert_eq!(one.len() + two.len(), rows.len());
    assert!(one.iter().all(|r| two.iter().all(|q| q.path != r.path)));
    let merged_path = c.out.join("all.csv");
    let o = bin()
        .args(["batch-merge"])
        .arg(c.out.join("summary.shard-1-of-2.jsonl"))
        .arg(c.out.join("summary.shard-2-of-2.jsonl"))
        .arg("-o")
        .arg(&merged_path)
        .output()
        .expect("merge");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut merged = summary::read(&merged_path).expect("merged");
    let mut all = again.clone();
    all.sort_by(|a, b| a.path.cmp(&b.path));
    merged.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(
        merged
            .iter()
            .map(|r| (&r.path, r.status))
            .collect::<Vec<_>>(),
        all.iter().map(|r| (&r.path, r.status)).collect::<Vec<_>>()
    );
}

#[test]
fn a_batch_killed_midway_finishes_on_rerun_with_one_whole_report_per_file() {
    let Some(files) = encoded() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("in");
    std::fs::create_dir_all(&root).expect("mkdir");
    let names = ["a.mp3", "b.m4a", "c.flac", "d.ogg"];
    for (name, src) in names.iter().zip(&files) {
        std::fs::copy(src, root.join(name)).expect("copy");
    }
    let out = dir.path().join("out");
    let mut child = bin()
        .args([
            "batch",
            s(&root),
            "--out",
            s(&out),
            "--jobs",
            "1",
            "--threads",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it as soon as the first report is complete: the rest are mid-flight.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = walk(&out)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .count();
        if done >= 1 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let after_kill = walk(&out)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count();
    assert!(
        after_kill < names.len(),
        "the kill came too late to test anything"
    );

    let o = bin()
        .args(["batch", s(&root), "--out", s(&out)])
        .output()
        .expect("rerun");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = summary::read(&out.join("summary.csv")).expect("summary");
    assert_eq!(rows.len(), names.len());
    assert!(rows.iter().all(|r| r.status == Status::Ok));
    assert!(
        rows.iter().any(|r| r.reused),
        "the finished report was reused"
    );
    assert!(rows.iter().any(|r| !r.reused), "the rest were done now");
    // Exactly the reports, each whole; no temporary left behind.
    let mut expected: Vec<PathBuf> = names
        .iter()
        .flat_map(|n| [out.join(format!("{n}.json")), out.join(format!("{n}.md"))])
        .collect();
    expected.push(out.join("summary.csv"));
    expected.sort();
    assert_eq!(walk(&out), expected);
    for n in names {
        let v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{n}.json"))).expect("read"),
        )
        .unwrap_or_else(|e| panic!("{n}.json is not whole: {e}"));
        assert!(v["batch"]["key"].is_string(), "{n}");
    }
}

#[test]
fn no_inputs_and_bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = batch(&[s(dir.path()), "--out", s(&dir.path().join("o"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no audio files found"));
    let o = batch(&["'nothing-*.m4a'", "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = batch(&[s(dir.path()), "--out", "x", "--shard", "9/8"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("3/8"));
}
