//! A batch's `index.html`: the summary table, sortable, with histograms of failure
//! shares and lengths across the cohort; each row links to its answer's page.

use std::fmt::Write as _;

use super::{encode_path, escape, shell};
use crate::analysis::Rubric;
use crate::analysis::checks::clock;
use crate::batch::{Row, Status};

const STYLE: &str = ".hist .bar{fill:#0072B2}.hist .good{fill:#009E73;opacity:.15}.hist .ok{fill:#E69F00;opacity:.12}\
.hist text{fill:#333;font-size:12px}.hist .axis{stroke:#999}.err{color:#b00}\
.wide{overflow-x:auto}.wide table{font-size:.9em}.wide td:first-child{min-width:12em}";

/// Sorts the table by a column when its header button is pressed (again: the other
/// way); numbers sort as numbers, and rows without a value go last.
const SCRIPT: &str = "(function(){var t=document.getElementById('rows');if(!t)return;\
[].forEach.call(t.querySelectorAll('th button'),function(b,col){b.addEventListener('click',function(){\
var th=b.parentNode,asc=th.getAttribute('aria-sort')!=='ascending';\
[].forEach.call(t.querySelectorAll('th'),function(h){h.removeAttribute('aria-sort')});\
th.setAttribute('aria-sort',asc?'ascending':'descending');var body=t.tBodies[0];\
var rows=[].slice.call(body.rows);rows.sort(function(x,y){var a=x.cells[col].getAttribute('data-v'),c=y.cells[col].getAttribute('data-v');\
if(a===''&&c==='')return 0;if(a==='')return 1;if(c==='')return -1;var na=parseFloat(a),nc=parseFloat(c);\
var r=(isNaN(na)||isNaN(nc))?a.localeCompare(c):na-nc;return asc?r:-r;});\
rows.forEach(function(r){body.appendChild(r)});});});})();";

/// Counts of `values` in `bins` equal bins over [0, hi), the last bin open-ended.
fn histogram(values: &[f64], bins: usize, hi: f64) -> Vec<usize> {
    let mut counts = vec![0; bins];
    for v in values {
        let k = ((v / hi) * bins as f64).floor().max(0.0) as usize;
        counts[k.min(bins - 1)] += 1;
    }
    counts
}

/// An SVG histogram with the target zone shaded; every bar says its range and count.
fn hist_svg(
    name: &str,
    values: &[f64],
    bins: usize,
    hi: f64,
    zones: &[(&str, f64, f64, String)],
    show: fn(f64) -> String,
) -> String {
    let counts = histogram(values, bins, hi);
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let (x0, x1, y0, y1) = (40.0, 980.0, 15.0, 150.0);
    let x = |v: f64| x0 + (v / hi).clamp(0.0, 1.0) * (x1 - x0);
    let mut s = format!(
        "<svg class=\"hist\" viewBox=\"0 0 1000 180\" role=\"group\" aria-label=\"{}\">",
        escape(name)
    );
    for (class, lo, top, label) in zones {
        let _ = write!(
            s,
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{y0}\" width=\"{:.1}\" height=\"{}\"><title>{}</title></rect>",
            x(*lo),
            x(*top) - x(*lo),
            y1 - y0,
            escape(label)
        );
    }
    let w = (x1 - x0) / bins as f64;
    for (k, &c) in counts.iter().enumerate() {
        let (lo, top) = (
            k as f64 * hi / bins as f64,
            (k + 1) as f64 * hi / bins as f64,
        );
        let range = if k + 1 == bins {
            format!("{} and over", show(lo))
        } else {
            format!("{}–{}", show(lo), show(top))
        };
        let h = c as f64 / most as f64 * (y1 - y0);
        let bx = x0 + k as f64 * w;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {c}</title></rect>",
            bx + 1.0,
            y1 - h,
            (w - 2.0).max(1.0),
            escape(&range)
        );
        if c > 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{c}</text>",
                bx + w / 2.0,
                y1 - h - 3.0
            );
        }
    }
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\"/>"
    );
    for k in (0..=bins).step_by((bins / 5).max(1)) {
        let v = k as f64 * hi / bins as f64;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"168\" text-anchor=\"middle\">{}</text>",
            x(v),
            escape(&show(v))
        );
    }
    s.push_str("</svg>");
    s
}

/// A table cell with its sort key.
fn cell(v: Option<f64>, text: String) -> String {
    match v {
        Some(v) => format!("<td data-v=\"{v}\">{}</td>", escape(&text)),
        None => "<td data-v=\"\">–</td>".into(),
    }
}

/// The page for a batch's rows; the pages of its answers sit beside their reports
/// (`<report>.json` → `<report>.html`), relative to the folder the index is in.
pub fn index_page(rows: &[Row], rubric: &Rubric) -> String {
    let t = &rubric.targets;
    let ok: Vec<&Row> = rows.iter().filter(|r| r.status == Status::Ok).collect();
    let failed = rows.len() - ok.len();
    let shares: Vec<f64> = ok.iter().filter_map(|r| r.failure_share).collect();
    let lengths: Vec<f64> = ok.iter().filter_map(|r| r.duration_s).collect();
    let in_band = |v: &[f64], lo: f64, hi: f64| v.iter().filter(|x| (lo..=hi).contains(*x)).count();
    let mut h = format!(
        "<h1>Batch: {} answers</h1><p>{} scored{}. Failure share on target (≤ {:.0}%) in {} of them, acceptable (≤ {:.0}%) in {}; length {}–{} in {}.</p>",
        rows.len(),
        ok.len(),
        if failed > 0 {
            format!(", <span class=\"err\">{failed} could not be scored</span>")
        } else {
            String::new()
        },
        t.failure_share_target * 100.0,
        in_band(&shares, 0.0, t.failure_share_target),
        t.failure_share_acceptable * 100.0,
        in_band(&shares, 0.0, t.failure_share_acceptable),
        clock(t.duration_min_s),
        clock(t.duration_max_s),
        in_band(&lengths, t.duration_min_s, t.duration_max_s),
    );
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    h.push_str("<h2>Failure share</h2>");
    h.push_str(&hist_svg(
        "failure shares across the cohort, in 5-point bins; shaded: target and acceptable",
        &shares,
        20,
        1.0,
        &[
            (
                "ok",
                t.failure_share_target,
                t.failure_share_acceptable,
                format!("acceptable up to {}", pct(t.failure_share_acceptable)),
            ),
            (
                "good",
                0.0,
                t.failure_share_target,
                format!("target up to {}", pct(t.failure_share_target)),
            ),
        ],
        pct,
    ));
    let longest = lengths.iter().copied().fold(t.duration_long_s, f64::max);
    let hi = (longest / 15.0).ceil() * 15.0 + 15.0;
    h.push_str("<h2>Length</h2>");
    h.push_str(&hist_svg(
        "answer lengths across the cohort, in 15-second bins; shaded: the target",
        &lengths,
        (hi / 15.0) as usize,
        hi,
        &[(
            "good",
            t.duration_min_s,
            t.duration_max_s,
            format!(
                "target {}–{}",
                clock(t.duration_min_s),
                clock(t.duration_max_s)
            ),
        )],
        clock,
    ));
    h.push_str("<h2>Answers</h2><p class=\"noprint t\">Press a column's name to sort by it.</p><div class=\"wide\"><table id=\"rows\"><thead><tr>");
    for name in [
        "file",
        "score",
        "length",
        "words",
        "wpm",
        "failure",
        "S",
        "T",
        "A",
        "R",
        "fillers/min",
        "hedges/min",
        "flags",
    ] {
        let _ = write!(h, "<th><button type=\"button\">{name}</button></th>");
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        let file = match (r.status, r.report.strip_suffix(".json")) {
            (Status::Ok, Some(stem)) => format!(
                "<a href=\"{}.html\" title=\"{}\">{}</a>",
                encode_path(std::path::Path::new(stem)),
                escape(&r.path),
                escape(stem)
            ),
            _ => escape(&r.path),
        };
        let _ = write!(h, "<tr><td data-v=\"{}\">{file}", escape(&r.path));
        if r.status == Status::Error {
            let _ = write!(h, " <span class=\"err\">{}</span>", escape(&r.error));
        }
        h.push_str("</td>");
        h.push_str(&cell(
            r.score.map(f64::from),
            r.score.map(|s| s.to_string()).unwrap_or_default(),
        ));
        h.push_str(&cell(
            r.duration_s,
            r.duration_s.map(clock).unwrap_or_default(),
        ));
        h.push_str(&cell(
            r.words.map(|w| w as f64),
            r.words.map(|w| w.to_string()).unwrap_or_default(),
        ));
        h.push_str(&cell(
            r.wpm,
            r.wpm.map(|w| format!("{w:.0}")).unwrap_or_default(),
        ));
        for v in [r.failure_share, r.star_s, r.star_t, r.star_a, r.star_r] {
            h.push_str(&cell(v, v.map(pct).unwrap_or_default()));
        }
        for v in [r.fillers_per_min, r.hedges_per_min] {
            h.push_str(&cell(v, v.map(|x| format!("{x:.1}")).unwrap_or_default()));
        }
        let _ = write!(
            h,
            "<td data-v=\"{0}\">{0}</td>",
            escape(&r.flags.replace(';', ", "))
        );
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    shell(
        &format!("rehearse: batch of {}", rows.len()),
        STYLE,
        &h,
        SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_every_value_once_with_the_top_bin_open() {
        assert_eq!(
            histogram(&[0.0, 0.04, 0.05, 0.99, 1.0, 3.0], 20, 1.0)[..2],
            [2, 1]
        );
        let counts = histogram(&[0.0, 0.04, 0.05, 0.99, 1.0, 3.0], 20, 1.0);
        assert_eq!(counts.iter().sum::<usize>(), 6);
        assert_eq!(counts[19], 3);
    }

    #[test]
    fn the_index_links_scored_rows_to_their_pages_and_escapes_paths() {
        let mut ok = Row::error(std::path::Path::new("cohort/a <1>.wav"), "");
        ok.status = Status::Ok;
        ok.failure_share = Some(0.2);
        ok.duration_s = Some(150.0);
        ok.report = "cohort/a <1>.wav.json".into();
        let bad = Row::error(
            std::path::Path::new("cohort/b.wav"),
            "silent: nothing to transcribe",
        );
        let page = index_page(&[ok, bad], &Rubric::builtin());
        assert!(
            page.contains("<a href=\"cohort/a%20%3C1%3E.wav.html\" title=\"cohort/a &lt;1&gt;.wav\">cohort/a &lt;1&gt;.wav</a>"),
            "{page}"
        );
        assert!(page.contains("silent: nothing to transcribe"));
        assert_eq!(page.matches("<tr>").count(), 3, "a header and two rows");
        assert!(page.contains("1 could not be scored"));
    }
}
