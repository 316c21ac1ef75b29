//! The HTML report in a real browser: Debian's Chromium, headless (scripts/setup
//! installs it). A probe script added to a copy of the page clicks as a user would and
//! writes what it saw into the page title, which `--dump-dom` hands back.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    common::need(Path::new("/usr/bin/chromium"))
}

/// Runs at the top of the page: records script errors and every resource the page loads.
const PROBE_HEAD: &str = "<script>window.__errs=[];window.addEventListener('error',function(e){__errs.push(String(e.message))});\
var ce=console.error;console.error=function(){__errs.push([].join.call(arguments,' '));ce.apply(console,arguments)};</script>";

/// Runs after the page's own script: clicks sentence `k` and reports what happened.
fn probe_tail(k: usize) -> String {
    format!(
        "<script>window.addEventListener('load',function(){{\
var b=document.querySelectorAll('.sent button.s')[{k}];var a=document.getElementById('audio');\
var want=b?parseFloat(b.getAttribute('data-t')):null;if(b)b.click();\
var segs=[].map.call(document.querySelectorAll('rect.seg'),function(r){{return {{x:parseFloat(r.getAttribute('x')),fill:r.getAttribute('fill'),phase:r.getAttribute('data-phase')}}}});\
var res=performance.getEntriesByType('resource').map(function(e){{return e.name}});\
document.title=JSON.stringify({{errs:__errs,want:want,now:a?a.currentTime:null,segs:segs,res:res,pwned:!!window.__pwned,\
text:[].map.call(document.querySelectorAll('.sent'),function(s){{return s.textContent}})}});}});</script>"
    )
}

/// The page as a browser leaves it, after the probe ran.
fn in_browser(page: &Path, k: usize, shot: &str) -> Value {
    let chrome = chromium().expect("chromium");
    let html = std::fs::read_to_string(page).expect("page");
    let probed = html
        .replacen("<head>", &format!("<head>{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{}</body>", probe_tail(k)), 1);
    let copy = page.with_extension("probe.html");
    std::fs::write(&copy, probed).expect("probe copy");
    let flags = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--virtual-time-budget=4000",
    ];
    let out = Command::new(&chrome)
        .args(flags)
        .arg("--dump-dom")
        .arg(format!("file://{}", copy.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    // A screenshot of the page itself for a person to look at.
    let shots = common::root().join("target/html-screenshots");
    let _ = std::fs::create_dir_all(&shots);
    let _ = Command::new(&chrome)
        .args(flags)
        .args(["--window-size=1000,1400", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shots.join(shot).display()))
        .arg(format!("file://{}", page.display()))
        .output();
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_else(|| {
            panic!(
                "no title in the DOM:\n{dom}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let title = title
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&title).unwrap_or_else(|e| panic!("{e}: {title}"))
}

fn score(args: &[&str]) -> std::process::Output {
    common::rehearse()
        .arg("score")
        .args(args)
        .output()
        .expect("run rehearse")
}

/// A recording's page: no script errors, nothing fetched but the recording itself, one
/// timeline segment per sentence in its phase's colour and in time order, and a click
/// on a sentence moves the audio to that sentence's start.
#[test]
fn a_recordings_page_seeks_to_a_clicked_sentence_in_chromium() {
    if chromium().is_none() {
        return;
    }
    let Some(wav) = common::need(&common::root().join("fixtures/sample-answer.wav")) else {
        return;
    };
    common::engine();
    let dir = tempfile::tempdir().expect("tmp");
    let page = dir.path().join("sample.html");
    let json = score(&[wav.to_str().expect("utf8"), "--json"]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let report: Value = serde_json::from_slice(&json.stdout).expect("report");
    let o = score(&[
        wav.to_str().expect("utf8"),
        "--format",
        "html",
        "-o",
        page.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sentences = report["sentences"].as_array().expect("sentences");
    assert!(sentences.len() >= 3);
    let seen = in_browser(&page, 2, "recording.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    for r in seen["res"].as_array().expect("resources") {
        let r = r.as_str().unwrap_or("");
        assert!(
            r.starts_with("file://") && r.ends_with("sample-answer.wav"),
            "fetched {r}"
        );
    }
    let segs = seen["segs"].as_array().expect("segments");
    assert_eq!(segs.len(), sentences.len(), "{seen}");
    let mut last = -1.0;
    for (seg, s) in segs.iter().zip(sentences) {
        assert_eq!(seg["phase"], s["phase"], "{seg} / {s}");
        assert!(seg["fill"].as_str().is_some_and(|f| f.starts_with('#')));
        let x = seg["x"].as_f64().expect("x");
        assert!(x > last, "segments in time order: {segs:?}");
        last = x;
    }
    let start = sentences[2]["start"].as_f64().expect("start");
    let now = seen["now"].as_f64().expect("currentTime");
    assert!(
        (now - start).abs() < 0.02,
        "clicked at {start}, audio at {now}"
    );
}

/// A draft whose text holds markup: it shows as text, and its script never runs.
#[test]
fn markup_in_the_transcript_is_shown_as_text_in_chromium() {
    if chromium().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let draft = dir.path().join("draft.txt");
    std::fs::write(
        &draft,
        "I pasted <script>window.__pwned=1</script> into the release notes and it broke the page. \
         I fixed the notes the same day. Since then I escape every field, and </svg> is just text.",
    )
    .expect("draft");
    let page = dir.path().join("draft.html");
    let o = score(&[
        draft.to_str().expect("utf8"),
        "--format",
        "html",
        "-o",
        page.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seen = in_browser(&page, 0, "escaping.png");
    assert_eq!(seen["pwned"], false, "{seen}");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    let text = seen["text"].to_string();
    assert!(
        text.contains("<script") && text.contains("</svg>"),
        "{text}"
    );
}

/// Page sizes for a 3-minute answer (dev-10, 183 s): under 7 MB with the recording
/// embedded, under 200 KB without; the embedded page seeks in Chromium too.
#[test]
fn a_three_minute_answer_embeds_under_7_mb_and_links_under_200_kb() {
    let Some(wav) = common::need(&common::fixture("answers/dev-10.wav")) else {
        return;
    };
    common::engine();
    let dir = tempfile::tempdir().expect("tmp");
    let (linked, embedded) = (
        dir.path().join("linked.html"),
        dir.path().join("embedded.html"),
    );
    for (page, embed) in [(&linked, false), (&embedded, true)] {
        let mut args = vec![
            wav.to_str().expect("utf8"),
            "--format",
            "html",
            "-o",
            page.to_str().expect("utf8"),
        ];
        if embed {
            args.push("--embed-audio");
        }
        let o = score(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let size = |p: &Path| std::fs::metadata(p).expect("page").len();
    assert!(size(&linked) < 200_000, "{} bytes", size(&linked));
    assert!(size(&embedded) < 7_000_000, "{} bytes", size(&embedded));
    let html = std::fs::read_to_string(&embedded).expect("page");
    assert!(
        html.contains("src=\"data:audio/wav;base64,") && html.contains("embedded in this page")
    );
    if chromium().is_some() {
        let seen = in_browser(&embedded, 3, "embedded.png");
        assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
        let want = seen["want"].as_f64().expect("start");
        let now = seen["now"].as_f64().expect("currentTime");
        assert!(
            (now - want).abs() < 0.02,
            "clicked at {want}, audio at {now}"
        );
    }
}
