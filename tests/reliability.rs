//! What rehearse promises (README, "What rehearse promises"), each numbered after the
//! reliability issue's list of defects: the real binary, real files, real failures.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

fn run(home: &Path, args: &[&str]) -> Output {
    common::rehearse_in(home)
        .args(args)
        .output()
        .expect("run rehearse")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// A 12 s spoken clip (a piper rendering of a corpus answer's opening).
fn clip() -> Option<PathBuf> {
    common::engine()?;
    common::need(&common::fixture("variants/clip.wav"))
}

/// The report JSON of `out` with what depends on the run (paths) left out.
fn report_without_paths(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("json");
    v["input"]["path"] = serde_json::Value::Null;
    if let Some(b) = v.get_mut("batch") {
        b["source"] = serde_json::Value::Null;
    }
    v
}

// 2. A file's result depends on its own audio and the settings, never on the file
// scored before it by the same worker.
#[test]
fn p2_a_file_scores_the_same_whatever_file_came_before_it() {
    let Some(clip) = clip() else { return };
    let home = tempfile::tempdir().expect("tmp");
    let samples = rehearse::audio::decode_wav_16k(&clip, &mut |_, _| {})
        .expect("clip")
        .samples;
    // Predecessors: a 0.2 s scrap of speech, loud noise, and another answer's words.
    let mut x: u32 = 12345;
    let noise: Vec<f32> = (0..16000 * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32 - 0.5) * 0.6
        })
        .collect();
    let before: [(&str, Vec<f32>); 3] = [
        ("scrap", samples[16000..16000 + 3200].to_vec()),
        ("noise", noise),
        ("speech", samples[16000 * 6..].to_vec()),
    ];
    let mut reports = Vec::new();
    for (name, audio) in &before {
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        common::write_wav(&dir.join("1-before.wav"), audio);
        std::fs::copy(&clip, dir.join("2-answer.wav")).expect("copy");
        let out_dir = home.path().join(format!("out-{name}"));
        let out = run(
            home.path(),
            &[
                "batch",
                s(&dir),
                "--out",
                s(&out_dir),
                "--jobs",
                "1",
                "--threads",
                "1",
            ],
        );
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            common::stderr_of(&out)
        );
        reports.push(report_without_paths(&out_dir.join("2-answer.wav.json")));
    }
    assert_eq!(reports[0], reports[1], "after a scrap vs after noise");
    assert_eq!(reports[0], reports[2], "after a scrap vs after speech");
}

// 3. A model damaged inside (right size, wrong bytes) is refused, not used; so is a
// damaged sentence encoder (the coach then says it labels from the words alone).
#[test]
fn p3_a_model_damaged_inside_is_refused() {
    let Some(jfk) = common::need(&common::fixture("jfk.wav")) else {
        return;
    };
    let store = rehearse::models::ModelStore::discover();
    let spec = store.manifest.find("tiny.en").expect("tiny.en").clone();
    let Some(model) = common::need(&store.path_of(&spec)) else {
        return;
    };
    let home = tempfile::tempdir().expect("tmp");
    let models = home.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    let copy = models.join(model.file_name().expect("name"));
    std::fs::copy(&model, &copy).expect("copy model");
    let transcribe = || {
        common::rehearse_in(home.path())
            .env("REHEARSE_MODELS_DIR", &models)
            .args(["transcribe", s(&jfk), "--threads", "1"])
            .output()
            .expect("run")
    };
    let ok = transcribe();
    assert!(ok.status.success(), "{}", common::stderr_of(&ok));
    // Overwrite 8 MiB in the middle, keeping the size.
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&copy)
            .expect("open");
        let len = f.metadata().expect("meta").len();
        f.seek(SeekFrom::Start(len / 2)).expect("seek");
        f.write_all(&vec![0x5a; 8 << 20]).expect("damage");
    }
    let bad = transcribe();
    assert_eq!(bad.status.code(), Some(2), "{}", common::stderr_of(&bad));
    let err = common::stderr_of(&bad);
    assert!(err.contains("damaged") && err.contains("tiny.en"), "{err}");

    // The encoder: one of its files changed inside, same size.
    let enc = store.encoder_dir();
    let Some(_) = common::need(&enc.join("tokenizer.json")) else {
        return;
    };
    let enc_copy = models.join(enc.file_name().expect("name"));
    std::fs::create_dir_all(&enc_copy).expect("mkdir");
    for f in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(enc.join(f), enc_copy.join(f)).expect("copy encoder");
    }
    let mut tok = std::fs::read(enc_copy.join("tokenizer.json")).expect("read");
    let mid = tok.len() / 2;
    tok[mid] = if tok[mid] == b'a' { b'b' } else { b'a' };
    std::fs::write(enc_copy.join("tokenizer.json"), tok).expect("write");
    let text = home.path().join("answer.txt");
    std::fs::write(&text, rehearse_text()).expect("write");
    let out = common::rehearse_in(home.path())
        .env("REHEARSE_MODELS_DIR", &models)
        .args(["score", s(&text)])
        .output()
        .expect("run");
    let err = common::stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("damaged") && err.contains("phases labelled from"),
        "{err}"
    );
}

fn rehearse_text() -> &'static str {
    "I was a shift lead at a bakery. I was responsible for the Saturday orders. \
     I forgot to check the oven schedule and two wedding cakes were late by an hour. \
     I called both couples that morning and delivered the cakes myself. \
     Since then I always check the schedule the night before, and no order has been late in a year."
}

// 4. Rubric numbers that make no sense are refused, naming the key and the range.
#[test]
fn p4_nonsense_rubric_values_are_refused_with_the_key_and_range() {
    let home = tempfile::tempdir().expect("tmp");
    let text = home.path().join("answer.txt");
    std::fs::write(&text, rehearse_text()).expect("write");
    for (toml, key) in [
        ("[targets]\ntext_wpm = nan\n", "targets.text_wpm"),
        ("[targets]\ntext_wpm = inf\n", "targets.text_wpm"),
        (
            "[targets]\nfillers_per_min_warn = -3.0\n",
            "targets.fillers_per_min_warn",
        ),
        ("[targets]\nlong_pause_s = -1.0\n", "targets.long_pause_s"),
        (
            "[targets]\nstar_tolerance = -0.5\n",
            "targets.star_tolerance",
        ),
    ] {
        let rubric = home.path().join("r.toml");
        std::fs::write(&rubric, toml).expect("write");
        let out = run(
            home.path(),
            &["score", s(&text), "--no-encoder", "--rubric", s(&rubric)],
        );
        assert_eq!(out.status.code(), Some(2), "{toml}");
        let err = common::stderr_of(&out);
        assert!(
            err.contains(key) && err.contains("must be a number from"),
            "{err}"
        );
    }
}

// 5. An answer that fails a check badly cannot score high: a 5.5-hour draft is capped,
// and the report says why.
#[test]
fn p5_a_five_hour_draft_cannot_score_high() {
    let home = tempfile::tempdir().expect("tmp");
    let text = home.path().join("long.txt");
    // 5.5 h at 150 wpm: 49,500 words.
    let words = 49_500 / rehearse_text().split_whitespace().count() + 1;
    std::fs::write(&text, format!("{} ", rehearse_text()).repeat(words)).expect("write");
    let out = run(home.path(), &["score", s(&text), "--no-encoder", "--json"]);
    assert!(out.status.success(), "{}", common::stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["duration_s"].as_f64().expect("duration") > 5.0 * 3600.0);
    assert!(v["score"].as_u64().expect("score") <= 60, "{}", v["score"]);
    assert_eq!(v["score_cap"]["check"], "duration");
    let terminal = run(home.path(), &["score", s(&text), "--no-encoder"]);
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(shown.contains("score capped at 60"), "{shown}");
}

// 6. An answer that is not in English is said to be so, not scored as if it were.
#[test]
fn p6_answers_in_other_languages_are_flagged() {
    let home = tempfile::tempdir().expect("tmp");
    for (lang, text) in [
        (
            "French",
            "Je travaillais comme chef de projet dans une petite agence. J'ai oublié de vérifier le \
             contrat avant la signature, et le client a perdu deux semaines. Depuis, je relis toujours \
             chaque contrat avec un collègue avant de l'envoyer.",
        ),
        (
            "Mandarin",
            "我在一家小公司做项目经理。我忘记检查合同，客户损失了两个星期。从那以后，我总是和同事一起检查每一份合同。这让我学会了仔细工作的重要性。",
        ),
    ] {
        let f = home.path().join("answer.txt");
        std::fs::write(&f, text).expect("write");
        let out = run(home.path(), &["score", s(&f), "--no-encoder"]);
        assert!(out.status.success(), "{}", common::stderr_of(&out));
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(
            shown.contains(&format!("reads as {lang}")) && shown.contains("score 0/100"),
            "{shown}"
        );
    }
    // English is English, also non-native and all lower case.
    let f = home.path().join("answer.txt");
    std::fs::write(&f, rehearse_text().to_lowercase()).expect("write");
    let out = run(home.path(), &["score", s(&f), "--no-encoder", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.get("language").is_none(), "{}", v["language"]);
}

// 7. No output overwrites an input, however the path is spelled.
#[test]
fn p7_an_output_that_is_the_input_is_refused() {
    let home = tempfile::tempdir().expect("tmp");
    let text = home.path().join("answer.txt");
    std::fs::write(&text, rehearse_text()).expect("write");
    let before = std::fs::read(&text).expect("read");
    let link = home.path().join("same.txt");
    std::fs::hard_link(&text, &link).expect("link");
    let spelled = format!(
        "{}/./../{}/answer.txt",
        s(home.path()),
        home.path().file_name().expect("n").to_string_lossy()
    );
    for out_path in [s(&text).to_string(), spelled, s(&link).to_string()] {
        let out = run(
            home.path(),
            &["score", s(&text), "--no-encoder", "--json", "-o", &out_path],
        );
        assert_eq!(out.status.code(), Some(2), "-o {out_path}");
        assert!(common::stderr_of(&out).contains("would destroy it"));
        assert_eq!(std::fs::read(&text).expect("read"), before, "input changed");
    }
    if let Some(clip) = clip() {
        let wav = home.path().join("a.wav");
        std::fs::copy(&clip, &wav).expect("copy");
        let audio = std::fs::read(&wav).expect("read");
        let started = Instant::now();
        let out = run(home.path(), &["transcribe", s(&wav), "-o", s(&wav)]);
        assert_eq!(out.status.code(), Some(2));
        assert!(common::stderr_of(&out).contains("would destroy it"));
        assert_eq!(
            std::fs::read(&wav).expect("read"),
            audio,
            "recording changed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused before transcribing"
        );
    }
}

/// Runs a batch of two short clips into `out`.
fn batch(home: &Path, inputs: &Path, out: &Path, extra: &[&str]) -> std::process::Child {
    let mut args = vec![
        "batch",
        s(inputs),
        "--out",
        s(out),
        "--jobs",
        "1",
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    common::rehearse_in(home)
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn batch")
}

// 8. Concurrent runs lose nothing: a second batch writing the same summary is refused
// while the first runs, and shards writing their own summaries share a folder.
#[test]
fn p8_two_batches_into_one_folder_lose_no_rows() {
    let Some(clip) = clip() else { return };
    let home = tempfile::tempdir().expect("tmp");
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    for (dir, n) in [(&a, 3), (&b, 2)] {
        std::fs::create_dir_all(dir).expect("mkdir");
        for i in 0..n {
            std::fs::copy(&clip, dir.join(format!("{i}.wav"))).expect("copy");
        }
    }
    let out = home.path().join("results");
    let first = batch(home.path(), &a, &out, &[]);
    let lock = out.join(".summary.csv.lock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let second = batch(home.path(), &b, &out, &[])
        .wait_with_output()
        .expect("second");
    let first = first.wait_with_output().expect("first");
    assert!(first.status.success(), "{}", common::stderr_of(&first));
    assert_eq!(
        second.status.code(),
        Some(2),
        "{}",
        common::stderr_of(&second)
    );
    assert!(common::stderr_of(&second).contains("another rehearse batch"));
    let summary = std::fs::read_to_string(out.join("summary.csv")).expect("summary");
    assert_eq!(summary.lines().count(), 1 + 3, "{summary}");

    // Two shards of one folder, at once, into one output folder: both summaries whole.
    let all = home.path().join("all");
    std::fs::create_dir_all(&all).expect("mkdir");
    for i in 0..4 {
        std::fs::copy(&clip, all.join(format!("{i}.wav"))).expect("copy");
    }
    let shared = home.path().join("shared");
    let one = batch(home.path(), &all, &shared, &["--shard", "1/2"]);
    let two = batch(home.path(), &all, &shared, &["--shard", "2/2"]);
    for child in [one, two] {
        let o = child.wait_with_output().expect("shard");
        assert!(o.status.success(), "{}", common::stderr_of(&o));
    }
    let rows: usize = ["summary.shard-1-of-2.csv", "summary.shard-2-of-2.csv"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(shared.join(f))
                .expect("shard summary")
                .lines()
                .count()
                - 1
        })
        .sum();
    assert_eq!(rows, 4);
}

/// A tmpfs mounted at `dir` with `opts` (root only; `None` where mounting is not
/// allowed, which the caller reports).
fn tmpfs(dir: &Path, opts: &str) -> Option<Mounted> {
    std::fs::create_dir_all(dir).expect("mkdir");
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs", s(dir)])
        .status()
        .is_ok_and(|st| st.success());
    ok.then(|| Mounted(dir.to_path_buf()))
}

struct Mounted(PathBuf);
impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

// 10. A destination that cannot be written is reported before any work: a read-only
// and a full file system, for batch --out and for transcribe -o.
#[test]
fn p10_unwritable_destinations_fail_before_any_work() {
    let Some(clip) = clip() else { return };
    let home = tempfile::tempdir().expect("tmp");
    let inputs = home.path().join("in");
    std::fs::create_dir_all(&inputs).expect("mkdir");
    for i in 0..3 {
        std::fs::copy(&clip, inputs.join(format!("{i}.wav"))).expect("copy");
    }
    let ro = home.path().join("ro");
    let full = home.path().join("full");
    let (Some(_ro), Some(_full)) = (tmpfs(&ro, "ro,size=1m"), tmpfs(&full, "size=16k")) else {
        if common::required() {
            panic!("cannot mount a tmpfs (this test needs root)");
        }
        eprintln!("SKIPPED: cannot mount a tmpfs");
        return;
    };
    // Fill the small one.
    let _ = std::fs::write(full.join("filler"), vec![0u8; 64 << 10]);
    for dest in [&ro, &full] {
        let started = Instant::now();
        let out = run(
            home.path(),
            &[
                "batch",
                s(&inputs),
                "--out",
                s(&dest.join("results")),
                "--threads",
                "1",
            ],
        );
        let err = common::stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("cannot write to"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "worked first: {err}"
        );
        let out = run(
            home.path(),
            &["transcribe", s(&clip), "-o", s(&dest.join("t.json"))],
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(common::stderr_of(&out).contains("cannot write to"));
    }
}

// 11. Settings out of range are refused or cut to what the machine has, with a reason.
#[test]
fn p11_thread_beam_and_job_counts_are_bounded() {
    let home = tempfile::tempdir().expect("tmp");
    let wav = home.path().join("x.wav");
    common::write_wav(&wav, &[0.0; 1600]);
    for (args, says) in [
        (vec!["transcribe", s(&wav), "--threads", "0"], "--threads"),
        (
            vec!["transcribe", s(&wav), "--beam-size", "0"],
            "--beam-size",
        ),
        (vec!["transcribe", s(&wav), "--beam-size", "1000"], "1..=8"),
        (
            vec!["batch", s(&wav), "--out", "o", "--jobs", "0"],
            "--jobs",
        ),
    ] {
        let out = run(home.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            common::stderr_of(&out).contains(says),
            "{args:?}: {}",
            common::stderr_of(&out)
        );
    }
    if clip().is_some() {
        let started = Instant::now();
        let out = run(home.path(), &["transcribe", s(&wav), "--threads", "1000"]);
        assert!(out.status.success(), "{}", common::stderr_of(&out));
        assert!(common::stderr_of(&out).contains("cores; using"));
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}

// 12. WAVs streamed from a pipe (sizes 0xFFFFFFFF) or left unfinished (data size 0,
// samples after it) are read to their end, with a note that the header was repaired.
#[test]
fn p12_streamed_and_unfinished_wav_headers_are_repaired() {
    let Some(clip) = clip() else { return };
    let home = tempfile::tempdir().expect("tmp");
    let bytes = std::fs::read(&clip).expect("read");
    let data = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("data chunk");
    let reference = run(home.path(), &["transcribe", s(&clip), "--threads", "1"]);
    for (name, riff, size) in [("piped.wav", u32::MAX, u32::MAX), ("unfinished.wav", 36, 0)] {
        let mut b = bytes.clone();
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        b[data + 4..data + 8].copy_from_slice(&size.to_le_bytes());
        let f = home.path().join(name);
        std::fs::write(&f, b).expect("write");
        let out = run(home.path(), &["transcribe", s(&f), "--threads", "1"]);
        let err = common::stderr_of(&out);
        assert!(out.status.success(), "{name}: {err}");
        assert!(err.contains("WAV header"), "{name}: {err}");
        assert_eq!(out.stdout, reference.stdout, "{name}: another transcript");
    }
}

// 16. Small things a user meets.
#[test]
fn p16_small_errors_are_clear() {
    let home = tempfile::tempdir().expect("tmp");
    // The OS error is printed once.
    let out = run(home.path(), &["score", s(home.path())]);
    let err = common::stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    // --json and --format md contradict each other.
    let text = home.path().join("answer.txt");
    std::fs::write(&text, rehearse_text()).expect("write");
    let out = run(
        home.path(),
        &["score", s(&text), "--json", "--format", "md"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr_of(&out).contains("cannot be used with"));
    // A folder as --model says it is a folder.
    let out = run(
        home.path(),
        &["transcribe", s(&text), "--model", s(home.path())],
    );
    let err = common::stderr_of(&out);
    assert!(
        err.contains("is a folder") && !err.contains("damaged"),
        "{err}"
    );
    // Standard input and output.
    let mut child = common::rehearse_in(home.path())
        .args(["score", "-", "--no-encoder", "--json", "-o", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(rehearse_text().as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(v["schema"], "rehearse.report.v1");
    // A binary file named .wav: no internal codec numbers.
    let bin = home.path().join("binary.wav");
    std::fs::write(&bin, [b"RIFF".as_slice(), &[0x55; 2000]].concat()).expect("write");
    let err = common::stderr_of(&run(home.path(), &["transcribe", s(&bin)]));
    assert!(
        err.contains("binary.wav") && !err.contains("CodecId"),
        "{err}"
    );
    // Transcribing silence says so.
    if clip().is_some() {
        let silent = home.path().join("silent.wav");
        common::write_wav(&silent, &vec![0.0; 16000 * 3]);
        let out = run(home.path(), &["transcribe", s(&silent)]);
        assert!(common::stderr_of(&out).contains("no speech found"));
    }
    // An offline download points at model import.
    let out = common::rehearse_in(home.path())
        .env("REHEARSE_MODEL_BASE_URL", "http://127.0.0.1:9/models")
        .env("REHEARSE_MODELS_DIR", home.path().join("m"))
        .args(["model", "download", "base.en"])
        .output()
        .expect("run");
    assert!(common::stderr_of(&out).contains("rehearse model import"));
}

// 14. Without a sound card: only devices that can record are listed, the audio
// libraries' noise stays quiet, and the user is told what to check.
#[test]
fn p14_no_sound_card_gets_a_checklist_and_no_library_noise() {
    let home = tempfile::tempdir().expect("tmp");
    let empty = home.path().join("empty-alsa.conf");
    std::fs::write(&empty, "\n").expect("write");
    let out = common::rehearse_in(home.path())
        .env("ALSA_CONFIG_PATH", &empty)
        .arg("devices")
        .output()
        .expect("run");
    let err = common::stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.contains("no input device that can record") && err.contains("`--device NAME`"),
        "{err}"
    );
    let out = common::rehearse_in(home.path())
        .env("ALSA_CONFIG_PATH", &empty)
        .args(["practice", "--max-seconds", "2"])
        .output()
        .expect("run");
    let err = common::stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the sound server runs"), "{err}");
    // With this machine's own audio configuration, whatever it has: no probing noise,
    // and no device listed that cannot record.
    let out = common::rehearse_in(home.path())
        .arg("devices")
        .output()
        .expect("run");
    let err = common::stderr_of(&out);
    assert!(
        !err.contains("ALSA lib") && !err.contains("jack server"),
        "{err}"
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(!listed.contains("0–0 channels"), "{listed}");
}

/// Peak resident memory (VmHWM, MB) of a child, read from /proc until it exits.
fn peak_mb(mut cmd: std::process::Command) -> (f64, Output) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = std::thread::spawn(move || {
        let mut peak = 0f64;
        while rx.try_recv().is_err() {
            if let Ok(s) = std::fs::read_to_string(&status)
                && let Some(kb) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<f64>().ok())
            {
                peak = peak.max(kb / 1024.0);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        peak
    });
    let out = child.wait_with_output().expect("wait");
    let _ = tx.send(());
    (watcher.join().expect("watcher"), out)
}

/// A 16 kHz 16-bit WAV: `speech` at the start and the end, a room's hiss between,
/// `minutes` long in all.
fn long_recording(path: &Path, speech: &[f32], minutes: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create");
    let total = (minutes * 60.0 * 16_000.0) as usize;
    let hiss = total.saturating_sub(2 * speech.len());
    let mut put = |v: f32| {
        w.write_sample((v.clamp(-1.0, 1.0) * 32767.0) as i16)
            .expect("w")
    };
    speech.iter().for_each(|s| put(*s));
    common::hiss(hiss, 0.002).into_iter().for_each(&mut put);
    speech.iter().for_each(|s| put(*s));
    w.finalize().expect("finalize");
}

// 13. Memory does not grow with the length of a recording: a 40-minute one is
// transcribed in pieces as it is decoded, within 50 MB of a 3-minute one.
#[test]
fn p13_a_long_recording_needs_no_more_memory_than_a_short_one() {
    let Some(clip) = clip() else { return };
    let home = tempfile::tempdir().expect("tmp");
    let speech = rehearse::audio::decode_wav_16k(&clip, &mut |_, _| {})
        .expect("clip")
        .samples;
    let (short, long) = (home.path().join("short.wav"), home.path().join("long.wav"));
    long_recording(&short, &speech, 3.0);
    long_recording(&long, &speech, 40.0);
    let mut peaks = Vec::new();
    for f in [&short, &long] {
        let mut cmd = common::rehearse_in(home.path());
        cmd.args(["transcribe", s(f), "--json", "--threads", "1"]);
        let (peak, out) = peak_mb(cmd);
        assert!(out.status.success(), "{}", common::stderr_of(&out));
        let t: rehearse::transcript::Transcript =
            serde_json::from_slice(&out.stdout).expect("transcript");
        // Both stretches of speech are there, at the start and at the end.
        assert!(
            t.words.first().is_some_and(|w| w.start < 2.0),
            "{}",
            t.text()
        );
        assert!(
            t.words.last().is_some_and(|w| w.end > t.duration_s - 15.0),
            "{}",
            t.text()
        );
        peaks.push(peak);
    }
    assert!(
        peaks[1] <= peaks[0] + 50.0,
        "40 minutes peaked at {:.0} MB, 3 minutes at {:.0} MB",
        peaks[1],
        peaks[0]
    );
}
