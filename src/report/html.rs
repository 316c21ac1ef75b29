//! HTML: one self-contained page (inline CSS, SVG and script; nothing fetched) with the
//! story's timeline against the target shape, the checks worst first, and the
//! transcript. For a recording the page links the audio, and clicking a sentence, a
//! tick or a piece of evidence plays from that moment.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::ReportFormat;
use crate::analysis::checks::{Status, clock};
use crate::analysis::{Analysis, Hit, InputKind, Phase, Report};

/// The page; `audio`, when given, is the recording embedded as a `data:` URL (see
/// [`embed_recording`]); otherwise a recording is linked by its path.
#[derive(Default)]
pub struct Html {
    pub audio: Option<String>,
}

/// The recording as a `data:` URL for the page: 16 kHz mono, 8-bit WAV (a 3-minute
/// answer is about 3.8 MB in the page; 16-bit would be 7.7 MB, over the budget for a
/// page that is mailed around). Speech stays intelligible at 8 bits.
pub fn embed_recording(path: &std::path::Path) -> Result<String, crate::audio::AudioError> {
    use base64::Engine as _;
    let audio = crate::audio::decode_file_16k(path, &mut |_, _| {})?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: crate::audio::TARGET_RATE,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    // Writing to memory cannot fail for want of space; a failure here is a bug in hound.
    if let Ok(mut w) = hound::WavWriter::new(&mut bytes, spec) {
        for s in &audio.samples {
            let _ = w.write_sample((s.clamp(-1.0, 1.0) * 127.0).round() as i8);
        }
        let _ = w.finalize();
    }
    Ok(format!(
        "data:audio/wav;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
    ))
}

/// Width of the timeline's drawing, in SVG units.
const W: f64 = 1000.0;
/// The timeline always shows at least the 3:00 mark.
const MIN_SPAN_S: f64 = 180.0;

/// Colours that stay apart for the common colour blindnesses (Okabe and Ito's
/// palette); each segment also carries its phase's letter and name.
fn colour(p: Phase) -> &'static str {
    match p {
        Phase::Situation => "#56B4E9",
        Phase::Task => "#009E73",
        Phase::Failure => "#D55E00",
        Phase::Response => "#E69F00",
        Phase::Learning => "#0072B2",
    }
}

/// Text for HTML (element content and quoted attribute values alike).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

/// The hits that are a check's evidence (same names as the report's fields).
fn evidence<'a>(r: &'a Report, id: &str) -> &'a [Hit] {
    match id {
        "fillers" => &r.fillers.hits,
        "hedges" => &r.hedges.hits,
        "quantified" => &r.quantified,
        "blame" => &r.flags.blame,
        "fake_failure" => &r.flags.fake_failure,
        "over_apology" => &r.flags.over_apology,
        "catastrophic" => &r.flags.catastrophic,
        "red_flag_topic" => &r.flags.red_flag_topic,
        _ => &[],
    }
}

/// An element that seeks the audio to `t` when clicked (or Enter/Space: it is a button).
fn seek(t: f64, label: &str, class: &str) -> String {
    format!(
        "<button type=\"button\" class=\"{class}\" data-t=\"{t:.2}\">{}</button>",
        escape(label)
    )
}

fn timeline(r: &Report) -> String {
    let span = r.duration_s.max(MIN_SPAN_S) * 1.05;
    let x = |t: f64| (t.max(0.0) / span * W).min(W);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} 110\" role=\"img\" aria-label=\"the answer's phases over time, and the target shape below\">"
    );
    for (i, sen) in r.sentences.iter().enumerate() {
        let (x0, x1) = (x(sen.start), x(sen.end.max(sen.start)));
        let _ = write!(
            s,
            "<rect class=\"seg\" data-i=\"{i}\" data-phase=\"{}\" data-t=\"{:.2}\" x=\"{x0:.1}\" y=\"10\" width=\"{:.1}\" height=\"36\" fill=\"{}\"><title>{} {}–{}: {}</title></rect>",
            sen.phase.name(),
            sen.start,
            (x1 - x0).max(0.5),
            colour(sen.phase),
            sen.phase.name(),
            clock(sen.start),
            clock(sen.end),
            escape(&sen.text)
        );
        if x1 - x0 > 14.0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"33\" class=\"lbl\">{}</text>",
                (x0 + x1) / 2.0,
                super::phase_letter(sen.phase)
            );
        }
    }
    let ticks: [(&str, &[Hit]); 3] = [
        ("filler", &r.fillers.hits),
        ("hedge", &r.hedges.hits),
        ("flag", &r.flags.blame),
    ];
    for (kind, hits) in ticks {
        for h in hits {
            let _ = write!(
                s,
                "<line class=\"tick {kind}\" data-t=\"{:.2}\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"46\" y2=\"54\"><title>{kind} “{}” at {}</title></line>",
                h.start,
                escape(&h.text),
                clock(h.start),
                x = x(h.start)
            );
        }
    }
    for (t, label) in [(120.0, "2:00"), (180.0, "3:00")] {
        let _ = write!(
            s,
            "<line class=\"mark\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"4\" y2=\"104\"/><text class=\"marklbl\" x=\"{x:.1}\" y=\"4\">{label}</text>",
            x = x(t)
        );
    }
    // The target: STAR 15/10/25/50 over the answer's own length, the failure part
    // of the action at most 10% of the whole.
    let total = r.duration_s.max(1.0);
    let mut t = 0.0;
    for (phase, share, name) in [
        (Phase::Situation, 0.15, "situation 15%"),
        (Phase::Task, 0.10, "task 10%"),
        (Phase::Failure, 0.10, "failure ≤ 10%"),
        (Phase::Response, 0.15, "response 15%"),
        (Phase::Learning, 0.50, "learning 50%"),
    ] {
        let (x0, x1) = (x(t), x(t + share * total));
        let _ = write!(
            s,
            "<rect class=\"target\" x=\"{x0:.1}\" y=\"66\" width=\"{:.1}\" height=\"20\" fill=\"{}\" opacity=\"0.55\"><title>target: {name}</title></rect><text x=\"{:.1}\" y=\"80\" class=\"lbl small\">{}</text>",
            x1 - x0,
            colour(phase),
            (x0 + x1) / 2.0,
            super::phase_letter(phase)
        );
        t += share * total;
    }
    s.push_str("<text x=\"0\" y=\"100\" class=\"marklbl left\">target shape</text></svg>");
    s
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:960px;margin:1em auto;padding:0 1em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\
.timeline{width:100%;height:auto}.seg{cursor:pointer;stroke:#fff;stroke-width:1}.seg.playing{stroke:#000;stroke-width:3}\
.lbl{font:bold 14px sans-serif;fill:#000;text-anchor:middle}.lbl.small{font-size:11px}\
.tick{stroke:#000;stroke-width:2;cursor:pointer}.tick.hedge{stroke:#777}.tick.flag{stroke:#c00;stroke-width:3}\
.mark{stroke:#444;stroke-dasharray:4 3}.marklbl{font:11px sans-serif;text-anchor:middle;dominant-baseline:hanging}.marklbl.left{text-anchor:start}\
.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:1em;height:1em;vertical-align:middle;margin-right:.3em;border:1px solid #0003}\
button.s,button.e{font:inherit;text-align:left;background:none;border:0;padding:.1em .2em;cursor:pointer;color:inherit}\
button.s:focus,button.e:focus,button.s:hover{outline:2px solid #0072B2}\
.sent{display:flex;gap:.6em;padding:.15em 0;border-left:6px solid transparent;padding-left:.4em}.sent.playing{background:#fff3c4}\
.ph{font-size:.8em;min-width:6.5em;color:#444}.t{color:#666;font-variant-numeric:tabular-nums}\
.check{margin:.3em 0}.st{display:inline-block;min-width:3.2em;font-weight:bold}.fail .st{color:#b00}.warn .st{color:#a60}.pass .st{color:#070}\
button.e{color:#0050a0;text-decoration:underline}\
@media print{audio,.noprint{display:none}button.e{color:#000;text-decoration:none}.sent.playing{background:none}body{max-width:none}}";

/// Seeks and plays on click; marks the sentence being played.
const SCRIPT: &str = "(function(){var a=document.getElementById('audio');\
var sents=[].slice.call(document.querySelectorAll('.sent'));var segs=[].slice.call(document.querySelectorAll('.seg'));\
document.addEventListener('click',function(e){var el=e.target.closest('[data-t]');if(!el||!a)return;\
a.currentTime=parseFloat(el.getAttribute('data-t'));var p=a.play();if(p&&p.catch)p.catch(function(){});});\
if(!a)return;a.addEventListener('timeupdate',function(){var t=a.currentTime;sents.forEach(function(s,i){\
var on=t>=parseFloat(s.dataset.start)&&t<parseFloat(s.dataset.end);s.classList.toggle('playing',on);\
if(segs[i])segs[i].classList.toggle('playing',on);});});})();";

impl ReportFormat for Html {
    fn render(&self, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
        let r = &a.report;
        let mut h = String::new();
        let title = format!("rehearse: {}", r.input.path);
        let _ = write!(
            h,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; media-src file: data:\">\
             <title>{}</title><style>{STYLE}</style></head><body>",
            escape(&title)
        );
        let _ = write!(
            h,
            "<h1>Score {}/100 · {}</h1><p>{} {} · {} words · {:.0} wpm · failure {:.0}% of the story (target ≤ 10%)</p>",
            r.score,
            escape(&r.input.path),
            clock(r.duration_s),
            r.input.timing.word(),
            r.words,
            r.wpm,
            r.failure_share * 100.0
        );
        if let Some(line) = super::cap_line(r) {
            let _ = write!(h, "<p><strong>{}</strong></p>", escape(&line));
        }
        if let Some(data) = &self.audio {
            let _ = write!(
                h,
                "<audio id=\"audio\" controls preload=\"auto\" src=\"{data}\"></audio><p class=\"noprint\">The recording is embedded in this page (16 kHz, 8-bit). Click a sentence, a tick or a piece of evidence to play from there.</p>"
            );
        } else if r.input.kind == InputKind::Audio {
            let src = std::fs::canonicalize(&r.input.path)
                .map(|p| format!("file://{}", p.display()))
                .unwrap_or_else(|_| r.input.path.clone());
            let _ = write!(
                h,
                "<audio id=\"audio\" controls preload=\"metadata\" src=\"{}\"></audio><p class=\"noprint\">The recording is linked, not embedded: keep it where it is. Click a sentence, a tick or a piece of evidence to play from there.</p>",
                escape(&src)
            );
        }
        h.push_str("<h2>The shape of the story</h2>");
        h.push_str(&timeline(r));
        h.push_str("<p class=\"legend\">");
        for p in Phase::ALL {
            let _ = write!(
                h,
                "<span><span class=\"sw\" style=\"background:{}\"></span>{} {}</span>",
                colour(p),
                super::phase_letter(p),
                p.name()
            );
        }
        h.push_str("<span>| ticks: filler, hedge (grey), blame (red)</span></p>");

        h.push_str("<h2>Checks, worst first</h2>");
        let mut checks: Vec<_> = r.checks.iter().collect();
        checks.sort_by_key(|c| match c.status {
            Status::Fail => 0,
            Status::Warn => 1,
            Status::Pass => 2,
        });
        for c in checks {
            let st = status_word(c.status);
            let _ = write!(
                h,
                "<div class=\"check {st}\"><span class=\"st\">{st}</span> <strong>{}</strong>: {}",
                escape(&c.id),
                escape(&c.message)
            );
            let hits = evidence(r, &c.id);
            if !hits.is_empty() && c.status != Status::Pass {
                h.push_str(" <span>");
                for hit in hits.iter().take(12) {
                    h.push_str(&seek(
                        hit.start,
                        &format!("“{}” {}", hit.text, clock(hit.start)),
                        "e",
                    ));
                }
                h.push_str("</span>");
            }
            h.push_str("</div>");
        }

        h.push_str("<h2>Transcript</h2>");
        for s in &r.sentences {
            let _ = write!(
                h,
                "<div class=\"sent\" data-start=\"{:.2}\" data-end=\"{:.2}\" style=\"border-left-color:{}\"><span class=\"t\">{}</span><span class=\"ph\">{}</span>{}</div>",
                s.start,
                s.end,
                colour(s.phase),
                clock(s.start),
                s.phase.name(),
                seek(s.start, &s.text, "s")
            );
        }
        let _ = writeln!(
            h,
            "<p class=\"t\">{}</p><script>{SCRIPT}</script></body></html>",
            escape(r.phase_labels.describe())
        );
        out.write_all(h.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, Rubric, Timing, analyze};

    fn page(text: &str) -> (Analysis, String) {
        let t = transcript_from_text(text, 150.0);
        let info = InputInfo {
            path: "draft <b>.txt".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        let a = analyze(&t, info, &Rubric::builtin());
        let mut out = Vec::new();
        Html::default().render(&a, &mut out).expect("render");
        (a, String::from_utf8(out).expect("utf8"))
    }

    #[test]
    fn transcript_text_is_escaped_not_markup() {
        let (_, html) = page(
            "I broke the build with a <script>alert(1)</script> tag. The chart had a </svg> in it. I learned to review.",
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("&lt;script"), "{html}");
        assert!(html.contains("&lt;/svg&gt;"), "{html}");
        assert_eq!(html.matches("</svg>").count(), 1, "one real SVG end");
        assert!(html.contains("draft &lt;b&gt;.txt"));
        // Exactly the page's own script.
        assert_eq!(html.matches("<script>").count(), 1);
    }

    #[test]
    fn the_timeline_has_one_segment_per_sentence_in_order_and_in_its_colour() {
        let (a, html) = page(
            "Last spring I led the launch of our billing page. I missed a currency bug and charged customers twice. I refunded everyone that night. Since then I test every currency before a release, and we have had no billing errors in six months.",
        );
        let segs: Vec<&str> = html.split("<rect class=\"seg\"").skip(1).collect();
        assert_eq!(segs.len(), a.report.sentences.len());
        let mut last_x = -1.0;
        for (seg, s) in segs.iter().zip(&a.report.sentences) {
            assert!(
                seg.contains(&format!("fill=\"{}\"", colour(s.phase))),
                "{seg}"
            );
            assert!(seg.contains(&format!("data-phase=\"{}\"", s.phase.name())));
            let x: f64 = seg
                .split("x=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|v| v.parse().ok())
                .expect("x");
            assert!(x > last_x, "segments run left to right");
            last_x = x;
        }
        // Nothing is fetched: no external URL anywhere in the page.
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
