//! An answer's page: the story's timeline against the target shape, the checks worst
//! first, and the transcript. With a recording, clicking (or Enter on) a sentence, a
//! tick or a piece of evidence plays from that moment, and the sentence being played
//! is highlighted.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Recording, colour, escape};
use crate::analysis::checks::{Status, clock};
use crate::analysis::{Analysis, Hit, Phase, Report};
use crate::report::ReportFormat;

/// The answer's page, playing `audio` (the caller decides: linked, embedded or none;
/// see [`Recording::for_page`]).
pub struct Html {
    pub audio: Recording,
}

/// Width of the timeline's drawing, in SVG units.
const W: f64 = 1000.0;
/// The timeline always shows at least the 3:00 mark.
const MIN_SPAN_S: f64 = 180.0;

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

/// A focusable SVG element that seeks like a button: `tabindex` puts it in the
/// keyboard order, and the page's script answers Enter and Space on it.
fn svg_seek_attrs(t: f64, label: &str) -> String {
    format!(
        "data-t=\"{t:.2}\" tabindex=\"0\" role=\"button\" aria-label=\"{}\"",
        escape(label)
    )
}

fn timeline(r: &Report) -> String {
    let span = r.duration_s.max(MIN_SPAN_S) * 1.05;
    let x = |t: f64| (t.max(0.0) / span * W).min(W);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} 110\" role=\"group\" aria-label=\"the answer's phases over time, and the target shape below\">"
    );
    for (i, sen) in r.sentences.iter().enumerate() {
        let (x0, x1) = (x(sen.start), x(sen.end.max(sen.start)));
        let what = format!(
            "{} {}–{}: {}",
            sen.phase.name(),
            clock(sen.start),
            clock(sen.end),
            sen.text
        );
        let _ = write!(
            s,
            "<rect class=\"seg\" data-i=\"{i}\" data-phase=\"{}\" {} x=\"{x0:.1}\" y=\"10\" width=\"{:.1}\" height=\"36\" fill=\"{}\"><title>{}</title></rect>",
            sen.phase.name(),
            svg_seek_attrs(sen.start, &what),
            (x1 - x0).max(0.5),
            colour(sen.phase),
            escape(&what)
        );
        if x1 - x0 > 14.0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"33\" class=\"lbl\" aria-hidden=\"true\">{}</text>",
                (x0 + x1) / 2.0,
                crate::report::phase_letter(sen.phase)
            );
        }
    }
    // (class, what the tick is called, the hits): every red flag is a tick too.
    let f = &r.flags;
    let ticks: [(&str, &str, &[Hit]); 7] = [
        ("filler", "filler", &r.fillers.hits),
        ("hedge", "hedge", &r.hedges.hits),
        ("flag", "blame", &f.blame),
        ("flag", "humble-brag", &f.fake_failure),
        ("flag", "over-apology", &f.over_apology),
        ("flag", "catastrophising", &f.catastrophic),
        ("flag", "red-flag topic", &f.red_flag_topic),
    ];
    for (class, kind, hits) in ticks {
        for h in hits {
            let what = format!("{kind} “{}” at {}", h.text, clock(h.start));
            let _ = write!(
                s,
                "<line class=\"tick {class}\" {} x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"46\" y2=\"56\"><title>{}</title></line>",
                svg_seek_attrs(h.start, &what),
                escape(&what),
                x = x(h.start)
            );
        }
    }
    for p in &r.pace.long_pauses {
        let what = format!("pause of {:.1} s at {}", p.seconds, clock(p.start));
        let _ = write!(
            s,
            "<rect class=\"pause\" {} x=\"{:.1}\" y=\"48\" width=\"{:.1}\" height=\"6\"><title>{}</title></rect>",
            svg_seek_attrs(p.start, &what),
            x(p.start),
            (x(p.end) - x(p.start)).max(1.0),
            escape(&what)
        );
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
            crate::report::phase_letter(phase)
        );
        t += share * total;
    }
    s.push_str("<text x=\"0\" y=\"100\" class=\"marklbl left\">target shape</text></svg>");
    s
}

const STYLE: &str = ".seg{cursor:pointer;stroke:#fff;stroke-width:1}.seg.playing{stroke:#000;stroke-width:3}\
.lbl{font:bold 14px sans-serif;fill:#000;text-anchor:middle}.lbl.small{font-size:11px}\
.tick{stroke:#000;stroke-width:2;cursor:pointer}.tick.hedge{stroke:#777}.tick.flag{stroke:#c00;stroke-width:3}.pause{fill:#999;cursor:pointer}\
.mark{stroke:#444;stroke-dasharray:4 3}.marklbl{font:11px sans-serif;text-anchor:middle;dominant-baseline:hanging}.marklbl.left{text-anchor:start}\
button.s,button.e{font:inherit;text-align:left;background:none;border:0;padding:.1em .2em;cursor:pointer;color:inherit}\
button.s:hover{outline:2px solid #0072B2}\
.sent{display:flex;gap:.6em;padding:.15em 0;border-left:6px solid transparent;padding-left:.4em}.sent.playing{background:#fff3c4}\
.ph{font-size:.8em;min-width:6.5em;color:#444}\
.check{margin:.3em 0}.st{display:inline-block;min-width:3.2em;font-weight:bold}.fail .st{color:#b00}.warn .st{color:#a60}.pass .st{color:#070}\
button.e{color:#0050a0;text-decoration:underline}\
@media print{button.e{color:#000;text-decoration:none}.sent.playing{background:none}}";

/// Seeks and plays on a click, or Enter/Space on a focused timeline element, and marks
/// the sentence being played; without a recording (a draft), the click marks the
/// sentence and scrolls it into view, so evidence still leads to its place.
const SCRIPT: &str = "(function(){var a=document.getElementById('audio');\
var sents=[].slice.call(document.querySelectorAll('.sent'));var segs=[].slice.call(document.querySelectorAll('.seg'));\
function show(t,scroll){sents.forEach(function(s,i){var on=t>=parseFloat(s.dataset.start)&&t<parseFloat(s.dataset.end);\
s.classList.toggle('playing',on);if(segs[i])segs[i].classList.toggle('playing',on);if(on&&scroll&&s.scrollIntoView)s.scrollIntoView({block:'nearest'});});}\
function go(el){if(!el)return;var t=parseFloat(el.getAttribute('data-t'));show(t,!el.classList.contains('s'));if(!a)return;a.currentTime=t;var p=a.play();if(p&&p.catch)p.catch(function(){});}\
document.addEventListener('click',function(e){go(e.target.closest('[data-t]'));});\
document.addEventListener('keydown',function(e){var el=e.target;if((e.key==='Enter'||e.key===' ')&&el.getAttribute&&el.getAttribute('role')==='button'&&el.hasAttribute('data-t')){e.preventDefault();go(el);}});\
if(!a)return;a.addEventListener('timeupdate',function(){show(a.currentTime,false);});})();";

impl Html {
    /// The page for a report (fresh, or read back from a saved report JSON).
    pub fn page(&self, r: &Report) -> String {
        let mut h = String::new();
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
        if let Some(line) = crate::report::cap_line(r) {
            let _ = write!(h, "<p><strong>{}</strong></p>", escape(&line));
        }
        const HOW: &str = "Click a sentence, a tick or a piece of evidence (or Tab to it and press Enter) to play from there.";
        match &self.audio {
            Recording::Embedded(data) => {
                let _ = write!(
                    h,
                    "<audio id=\"audio\" controls preload=\"auto\" src=\"{data}\"></audio><p class=\"noprint\">The recording is embedded in this page (16 kHz, 8-bit). {HOW}</p>"
                );
            }
            Recording::Linked(src) => {
                let _ = write!(
                    h,
                    "<audio id=\"audio\" controls preload=\"metadata\" src=\"{}\"></audio><p class=\"noprint\">The recording is linked, not embedded: keep it where it is. {HOW}</p>",
                    escape(src)
                );
            }
            Recording::Absent => {}
        }
        h.push_str("<h2>The shape of the story</h2>");
        h.push_str(&timeline(r));
        h.push_str(&super::legend(
            "<span>| ticks: filler, hedge (grey), red flags (red); grey bars: long pauses</span>",
        ));

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
        let _ = write!(
            h,
            "<p class=\"t\">{}</p>",
            escape(r.phase_labels.describe())
        );
        super::shell(&format!("rehearse: {}", r.input.path), STYLE, &h, SCRIPT)
    }
}

impl ReportFormat for Html {
    fn render(&self, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(self.page(&a.report).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, InputKind, Rubric, Timing, analyze};

    fn page(text: &str) -> (Analysis, String) {
        let t = transcript_from_text(text, 150.0);
        let info = InputInfo {
            path: "draft <b>.txt".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        let a = analyze(&t, info, &Rubric::builtin());
        let html = Html {
            audio: Recording::Absent,
        }
        .page(&a.report);
        (a, html)
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
            // Reachable and playable from the keyboard, and named for screen readers.
            assert!(seg.contains("tabindex=\"0\" role=\"button\" aria-label=\""));
            let x: f64 = seg
                .split(" x=\"")
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
