//! Progress across takes (`rehearse takes --html`): a chart per measure against its
//! target, and the takes as a table linking to each take's page; and the comparison
//! of two takes (`rehearse takes compare A B --format html`).

use std::fmt::Write as _;

use super::{colour, escape, shell};
use crate::analysis::Rubric;
use crate::analysis::checks::clock;
use crate::report::compare::{Comparison, signed_clock, status_name};
use crate::report::progress::{Band, Measure, measures};
use crate::takes::TakeSummary;

const STYLE: &str = ".chart{margin:.5em 0 1.2em}.chart .line{fill:none;stroke:#333;stroke-width:2}\
.chart .pt{fill:#0072B2;stroke:#fff;stroke-width:1.5}.chart .pt.drill{fill:#E69F00}\
.chart .good{fill:#009E73;opacity:.15}.chart .ok{fill:#E69F00;opacity:.12}.chart .axis{stroke:#999}\
.chart text.ax{fill:#555;font-size:12px}.chart text.bl{fill:#333;font-size:11px}\
.bar text{font:bold 13px sans-serif;fill:#000;text-anchor:middle}";

/// Chart geometry (SVG units).
const X0: f64 = 70.0;
const X1: f64 = 980.0;
const Y0: f64 = 20.0;
const Y1: f64 = 160.0;

/// One measure over the takes: its target zone shaded, a point per scored take (a
/// square for drill rounds), each point a link to that take's page when it has one.
fn chart(m: &Measure, takes: &[&TakeSummary], links: &[Option<String>]) -> String {
    let values: Vec<Option<f64>> = takes.iter().map(|t| (m.value)(t)).collect();
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let mut hi = known.iter().copied().fold(0.0f64, f64::max);
    match m.band {
        Band::Between(_, b) => hi = hi.max(b),
        Band::AtMost { ok, .. } => hi = hi.max(ok),
        Band::Higher => hi = hi.max(100.0),
    }
    let hi = hi * 1.1 + 1e-9;
    let y = |v: f64| Y1 - (v / hi).clamp(0.0, 1.0) * (Y1 - Y0);
    let n = takes.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            (X0 + X1) / 2.0
        } else {
            X0 + i as f64 * (X1 - X0) / (n - 1) as f64
        }
    };
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 1000 190\" role=\"group\" aria-label=\"{} over {} takes; target {}\">",
        escape(m.name),
        takes.len(),
        escape(&m.band.describe(m.show))
    );
    let zone = |s: &mut String, class: &str, lo: f64, hi_v: f64, label: &str| {
        let _ = write!(
            s,
            "<rect class=\"{class}\" x=\"{X0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            y(hi_v),
            X1 - X0,
            (y(lo) - y(hi_v)).max(0.0),
            escape(label)
        );
    };
    match m.band {
        Band::Between(lo, b) => zone(
            &mut s,
            "good",
            lo,
            b,
            &format!("target {}–{}", (m.show)(lo), (m.show)(b)),
        ),
        Band::AtMost { good, ok } => {
            zone(
                &mut s,
                "ok",
                good,
                ok,
                &format!("acceptable up to {}", (m.show)(ok)),
            );
            zone(
                &mut s,
                "good",
                0.0,
                good,
                &format!("target up to {}", (m.show)(good)),
            );
        }
        Band::Higher => {}
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{X0}\" x2=\"{X1}\" y1=\"{Y1}\" y2=\"{Y1}\"/>"
    );
    let mut ticks = vec![0.0, hi / 1.1];
    match m.band {
        Band::Between(a, b) => ticks.extend([a, b]),
        Band::AtMost { good, ok } => ticks.extend([good, ok]),
        Band::Higher => {}
    }
    // Labels closer than a line of text to one already drawn are left out.
    let mut drawn: Vec<f64> = Vec::new();
    for v in ticks {
        if drawn.iter().any(|d| (y(*d) - y(v)).abs() < 12.0) {
            continue;
        }
        drawn.push(v);
        let _ = write!(
            s,
            "<text class=\"ax\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            X0 - 6.0,
            y(v) + 4.0,
            escape(&(m.show)(v))
        );
    }
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
        .collect();
    if points.len() > 1 {
        let _ = write!(
            s,
            "<polyline class=\"line\" points=\"{}\"/>",
            points.join(" ")
        );
    }
    for (i, (t, v)) in takes.iter().zip(&values).enumerate() {
        let _ = write!(
            s,
            "<text class=\"ax\" x=\"{:.1}\" y=\"180\" text-anchor=\"middle\">{}</text>",
            x(i),
            i + 1
        );
        let Some(v) = v else { continue };
        let kind = t
            .drill
            .as_deref()
            .map_or("practice".into(), |d| format!("{d} drill"));
        let label = format!("take {} ({}, {kind}): {}", i + 1, t.id, (m.show)(*v));
        let mark = if t.drill.is_some() {
            format!(
                "<rect class=\"pt drill\" x=\"{:.1}\" y=\"{:.1}\" width=\"11\" height=\"11\"><title>{}</title></rect>",
                x(i) - 5.5,
                y(*v) - 5.5,
                escape(&label)
            )
        } else {
            format!(
                "<circle class=\"pt\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"6\"><title>{}</title></circle>",
                x(i),
                y(*v),
                escape(&label)
            )
        };
        match links.get(i).and_then(Option::as_ref) {
            Some(href) => {
                let _ = write!(
                    s,
                    "<a href=\"{}\" aria-label=\"{}\">{mark}</a>",
                    escape(href),
                    escape(&label)
                );
            }
            None => s.push_str(&mark),
        }
    }
    s.push_str("</svg>");
    s
}

/// The progress page: `links[i]` is the URL of take `i`'s own page, if it has one.
pub fn progress_page(takes: &[TakeSummary], links: &[Option<String>], rubric: &Rubric) -> String {
    let idx: Vec<usize> = (0..takes.len()).filter(|&i| !takes[i].unscored).collect();
    let scored: Vec<&TakeSummary> = idx.iter().map(|&i| &takes[i]).collect();
    let scored_links: Vec<Option<String>> = idx
        .iter()
        .map(|&i| links.get(i).cloned().flatten())
        .collect();
    let drills = scored.iter().filter(|t| t.drill.is_some()).count();
    let mut h = format!(
        "<h1>Progress over {} takes</h1><p>{} practice takes and {drills} drill rounds, oldest first. \
         Shaded: the target (green) and the acceptable zone (amber). Circles are practice takes, squares drill rounds; each links to its take's page.</p>",
        scored.len(),
        scored.len() - drills
    );
    for m in measures(rubric) {
        let _ = write!(
            h,
            "<h2>{} <span class=\"t\">({})</span></h2>",
            escape(m.name),
            escape(&match m.band {
                Band::Higher => m.band.describe(m.show),
                _ => format!("target {}", m.band.describe(m.show)),
            })
        );
        h.push_str(&chart(&m, &scored, &scored_links));
    }
    h.push_str("<h2>Takes</h2><table><thead><tr><th>#</th><th>take</th><th>kind</th>");
    let ms = measures(rubric);
    for m in &ms {
        let _ = write!(h, "<th>{}</th>", escape(m.name));
    }
    h.push_str("</tr></thead><tbody>");
    for (i, t) in takes.iter().enumerate() {
        let name = match links.get(i).and_then(Option::as_ref) {
            Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(&t.id)),
            None => escape(&t.id),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{name}</td><td>{}</td>",
            i + 1,
            escape(t.drill.as_deref().unwrap_or(if t.unscored {
                "not scored"
            } else {
                "practice"
            }))
        );
        for m in &ms {
            let cell = match (m.value)(t) {
                Some(v) if m.band.meets(v) => format!("<td class=\"ok\">{} ✓</td>", (m.show)(v)),
                Some(v) => format!("<td>{}</td>", (m.show)(v)),
                None => "<td>–</td>".into(),
            };
            h.push_str(&cell);
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table><p class=\"t\">✓ = meets the target.</p>");
    shell("rehearse: progress", STYLE, &h, "")
}

/// Two stacked bars on one time axis: A's phases above B's.
fn phase_bars(c: &Comparison) -> String {
    let span = c.a.duration_s.max(c.b.duration_s).max(180.0) * 1.05;
    let x = |t: f64| t / span * 900.0;
    let mut s = String::from(
        "<svg class=\"bar\" viewBox=\"0 0 1000 100\" role=\"img\" aria-label=\"time per phase, take A above take B\">",
    );
    for (row, name, pick) in [
        (
            0,
            "A",
            (|p: &crate::report::compare::PhaseTime| p.a_s) as fn(&_) -> f64,
        ),
        (1, "B", |p| p.b_s),
    ] {
        let y = 10.0 + row as f64 * 45.0;
        let _ = write!(s, "<text x=\"20\" y=\"{:.0}\">{name}</text>", y + 22.0);
        let mut t = 0.0;
        for p in &c.phases {
            let w = pick(p);
            if w <= 0.0 {
                continue;
            }
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.0}\" width=\"{:.1}\" height=\"34\" fill=\"{}\"><title>{name}: {} {}</title></rect>",
                80.0 + x(t),
                x(w),
                colour(p.phase),
                p.phase.name(),
                clock(w)
            );
            if x(w) > 16.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.0}\">{}</text>",
                    80.0 + x(t) + x(w) / 2.0,
                    y + 22.0,
                    crate::report::phase_letter(p.phase)
                );
            }
            t += w;
        }
    }
    s.push_str("</svg>");
    s
}

/// The comparison of two takes; `links` are the URLs of A's and B's own pages.
pub fn compare_page(c: &Comparison, links: [Option<String>; 2]) -> String {
    let name = |side: &crate::report::compare::Side, link: &Option<String>| match link {
        Some(href) => format!("<a href=\"{}\">{}</a>", escape(href), escape(&side.name)),
        None => escape(&side.name),
    };
    let mut h = format!(
        "<h1>Take {} against take {}</h1><p>A = {}, B = {}</p><h2>Time per phase</h2>",
        escape(&c.a.name),
        escape(&c.b.name),
        name(&c.a, &links[0]),
        name(&c.b, &links[1])
    );
    h.push_str(&phase_bars(c));
    h.push_str(&super::legend(""));
    h.push_str("<table><thead><tr><th></th><th>A</th><th>B</th><th>B − A</th></tr></thead><tbody>");
    let mut row = |k: &str, a: String, b: String, d: String| {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{a}</td><td>{b}</td><td>{d}</td></tr>",
            escape(k)
        );
    };
    row(
        "length",
        clock(c.a.duration_s),
        clock(c.b.duration_s),
        signed_clock(c.b.duration_s - c.a.duration_s),
    );
    for p in &c.phases {
        row(
            p.phase.name(),
            clock(p.a_s),
            clock(p.b_s),
            signed_clock(p.b_s - p.a_s),
        );
    }
    row(
        "failure share",
        format!("{:.0}%", c.a.failure_share * 100.0),
        format!("{:.0}%", c.b.failure_share * 100.0),
        format!("{:+.0} pt", (c.b.failure_share - c.a.failure_share) * 100.0),
    );
    row(
        "score",
        c.a.score.to_string(),
        c.b.score.to_string(),
        format!("{:+}", i64::from(c.b.score) - i64::from(c.a.score)),
    );
    h.push_str("</tbody></table><h2>Checks that changed</h2>");
    if c.checks.is_empty() {
        h.push_str("<p>None.</p>");
    } else {
        h.push_str("<ul>");
        for ch in &c.checks {
            let better = ch.b > ch.a;
            let _ = write!(
                h,
                "<li><strong>{}</strong>: {} → <span class=\"{}\">{}</span> {}</li>",
                escape(&ch.id),
                status_name(ch.a),
                if better { "ok" } else { "bad" },
                status_name(ch.b),
                escape(&ch.message)
            );
        }
        h.push_str("</ul>");
    }
    for (kind, list) in [("Fillers", &c.fillers), ("Hedges", &c.hedges)] {
        let _ = write!(h, "<h2>{kind} gained or lost</h2>");
        if list.is_empty() {
            h.push_str("<p>None.</p>");
            continue;
        }
        h.push_str("<ul>");
        for w in list {
            let _ = write!(
                h,
                "<li>“{}”: {} → {} <span class=\"{}\">({:+})</span></li>",
                escape(&w.word),
                w.a,
                w.b,
                if w.b < w.a { "ok" } else { "bad" },
                w.b as i64 - w.a as i64
            );
        }
        h.push_str("</ul>");
    }
    shell(
        &format!("rehearse: take {} against {}", c.a.name, c.b.name),
        STYLE,
        &h,
        "",
    )
}
