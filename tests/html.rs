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
var segs0=document.querySelectorAll('rect.seg');var ks=segs0[segs0.length-1];var keyWant=null,keyNow=null;\
if(ks&&a){{ks.focus();ks.dispatchEvent(new KeyboardEvent('keydown',{{key:'Enter',bubbles:true}}));keyWant=parseFloat(ks.getAttribute('data-t'));keyNow=a.currentTime;}}\
var want=b?parseFloat(b.getAttribute('data-t')):null;if(b)b.click();\
var segs=[].map.call(document.querySelectorAll('rect.seg'),function(r){{return {{x:parseFloat(r.getAttribute('x')),fill:r.getAttribute('fill'),phase:r.getAttribute('data-phase')}}}});\
var res=performance.getEntriesByType('resource').map(function(e){{return e.name}});\
document.title=JSON.stringify({{errs:__errs,want:want,now:a?a.currentTime:null,keyWant:keyWant,keyNow:keyNow,focused:document.activeElement===ks,segs:segs,res:res,pwned:!!window.__pwned,\
text:[].map.call(document.querySelectorAll('.sent'),function(s){{return s.textContent}})}});}});</script>"
    )
}

/// The page as a browser leaves it, after the probe that clicks sentence `k` ran.
fn in_browser(page: &Path, k: usize, shot: &str) -> Value {
    in_browser_with(page, &probe_tail(k), shot)
}

/// The page as a browser leaves it, after `probe` (a script that ends by writing
/// JSON into the title) ran.
fn in_browser_with(page: &Path, probe: &str, shot: &str) -> Value {
    let chrome = chromium().expect("chromium");
    let html = std::fs::read_to_string(page).expect("page");
    let probed = html
        .replacen("<head>", &format!("<head>{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{probe}</body>"), 1);
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
    assert_eq!(network_requests(&page), Vec::<String>::new());
    let segs = seen["segs"].as_array().expect("segments");
    assert_eq!(segs.len(), sentences.len(), "{seen}");
    let mut last = -1.0;
    // One colour per phase, a different one for each phase.
    let mut colour_of = std::collections::BTreeMap::new();
    for seg in segs {
        let (phase, fill) = (seg["phase"].to_string(), seg["fill"].to_string());
        assert_eq!(
            colour_of.entry(phase).or_insert(fill.clone()),
            &fill,
            "{segs:?}"
        );
    }
    let mut fills: Vec<&String> = colour_of.values().collect();
    fills.sort();
    fills.dedup();
    assert_eq!(
        fills.len(),
        colour_of.len(),
        "phases share a colour: {colour_of:?}"
    );
    for (seg, s) in segs.iter().zip(sentences) {
        assert_eq!(seg["phase"], s["phase"], "{seg} / {s}");
        let x = seg["x"].as_f64().expect("x");
        assert!(x > last, "segments in time order: {segs:?}");
        last = x;
    }
    // From the keyboard: Enter on the last timeline segment plays from its start.
    assert_eq!(seen["focused"], true, "a segment takes the focus: {seen}");
    let (kw, kn) = (seen["keyWant"].as_f64(), seen["keyNow"].as_f64());
    assert!(
        kw.zip(kn)
            .is_some_and(|(w, n)| (w - n).abs() < 0.02 && w > 0.0),
        "Enter on a segment: {seen}"
    );
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

/// What a page asks of the network: Chromium is pointed at a loopback proxy that
/// logs every http(s) request and answers 404, so a page that fetches anything from
/// anywhere (a CDN, a font, an image) shows up here. The browser's own background
/// calls (Google's update, clock and account services) are left out: they are not
/// the page's.
fn network_requests(page: &Path) -> Vec<String> {
    use std::io::{BufRead, BufReader, Write};
    let chrome = chromium().expect("chromium");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            let _ = reader.read_line(&mut line);
            log.lock().expect("log").push(line.trim().to_string());
            let _ = (&stream).write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let _ = Command::new(&chrome)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--proxy-server=http://127.0.0.1:{port}"))
        .arg("--proxy-bypass-list=<-loopback>")
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let browser_own = [
        "clients2.google.com/time/",
        "update.googleapis.com",
        "accounts.google.com:443",
    ];
    let all = seen.lock().expect("log").clone();
    all.into_iter()
        .filter(|r| !browser_own.iter().any(|b| r.contains(b)))
        .collect()
}

/// Three takes (one a drill round) scored through `takes show`, as a user would have
/// them after three sessions.
fn three_takes(dir: &Path) -> Option<PathBuf> {
    let answers = ["dev-07", "dev-12", "dev-04"];
    let wavs: Vec<PathBuf> = answers
        .iter()
        .map(|a| common::need(&common::fixture(&format!("answers/{a}.wav"))))
        .collect::<Option<_>>()?;
    common::engine()?;
    let takes = dir.join("takes");
    for (i, wav) in wavs.iter().enumerate() {
        let take = takes.join(format!("2026010{}-090000", i + 1));
        std::fs::create_dir_all(&take).expect("take folder");
        std::fs::copy(wav, take.join("audio.wav")).expect("audio");
    }
    std::fs::write(
        takes.join("20260102-090000/drill.json"),
        r#"{"kind":"clean"}"#,
    )
    .expect("drill");
    for n in ["1", "2", "3"] {
        let o = takes_cmd(&takes, &["show", n, "--json"]);
        assert!(o.status.success(), "{}", common::stderr_of(&o));
    }
    Some(takes)
}

fn takes_cmd(takes: &Path, args: &[&str]) -> std::process::Output {
    common::rehearse()
        .arg("takes")
        .arg("--takes-dir")
        .arg(takes)
        .args(args)
        .output()
        .expect("run rehearse")
}

/// Counts what a page shows, for the probes below.
const COUNT_PROBE: &str = "<script>window.addEventListener('load',function(){\
var q=function(s){return document.querySelectorAll(s).length};\
document.title=JSON.stringify({errs:__errs,charts:q('svg.chart'),points:q('svg.chart .pt'),drills:q('svg.chart .pt.drill'),\
links:[].map.call(document.querySelectorAll('table a'),function(a){return a.getAttribute('href')}),rows:q('tbody tr'),\
bars:q('svg.bar rect'),text:document.body.innerText});});</script>";

/// The progress view: a chart per measure with a point per take (the drill round a
/// square), a table linking each take's page; each take's page plays its own audio;
/// `takes compare` shows the time per phase. Pages make no network request; the
/// terminal's `rehearse progress` and `takes compare` say the same.
#[test]
fn the_progress_view_charts_every_take_and_links_their_pages() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some(takes) = three_takes(dir.path()) else {
        return;
    };
    let o = takes_cmd(&takes, &["--html"]);
    assert!(o.status.success(), "{}", common::stderr_of(&o));
    let progress = takes.join("progress.html");
    assert!(String::from_utf8_lossy(&o.stdout).contains("progress.html (3 takes"));

    let terminal = common::rehearse()
        .args(["progress", "--takes-dir"])
        .arg(&takes)
        .output()
        .expect("progress");
    let text = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        text.starts_with("3 takes (2 practice, 1 drill rounds)"),
        "{text}"
    );
    for measure in [
        "length",
        "failure share",
        "fillers/min",
        "hedges/100 words",
        "score",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(measure)),
            "{measure}: {text}"
        );
    }
    let compare = takes_cmd(&takes, &["compare", "1", "3"]);
    let text = String::from_utf8_lossy(&compare.stdout);
    assert!(compare.status.success(), "{}", common::stderr_of(&compare));
    assert!(
        text.contains("  learning ") && text.contains("checks that changed"),
        "{text}"
    );
    let page = dir.path().join("compare.html");
    let o = takes_cmd(
        &takes,
        &[
            "compare",
            "1",
            "3",
            "--format",
            "html",
            "-o",
            page.to_str().expect("utf8"),
        ],
    );
    assert!(o.status.success(), "{}", common::stderr_of(&o));

    if chromium().is_none() {
        return;
    }
    let seen = in_browser_with(&progress, COUNT_PROBE, "progress.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    assert_eq!(seen["charts"], 5, "{seen}");
    assert_eq!(seen["points"], 15, "a point per take on each chart: {seen}");
    assert_eq!(
        seen["drills"], 5,
        "the drill round is a square on each: {seen}"
    );
    assert_eq!(seen["rows"], 3);
    let links = seen["links"].as_array().expect("links");
    assert_eq!(links.len(), 3, "{seen}");
    for l in links {
        let page = takes.join(l.as_str().expect("href"));
        assert!(page.is_file(), "{} does not exist", page.display());
    }
    // A take's page: its own recording, and a click seeks it.
    let take_page = takes.join("20260103-090000/report.html");
    let html = std::fs::read_to_string(&take_page).expect("take page");
    assert!(
        html.contains("src=\"audio.wav\""),
        "links the take's own audio"
    );
    let seen = in_browser(&take_page, 2, "take.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    let (want, now) = (
        seen["want"].as_f64().expect("start"),
        seen["now"].as_f64().expect("now"),
    );
    assert!(
        (now - want).abs() < 0.02,
        "clicked at {want}, audio at {now}"
    );

    let seen = in_browser_with(&page, COUNT_PROBE, "compare.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    assert!(seen["bars"].as_u64().unwrap_or(0) >= 2, "{seen}");
    assert!(
        seen["text"]
            .as_str()
            .unwrap_or("")
            .contains("Checks that changed")
    );

    for p in [&progress, &take_page, &page] {
        assert_eq!(network_requests(p), Vec::<String>::new(), "{}", p.display());
    }
}

/// The no-network check can fail: a page that loads from a CDN is caught.
#[test]
fn the_network_check_catches_a_page_that_fetches() {
    if chromium().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let page = dir.path().join("fetches.html");
    std::fs::write(
        &page,
        "<html><body><img src=\"http://example.com/x.png\"><script src=\"https://cdn.example.com/x.js\"></script></body></html>",
    )
    .expect("page");
    let seen = network_requests(&page);
    assert!(
        seen.iter().any(|r| r.contains("example.com/x.png")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|r| r.contains("cdn.example.com:443")),
        "{seen:?}"
    );
}

/// A batch of three with --html: a page per file beside its reports and an index
/// whose rows link to them, sort by a column when its name is pressed, and whose
/// histograms count every answer; nothing fetched.
#[test]
fn a_batch_writes_a_page_per_file_and_a_sortable_index() {
    let answers = ["dev-07", "dev-12", "dev-04"];
    let Some(wavs) = answers
        .iter()
        .map(|a| common::need(&common::fixture(&format!("answers/{a}.wav"))))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    if common::engine().is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let cohort = dir.path().join("cohort a#1");
    std::fs::create_dir(&cohort).expect("cohort");
    for w in &wavs {
        std::fs::copy(w, cohort.join(w.file_name().expect("name"))).expect("copy");
    }
    let out = dir.path().join("out");
    let o = common::rehearse()
        .arg("batch")
        .arg(&cohort)
        .arg("-o")
        .arg(&out)
        .arg("--html")
        .output()
        .expect("batch");
    assert!(o.status.success(), "{}", common::stderr_of(&o));
    let index = out.join("index.html");
    assert!(common::stderr_of(&o).contains("index.html"));
    for a in answers {
        let page = out.join(format!("{a}.wav.html"));
        let html = std::fs::read_to_string(&page).expect("a page per file");
        assert!(
            html.contains(&format!("src=\"../cohort%20a%231/{a}.wav\"")),
            "{a}: links its recording"
        );
    }
    if chromium().is_none() {
        return;
    }
    // Sort by score (the second column): ascending, then descending.
    let probe = "<script>window.addEventListener('load',function(){\
var col=function(){return [].map.call(document.querySelectorAll('#rows tbody tr'),function(r){return parseFloat(r.cells[1].getAttribute('data-v'))})};\
var b=document.querySelectorAll('#rows th button');b[1].click();var up=col();b[1].click();var down=col();\
var counts=[].map.call(document.querySelectorAll('svg.hist'),function(h){return [].reduce.call(h.querySelectorAll('rect.bar title'),function(n,t){return n+parseInt(t.textContent.split(': ').pop())},0)});\
document.title=JSON.stringify({errs:__errs,up:up,down:down,counts:counts,\
links:[].map.call(document.querySelectorAll('#rows a'),function(a){return decodeURIComponent(a.getAttribute('href'))})});});</script>";
    let seen = in_browser_with(&index, probe, "index.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    let nums = |k: &str| -> Vec<f64> {
        seen[k]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_f64)
            .collect()
    };
    let (up, down) = (nums("up"), nums("down"));
    assert_eq!(up.len(), 3, "{seen}");
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending: {up:?}");
    assert!(
        down.windows(2).all(|w| w[0] >= w[1]),
        "descending: {down:?}"
    );
    assert_eq!(
        nums("counts"),
        vec![3.0, 3.0],
        "each histogram counts every answer: {seen}"
    );
    let links = seen["links"].as_array().expect("links");
    assert_eq!(links.len(), 3);
    for l in links {
        assert!(out.join(l.as_str().expect("href")).is_file(), "{l}");
    }
    // A file's page: one segment per sentence of its report, and a click seeks.
    let page = out.join("dev-04.wav.html");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("dev-04.wav.json")).expect("report"),
    )
    .expect("json");
    let seen = in_browser(&page, 3, "batch-page.png");
    assert_eq!(seen["errs"].as_array().map(Vec::len), Some(0), "{seen}");
    assert_eq!(
        seen["segs"].as_array().map(Vec::len),
        report["sentences"].as_array().map(Vec::len)
    );
    let (want, now) = (
        seen["want"].as_f64().expect("start"),
        seen["now"].as_f64().expect("now"),
    );
    assert!(
        (now - want).abs() < 0.02,
        "clicked at {want}, audio at {now}"
    );
    for p in [&index, &page] {
        assert_eq!(network_requests(p), Vec::<String>::new(), "{}", p.display());
    }
}
