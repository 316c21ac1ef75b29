//! Progress across takes and drill rounds: the measures the coach tracks, each with
//! its target from the rubric, as data shared by `rehearse progress` (the terminal)
//! and `rehearse takes --html` (charts).

use std::fmt::Write as _;

use crate::analysis::Rubric;
use crate::analysis::checks::clock;
use crate::takes::TakeSummary;

/// Where a measure should be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// Inside [lo, hi] (the length).
    Between(f64, f64),
    /// At most `good`; up to `ok` is acceptable (failure share, fillers, hedges).
    AtMost { good: f64, ok: f64 },
    /// Higher is better, no fixed target (the score).
    Higher,
}

impl Band {
    /// Whether `v` meets the target (never for a measure without one).
    pub fn meets(self, v: f64) -> bool {
        match self {
            Band::Between(lo, hi) => (lo..=hi).contains(&v),
            Band::AtMost { good, .. } => v <= good,
            Band::Higher => false,
        }
    }

    /// The target in words, with `show` for the numbers.
    pub fn describe(self, show: fn(f64) -> String) -> String {
        match self {
            Band::Between(lo, hi) => format!("{}–{}", show(lo), show(hi)),
            Band::AtMost { good, ok } => format!("≤ {} (≤ {} ok)", show(good), show(ok)),
            Band::Higher => "higher is better".into(),
        }
    }
}

/// One tracked measure.
#[derive(Clone, Copy)]
pub struct Measure {
    pub name: &'static str,
    pub value: fn(&TakeSummary) -> Option<f64>,
    pub show: fn(f64) -> String,
    pub band: Band,
}

/// The measures, with targets from `rubric`: length, failure share, fillers per
/// minute, hedges per 100 words, score.
pub fn measures(rubric: &Rubric) -> [Measure; 5] {
    let t = &rubric.targets;
    [
        Measure {
            name: "length",
            value: |s| s.seconds,
            show: clock,
            band: Band::Between(t.duration_min_s, t.duration_max_s),
        },
        Measure {
            name: "failure share",
            value: |s| s.failure_share,
            show: |v| format!("{:.0}%", v * 100.0),
            band: Band::AtMost {
                good: t.failure_share_target,
                ok: t.failure_share_acceptable,
            },
        },
        Measure {
            name: "fillers/min",
            value: |s| s.fillers_per_minute,
            show: |v| format!("{v:.1}"),
            band: Band::AtMost {
                good: t.fillers_per_min_warn,
                ok: t.fillers_per_min_fail,
            },
        },
        Measure {
            name: "hedges/100 words",
            value: |s| s.hedges_per_100_words,
            show: |v| format!("{v:.1}"),
            band: Band::AtMost {
                good: t.hedges_per_100w_warn,
                ok: t.hedges_per_100w_fail,
            },
        },
        Measure {
            name: "score",
            value: |s| s.score.map(f64::from),
            show: |v| format!("{v:.0}"),
            band: Band::Higher,
        },
    ]
}

/// A row of block characters, one per value, scaled between the row's min and max;
/// `·` where a take has no value (not scored).
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let lo = known.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| match v {
            None => '·',
            Some(_) if hi - lo < 1e-9 => BARS[3],
            Some(v) => BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize],
        })
        .collect()
}

/// `rehearse progress`: each measure over the takes (oldest first), the latest value
/// against its target, and the change since the first take.
pub fn text(takes: &[TakeSummary], rubric: &Rubric) -> String {
    let scored: Vec<&TakeSummary> = takes.iter().filter(|t| !t.unscored).collect();
    if scored.is_empty() {
        return "no scored takes yet; run `rehearse` to record one\n".into();
    }
    let drills = scored.iter().filter(|t| t.drill.is_some()).count();
    let mut out = format!(
        "{} takes ({} practice, {drills} drill rounds), {} to {}\n\n{:<17} {:<w$}  {:>8} {:>9}  target\n",
        scored.len(),
        scored.len() - drills,
        scored[0].id,
        scored[scored.len() - 1].id,
        "measure",
        "oldest → newest",
        "latest",
        "change",
        w = scored.len().max(15)
    );
    for m in measures(rubric) {
        let values: Vec<Option<f64>> = scored.iter().map(|t| (m.value)(t)).collect();
        let first = values.iter().flatten().next().copied();
        let last = values.iter().rev().flatten().next().copied();
        let change = match (first, last) {
            (Some(a), Some(b)) if values.iter().flatten().count() > 1 => {
                let d = b - a;
                let sign = if d < 0.0 { "−" } else { "+" };
                format!("{sign}{}", (m.show)(d.abs()))
            }
            _ => "–".into(),
        };
        let latest = last.map_or("–".into(), |v| {
            format!(
                "{}{}",
                (m.show)(v),
                if m.band.meets(v) { " ✓" } else { "  " }
            )
        });
        let _ = writeln!(
            out,
            "{:<17} {:<w$}  {:>8} {:>9}  {}",
            m.name,
            sparkline(&values),
            latest,
            change,
            m.band.describe(m.show),
            w = scored.len().max(15)
        );
    }
    out.push_str(
        "\n✓ = the latest take meets the target. `rehearse takes --html` draws these as charts.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(id: &str, seconds: f64, share: f64, fillers: f64, score: u32) -> TakeSummary {
        TakeSummary {
            id: id.into(),
            path: id.into(),
            seconds: Some(seconds),
            score: Some(score),
            failure_share: Some(share),
            fillers_per_minute: Some(fillers),
            hedges_per_100_words: Some(1.0),
            unscored: false,
            drill: None,
        }
    }

    #[test]
    fn progress_shows_each_measure_its_trend_and_the_target() {
        let takes = [
            take("20260101-090000", 95.0, 0.45, 9.0, 40),
            take("20260102-090000", 150.0, 0.30, 5.0, 62),
            take("20260103-090000", 160.0, 0.12, 2.0, 85),
        ];
        let text = text(&takes, &Rubric::builtin());
        let line = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no {name} in {text}"))
                .to_string()
        };
        assert!(line("length").contains("▁"), "{text}");
        assert!(line("length").contains("2:40 ✓"), "{text}");
        assert!(line("length").contains("2:00–3:00"), "{text}");
        assert!(line("failure share").contains("12%  "), "{text}");
        assert!(line("failure share").contains("−33%"), "{text}");
        assert!(line("score").contains("+45"), "{text}");
        assert!(text.starts_with("3 takes (3 practice, 0 drill rounds)"));
    }

    #[test]
    fn a_sparkline_scales_to_its_values_and_marks_missing_ones() {
        assert_eq!(sparkline(&[Some(0.0), None, Some(7.0), Some(3.5)]), "▁·█▅");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▄▄");
    }
}
