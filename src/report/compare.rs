//! `rehearse takes compare A B`: what changed between two answers — the time each
//! phase took, the checks that changed status, and the fillers and hedges gained or
//! lost. Built from two saved reports, so it needs no model.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::analysis::checks::{Status, clock};
use crate::analysis::{Phase, Report};

/// One answer's side of a comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// The take's id or the report's input.
    pub name: String,
    pub duration_s: f64,
    pub score: u32,
    pub failure_share: f64,
}

/// A phase's time in each answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTime {
    pub phase: Phase,
    pub a_s: f64,
    pub b_s: f64,
}

/// A check whose status differs between the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckChange {
    pub id: String,
    pub a: Option<Status>,
    pub b: Option<Status>,
    /// B's message: what the check says now.
    pub message: String,
}

/// A filler or hedge word whose count differs.
#[derive(Debug, Clone, PartialEq)]
pub struct WordChange {
    pub word: String,
    pub a: usize,
    pub b: usize,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    pub phases: Vec<PhaseTime>,
    pub checks: Vec<CheckChange>,
    pub fillers: Vec<WordChange>,
    pub hedges: Vec<WordChange>,
}

impl Comparison {
    /// A (the earlier, usually) against B.
    pub fn between(a_name: &str, a: &Report, b_name: &str, b: &Report) -> Comparison {
        let side = |name: &str, r: &Report| Side {
            name: name.to_string(),
            duration_s: r.duration_s,
            score: r.score,
            failure_share: r.failure_share,
        };
        let phases = Phase::ALL
            .iter()
            .map(|&p| PhaseTime {
                phase: p,
                a_s: a.phases.get(p).seconds,
                b_s: b.phases.get(p).seconds,
            })
            .collect();
        let status = |r: &Report| -> BTreeMap<String, Status> {
            r.checks.iter().map(|c| (c.id.clone(), c.status)).collect()
        };
        let (sa, sb) = (status(a), status(b));
        // In B's order (the report's order), then checks only A had.
        let mut checks: Vec<CheckChange> = b
            .checks
            .iter()
            .filter(|c| sa.get(&c.id) != Some(&c.status))
            .map(|c| CheckChange {
                id: c.id.clone(),
                a: sa.get(&c.id).copied(),
                b: Some(c.status),
                message: c.message.clone(),
            })
            .collect();
        checks.extend(
            a.checks
                .iter()
                .filter(|c| !sb.contains_key(&c.id))
                .map(|c| CheckChange {
                    id: c.id.clone(),
                    a: Some(c.status),
                    b: None,
                    message: String::new(),
                }),
        );
        Comparison {
            a: side(a_name, a),
            b: side(b_name, b),
            phases,
            checks,
            fillers: word_changes(&a.fillers.by_word, &b.fillers.by_word),
            hedges: word_changes(&a.hedges.by_word, &b.hedges.by_word),
        }
    }

    /// For the terminal: aligned columns, signed differences.
    pub fn text(&self) -> String {
        let (a, b) = (&self.a, &self.b);
        let mut out = format!(
            "A = {}   B = {}\n\n{:<14} {:>8} {:>8} {:>8}\n",
            a.name, b.name, "", "A", "B", "B − A"
        );
        let row = |out: &mut String, name: &str, x: String, y: String, d: String| {
            let _ = writeln!(out, "{name:<14} {x:>8} {y:>8} {d:>8}");
        };
        row(
            &mut out,
            "length",
            clock(a.duration_s),
            clock(b.duration_s),
            signed_clock(b.duration_s - a.duration_s),
        );
        for p in &self.phases {
            row(
                &mut out,
                &format!("  {}", p.phase.name()),
                clock(p.a_s),
                clock(p.b_s),
                signed_clock(p.b_s - p.a_s),
            );
        }
        row(
            &mut out,
            "failure share",
            format!("{:.0}%", a.failure_share * 100.0),
            format!("{:.0}%", b.failure_share * 100.0),
            format!("{:+.0} pt", (b.failure_share - a.failure_share) * 100.0),
        );
        row(
            &mut out,
            "score",
            a.score.to_string(),
            b.score.to_string(),
            format!("{:+}", i64::from(b.score) - i64::from(a.score)),
        );
        out.push_str("\nchecks that changed:\n");
        if self.checks.is_empty() {
            out.push_str("  none\n");
        }
        for c in &self.checks {
            let _ = writeln!(
                out,
                "  {:<16} {} → {}  {}",
                c.id,
                status_name(c.a),
                status_name(c.b),
                c.message
            );
        }
        for (kind, list) in [("fillers", &self.fillers), ("hedges", &self.hedges)] {
            let _ = write!(out, "\n{kind} gained or lost:");
            if list.is_empty() {
                out.push_str(" none");
            }
            for w in list {
                let _ = write!(
                    out,
                    " “{}” {}→{} ({:+})",
                    w.word,
                    w.a,
                    w.b,
                    w.b as i64 - w.a as i64
                );
            }
            out.push('\n');
        }
        out
    }
}

pub(crate) fn status_name(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Pass) => "pass",
        Some(Status::Warn) => "warn",
        Some(Status::Fail) => "fail",
        None => "–",
    }
}

/// +0:12 / −0:05: a difference of lengths.
pub(crate) fn signed_clock(d: f64) -> String {
    let sign = if d < -0.5 { "−" } else { "+" };
    format!("{sign}{}", clock(d.abs()))
}

fn word_changes(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<WordChange> {
    let mut words: Vec<&String> = a.keys().chain(b.keys()).collect();
    words.sort();
    words.dedup();
    let mut out: Vec<WordChange> = words
        .into_iter()
        .map(|w| WordChange {
            word: w.clone(),
            a: a.get(w).copied().unwrap_or(0),
            b: b.get(w).copied().unwrap_or(0),
        })
        .filter(|c| c.a != c.b)
        .collect();
    // Biggest changes first.
    out.sort_by_key(|c| std::cmp::Reverse((c.b as i64 - c.a as i64).unsigned_abs()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, InputKind, Rubric, Timing, analyze};

    fn report(text: &str) -> Report {
        let t = transcript_from_text(text, 150.0);
        let info = InputInfo {
            path: "x.txt".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        analyze(&t, info, &Rubric::builtin()).report
    }

    #[test]
    fn a_comparison_shows_phase_time_checks_and_words_that_changed() {
        let a = report(
            "Um, so I was, um, the lead on our billing page. Um, I basically missed a currency bug and it was a total disaster and it was my manager's fault. Um, we fixed it.",
        );
        let b = report(
            "Last spring I led the launch of our billing page. I missed a currency bug and charged 140 customers twice. I refunded everyone that night and told my manager. Since then I test every currency before a release, and we have had no billing errors in six months. I now also pair on every pricing change.",
        );
        let c = Comparison::between("1", &a, "2", &b);
        assert_eq!(c.phases.len(), 5);
        let total_a: f64 = c.phases.iter().map(|p| p.a_s).sum();
        assert!(
            (total_a
                - a.phases.situation.seconds
                - a.phases.task.seconds
                - a.phases.failure.seconds
                - a.phases.response.seconds
                - a.phases.learning.seconds)
                .abs()
                < 1e-9
        );
        let learning = &c.phases[Phase::Learning.index()];
        assert!(learning.b_s > learning.a_s, "{learning:?}");
        let um = c
            .fillers
            .iter()
            .find(|w| w.word == "um")
            .expect("um changed");
        assert_eq!((um.a, um.b), (4, 0));
        // Every listed check really changed, and every change is listed.
        for ch in &c.checks {
            assert_ne!(ch.a, ch.b);
        }
        let changed = b
            .checks
            .iter()
            .filter(|cb| {
                a.checks
                    .iter()
                    .any(|ca| ca.id == cb.id && ca.status != cb.status)
            })
            .count();
        assert_eq!(c.checks.len(), changed);
        assert!(changed > 0);
        let text = c.text();
        assert!(text.contains("A = 1   B = 2"), "{text}");
        assert!(text.contains("“um” 4→0 (-4)"), "{text}");
    }
}
