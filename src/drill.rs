//! Timing drills: a plan derived from the rubric, the round's result read from the
//! coach's report (the phases labelled from the speech, not the plan), and the
//! history of rounds kept with the takes. Drawing the rounds is `ui::drill`'s job.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::checks::clock;
use crate::analysis::{Phase, Report, Rubric, text};
use crate::takes::TakeStore;

/// The file beside a take's audio that makes it a drill round.
pub const ROUND: &str = crate::takes::DRILL;
pub const ROUND_SCHEMA: &str = "rehearse.drill.v1";

/// Seconds a slot may be off its plan and still count as on plan, at the least.
const MIN_SLOT_TOLERANCE_S: f64 = 5.0;
/// A switch of phase later or earlier than planned by this much is worth telling.
const SWITCH_NOTICE_S: f64 = 5.0;

#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error(transparent)]
    Takes(#[from] crate::takes::TakesError),
    #[error("{path}: cannot save the drill round: {source}")]
    Save {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum DrillKind {
    /// A countdown per STAR part, a cue at each switch.
    Star,
    /// Hit the length band with the timer hidden.
    Clock,
    /// The learning part alone: its length, specific, with evidence and numbers, no
    /// hedges, ending on the future.
    Learning,
    /// A set time with a live filler counter; the goal is none.
    Clean,
}

impl DrillKind {
    pub const ALL: [DrillKind; 4] = [
        DrillKind::Star,
        DrillKind::Clock,
        DrillKind::Learning,
        DrillKind::Clean,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DrillKind::Star => "star",
            DrillKind::Clock => "clock",
            DrillKind::Learning => "learning",
            DrillKind::Clean => "clean",
        }
    }
}

/// One part of a star plan: which phases it is for, when it runs, what it asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// "situation", "task", "failure and response", "learning".
    pub name: String,
    pub phases: Vec<Phase>,
    pub start_s: f64,
    pub end_s: f64,
    pub prompt: String,
}

impl Slot {
    pub fn planned_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

/// What a round is meant to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub kind: DrillKind,
    /// The planned length (star), or the middle of the band (clock).
    pub length_s: f64,
    /// The length band the round is judged against.
    pub band_s: (f64, f64),
    /// The star slots in order; none for the clock drill.
    pub slots: Vec<Slot>,
}

impl Plan {
    /// The plan of a `kind` round; `length_s` is the star or clean drill's (the
    /// rubric's when `None`).
    pub fn new(kind: DrillKind, rubric: &Rubric, length_s: Option<f64>) -> Plan {
        match kind {
            DrillKind::Star => Plan::star(rubric, length_s),
            DrillKind::Clock => Plan::clock(rubric),
            DrillKind::Learning => Plan::learning(rubric),
            DrillKind::Clean => {
                let length_s = length_s.unwrap_or(rubric.drills.clean_length_s);
                Plan {
                    kind,
                    length_s,
                    band_s: (0.0, length_s),
                    slots: Vec::new(),
                }
            }
        }
    }

    /// One slot, the learning, as long as the top of the rubric's learning band.
    pub fn learning(rubric: &Rubric) -> Plan {
        let d = &rubric.drills;
        Plan {
            kind: DrillKind::Learning,
            length_s: d.learning_max_s,
            band_s: (d.learning_min_s, d.learning_max_s),
            slots: vec![Slot {
                name: "learning".into(),
                phases: vec![Phase::Learning],
                start_s: 0.0,
                end_s: d.learning_max_s,
                prompt: d.prompts.R.clone(),
            }],
        }
    }

    /// `length_s` split into one slot per STAR part by the rubric's shares.
    pub fn star(rubric: &Rubric, length_s: Option<f64>) -> Plan {
        let length_s = length_s.unwrap_or(rubric.drills.star_length_s);
        let (star, prompts) = (&rubric.targets.star, &rubric.drills.prompts);
        let parts = [
            ("situation", vec![Phase::Situation], star.S, &prompts.S),
            ("task", vec![Phase::Task], star.T, &prompts.T),
            (
                "failure and response",
                vec![Phase::Failure, Phase::Response],
                star.A,
                &prompts.A,
            ),
            ("learning", vec![Phase::Learning], star.R, &prompts.R),
        ];
        let total: f64 = parts.iter().map(|p| p.2).sum::<f64>().max(1e-9);
        let mut start = 0.0;
        let slots = parts
            .into_iter()
            .map(|(name, phases, share, prompt)| {
                let end = start + length_s * share / total;
                let slot = Slot {
                    name: name.to_string(),
                    phases,
                    start_s: start,
                    end_s: end,
                    prompt: prompt.clone(),
                };
                start = end;
                slot
            })
            .collect();
        // The plan's length, give or take the slot tolerance: 2:00–3:00 for 2:30.
        let tolerance = rubric.drills.slot_tolerance;
        Plan {
            kind: DrillKind::Star,
            length_s,
            band_s: (length_s * (1.0 - tolerance), length_s * (1.0 + tolerance)),
            slots,
        }
    }

    /// The rubric's length band, with no timer and no slots.
    pub fn clock(rubric: &Rubric) -> Plan {
        let t = &rubric.targets;
        Plan {
            kind: DrillKind::Clock,
            length_s: (t.duration_min_s + t.duration_max_s) / 2.0,
            band_s: (t.duration_min_s, t.duration_max_s),
            slots: Vec::new(),
        }
    }

    /// The slot running at `seconds`, if the plan has not ended.
    pub fn slot_at(&self, seconds: f64) -> Option<(usize, &Slot)> {
        self.slots
            .iter()
            .enumerate()
            .find(|(_, s)| seconds >= s.start_s && seconds < s.end_s)
    }
}

/// A slot's planned and spoken time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotResult {
    pub name: String,
    pub planned_s: f64,
    pub actual_s: f64,
    pub on_plan: bool,
}

/// How a round went, against its plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundResult {
    pub length_s: f64,
    /// Seconds outside the band: negative when short, positive when long, 0 inside.
    pub off_band_s: f64,
    pub slots: Vec<SlotResult>,
    /// Where the speech left the plan, in words.
    pub notes: Vec<String>,
    pub failure_share: f64,
    pub fillers_per_minute: f64,
    /// The learning drill's content checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<LearningCheck>,
    /// The clean drill: every filler with its time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fillers: Option<Vec<FillerAt>>,
    /// The clean drill: seconds from each filler to the screen that first counted it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filler_delays_s: Vec<f64>,
    /// The round met its goal: inside the band; for star also every slot on plan; for
    /// learning also every content check.
    pub on_target: bool,
}

/// A filler and when it was said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FillerAt {
    pub text: String,
    pub start_s: f64,
}

/// What makes a learning part strong, as found in one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningCheck {
    /// A named habit, process or tool that changed.
    pub specific_change: Option<String>,
    /// Evidence it worked since: a number in the learning ("three launches since,
    /// none late"), as the report's learning check finds it.
    pub evidence: bool,
    /// Numbers said (quantities, counts, percentages).
    pub numbers: usize,
    /// Weak hedges ("hopefully", "I guess").
    pub hedges: Vec<String>,
    /// The last sentence looks forward (or at what the speaker does now).
    pub ends_forward: bool,
}

impl LearningCheck {
    pub fn passed(&self) -> bool {
        self.specific_change.is_some()
            && self.evidence
            && self.numbers > 0
            && self.hedges.is_empty()
            && self.ends_forward
    }
}

/// The learning drill's checks, from the report's learning check, quantities and hedges.
fn learning_check(report: &Report, rubric: &Rubric) -> LearningCheck {
    let learning = report.checks.iter().find(|c| c.id == "specific_learning");
    let first = |key: &str| {
        learning
            .and_then(|c| c.value[key].as_array())
            .and_then(|v| v.first())
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    // The last sentence, matched word by word as the analysis matches its lexicons.
    let last = report
        .sentences
        .last()
        .map_or(String::new(), |s| s.text.clone());
    let tokens = text::tokens_from_words(&text::transcript_from_text(&last, 150.0).words);
    let forward = text::PhraseSet::new(&rubric.drills.forward_markers);
    LearningCheck {
        specific_change: first("specific"),
        evidence: learning.is_some_and(|c| c.value["evidence"] == true),
        numbers: report.quantified.len(),
        hedges: report
            .hedges
            .hits
            .iter()
            .filter(|h| !h.reflective)
            .map(|h| h.text.clone())
            .collect(),
        ends_forward: !forward.find_all(&tokens).is_empty(),
    }
}

/// What is saved beside a round's take: the plan and the result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Round {
    pub schema: String,
    pub kind: DrillKind,
    pub plan: Plan,
    pub result: RoundResult,
}

/// Reads a scored round against its plan: spoken time per slot from the phases the
/// coach labelled in the speech, and where the speech switched phase against the
/// plan's switch.
pub fn judge(plan: &Plan, report: &Report, rubric: &Rubric) -> RoundResult {
    let length_s = report.duration_s;
    let (lo, hi) = plan.band_s;
    let off_band_s = if length_s < lo {
        length_s - lo
    } else if length_s > hi {
        length_s - hi
    } else {
        0.0
    };
    let spoken = |phases: &[Phase]| -> f64 {
        report
            .sentences
            .iter()
            .filter(|s| phases.contains(&s.phase))
            .map(|s| (s.end - s.start).max(0.0))
            .sum::<f64>()
            + 0.0 // an empty sum is -0.0
    };
    let slots: Vec<SlotResult> = plan
        .slots
        .iter()
        .map(|slot| {
            let planned_s = slot.planned_s();
            let actual_s = spoken(&slot.phases);
            let tolerance = (planned_s * rubric.drills.slot_tolerance).max(MIN_SLOT_TOLERANCE_S);
            SlotResult {
                name: slot.name.clone(),
                planned_s,
                actual_s,
                on_plan: (actual_s - planned_s).abs() <= tolerance,
            }
        })
        .collect();
    let learning = (plan.kind == DrillKind::Learning).then(|| learning_check(report, rubric));
    let notes = match plan.kind {
        DrillKind::Star => switch_notes(plan, report),
        _ => Vec::new(),
    };
    let minutes = (length_s / 60.0).max(1e-9);
    let fillers = (plan.kind == DrillKind::Clean).then(|| {
        report
            .fillers
            .hits
            .iter()
            .map(|h| FillerAt {
                text: h.text.clone(),
                start_s: h.start,
            })
            .collect::<Vec<_>>()
    });
    RoundResult {
        length_s,
        off_band_s,
        on_target: off_band_s == 0.0
            && slots.iter().all(|s| s.on_plan)
            && learning.as_ref().is_none_or(LearningCheck::passed)
            && fillers.as_ref().is_none_or(Vec::is_empty),
        learning,
        fillers,
        filler_delays_s: Vec::new(),
        slots,
        notes,
        failure_share: report.failure_share,
        fillers_per_minute: report.fillers.total as f64 / minutes,
    }
}

/// For each planned switch, when the speech really moved on: "you were still on the
/// failure and response 20 s into the learning slot".
fn switch_notes(plan: &Plan, report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    for (i, slot) in plan.slots.iter().enumerate().skip(1) {
        // The first sentence of this slot's phases or a later slot's.
        let later: Vec<Phase> = plan.slots[i..]
            .iter()
            .flat_map(|s| s.phases.iter().copied())
            .collect();
        let Some(moved) = report
            .sentences
            .iter()
            .find(|s| later.contains(&s.phase))
            .map(|s| s.start)
        else {
            notes.push(format!("the {} never came", slot.name));
            continue;
        };
        let late = moved - slot.start_s;
        let previous = &plan.slots[i - 1].name;
        if late >= SWITCH_NOTICE_S {
            notes.push(format!(
                "you were still on the {previous} {late:.0} s into the {} slot (it started at {})",
                slot.name,
                clock(slot.start_s)
            ));
        } else if -late >= SWITCH_NOTICE_S {
            notes.push(format!(
                "you moved on to the {} {:.0} s before its slot (at {}, planned {})",
                slot.name,
                -late,
                clock(moved),
                clock(slot.start_s)
            ));
        }
    }
    notes
}

/// A round's length from the command line: "2:30" or "150" (seconds), 0:10 to 60:00.
pub fn parse_length(s: &str) -> Result<f64, String> {
    let bad = || format!("{s:?} is not a length: use m:ss (2:30) or seconds (150)");
    let secs = match s.split_once(':') {
        Some((m, ss)) if ss.len() == 2 => {
            let (m, ss): (u32, u32) = (
                m.parse().map_err(|_| bad())?,
                ss.parse().map_err(|_| bad())?,
            );
            if ss >= 60 {
                return Err(bad());
            }
            f64::from(m * 60 + ss)
        }
        Some(_) => return Err(bad()),
        None => s.parse::<f64>().map_err(|_| bad())?,
    };
    if !(10.0..=3600.0).contains(&secs) {
        return Err(format!("{s}: a drill round lasts from 0:10 to 60:00"));
    }
    Ok(secs)
}

/// Saves the round beside its take (atomically).
pub fn save_round(dir: &Path, round: &Round) -> Result<(), DrillError> {
    let path = dir.join(ROUND);
    let text = serde_json::to_string_pretty(round)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e));
    text.and_then(|t| crate::fsutil::write_atomic(&path, t.as_bytes()))
        .map_err(|source| DrillError::Save { path, source })
}

/// The saved rounds of one kind, oldest first, with their take ids. Takes that are not
/// drill rounds, and rounds whose file cannot be read, are left out.
pub fn rounds(store: &TakeStore, kind: DrillKind) -> Result<Vec<(String, Round)>, DrillError> {
    Ok(store
        .list()?
        .into_iter()
        .filter_map(|t| {
            let text = std::fs::read_to_string(t.path.join(ROUND)).ok()?;
            let round: Round = serde_json::from_str(&text)
                .inspect_err(|e| log::warn!("{}: {e}", t.path.join(ROUND).display()))
                .ok()?;
            (round.kind == kind).then_some((t.id, round))
        })
        .collect())
}

/// A drill's history in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    pub kind: DrillKind,
    pub rounds: usize,
    /// The take id and how far off the target it was (smaller is better).
    pub best: Option<(String, f64)>,
    /// Signed miss of the most recent rounds, oldest first (at most five): seconds off
    /// the band for the clock; mean seconds off plan per slot for star.
    pub recent: Vec<f64>,
    /// Mean of the recent misses (seconds).
    pub mean_recent: Option<f64>,
    /// Rounds on target in a row, counted back from the latest.
    pub streak: usize,
    /// Whether the recent misses are shrinking, steady or growing.
    pub trend: Trend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trend {
    Improving,
    Steady,
    Worsening,
    /// Fewer than three rounds.
    TooFew,
}

/// How far a round missed: seconds off the band (clock, signed) or the mean seconds
/// off plan per slot (star).
pub fn miss(round: &Round) -> f64 {
    match round.kind {
        DrillKind::Clock | DrillKind::Learning => round.result.off_band_s,
        DrillKind::Clean => round.result.fillers.as_ref().map_or(0, Vec::len) as f64,
        DrillKind::Star => {
            let n = round.result.slots.len().max(1) as f64;
            round
                .result
                .slots
                .iter()
                .map(|s| (s.actual_s - s.planned_s).abs())
                .sum::<f64>()
                / n
        }
    }
}

const RECENT: usize = 5;
/// A change of the miss smaller than this (seconds) is no trend.
const TREND_S: f64 = 2.0;

pub fn history(kind: DrillKind, rounds: &[(String, Round)]) -> History {
    let misses: Vec<f64> = rounds.iter().map(|(_, r)| miss(r)).collect();
    let best = rounds
        .iter()
        .zip(&misses)
        .min_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|((id, _), m)| (id.clone(), *m));
    let recent: Vec<f64> = misses[misses.len().saturating_sub(RECENT)..].to_vec();
    let mean_recent =
        (!recent.is_empty()).then(|| recent.iter().sum::<f64>() / recent.len() as f64);
    let streak = rounds
        .iter()
        .rev()
        .take_while(|(_, r)| r.result.on_target)
        .count();
    let trend = if recent.len() < 3 {
        Trend::TooFew
    } else {
        // The size of the miss, first half of the recent rounds against the second.
        let half = recent.len() / 2;
        let mean = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
        let (early, late) = (mean(&recent[..half]), mean(&recent[recent.len() - half..]));
        if late < early - TREND_S {
            Trend::Improving
        } else if late > early + TREND_S {
            Trend::Worsening
        } else {
            Trend::Steady
        }
    };
    History {
        kind,
        rounds: rounds.len(),
        best,
        recent,
        mean_recent,
        streak,
        trend,
    }
}

/// The change from the previous round of the same drill, in words: time per slot,
/// failure share, fillers per minute.
pub fn change_since(previous: &RoundResult, now: &RoundResult) -> Vec<String> {
    let mut out = Vec::new();
    let signed = |d: f64| format!("{}{:.0}", if d >= 0.0 { "+" } else { "−" }, d.abs());
    out.push(format!(
        "length {} ({} s)",
        clock(now.length_s),
        signed(now.length_s - previous.length_s)
    ));
    for (a, b) in previous.slots.iter().zip(&now.slots) {
        out.push(format!(
            "{} {:.0} s ({} s)",
            b.name,
            b.actual_s,
            signed(b.actual_s - a.actual_s)
        ));
    }
    out.push(format!(
        "failure share {:.0}% ({} points)",
        now.failure_share * 100.0,
        signed((now.failure_share - previous.failure_share) * 100.0)
    ));
    out.push(format!(
        "fillers {:.1}/min ({:+.1})",
        now.fillers_per_minute,
        now.fillers_per_minute - previous.fillers_per_minute
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{InputInfo, InputKind, Rubric, Timing, analyze};
    use crate::transcript::{Transcript, Word};

    #[test]
    fn the_star_plan_follows_the_rubric_shares() {
        let rubric = Rubric::builtin();
        let plan = Plan::star(&rubric, None);
        let planned: Vec<f64> = plan.slots.iter().map(Slot::planned_s).collect();
        assert_eq!(plan.length_s, 150.0);
        for (got, want) in planned.iter().zip([22.5, 15.0, 37.5, 75.0]) {
            assert!((got - want).abs() < 1e-6, "{planned:?}");
        }
        assert_eq!(plan.slots[3].start_s, 75.0);
        assert_eq!(plan.slot_at(80.0).map(|s| s.0), Some(3));
        assert_eq!(plan.slot_at(151.0), None);
        // Another rubric, another plan.
        let other = Rubric::from_override_str(
            "[targets]\nstar = { S = 0.25, T = 0.25, A = 0.25, R = 0.25 }\n[drills]\nstar_length_s = 60\n[drills.prompts]\nR = \"Say what changed.\"",
            Path::new("other.toml"),
        )
        .expect("rubric");
        let plan = Plan::star(&other, None);
        assert!(
            plan.slots
                .iter()
                .all(|s| (s.planned_s() - 15.0).abs() < 1e-6)
        );
        assert_eq!(plan.slots[3].prompt, "Say what changed.");
    }

    /// A transcript of sentences, each `secs` long, one after another.
    fn spoken(sentences: &[(&str, f64)]) -> Transcript {
        let mut t = Transcript::new(Default::default(), 0.0);
        let mut at = 0.0;
        for (text, secs) in sentences {
            let words: Vec<&str> = text.split_whitespace().collect();
            let step = secs / words.len() as f64;
            for w in words {
                t.words.push(Word {
                    start: at,
                    end: at + step * 0.9,
                    text: w.to_string(),
                    p: 1.0,
                });
                at += step;
            }
        }
        t.duration_s = at;
        t
    }

    #[test]
    fn a_round_that_dwells_on_the_failure_is_told_where_it_left_the_plan() {
        let rubric = Rubric::builtin();
        let plan = Plan::star(&rubric, Some(60.0));
        let t = spoken(&[
            (
                "I was the release manager at a payments company last year.",
                6.0,
            ),
            (
                "My job was to ship the new checkout on the date we promised.",
                6.0,
            ),
            (
                "I skipped the staging run because I was sure the change was safe.",
                10.0,
            ),
            (
                "The release broke card payments for two hours and we lost orders.",
                10.0,
            ),
            (
                "I rolled it back myself and called every affected merchant that night.",
                8.0,
            ),
            (
                "Since then I never skip staging and I wrote a release checklist.",
                10.0,
            ),
            ("Eleven releases since, none has broken payments.", 10.0),
        ]);
        let info = InputInfo {
            path: "test".into(),
            kind: InputKind::Transcript,
            timing: Timing::Measured,
            transcribed: None,
        };
        let report = analyze(&t, info, &rubric).report;
        let result = judge(&plan, &report, &rubric);
        assert_eq!(result.slots.len(), 4);
        let learning = &result.slots[3];
        assert!(learning.actual_s < learning.planned_s, "{result:?}");
        assert!(
            result
                .notes
                .iter()
                .any(|n| n.contains("still on the failure and response")
                    && n.contains("learning slot")),
            "{:?}",
            result.notes
        );
        assert!(!result.on_target);
    }

    fn learning_of(text: &str) -> LearningCheck {
        let rubric = Rubric::builtin();
        let t = crate::analysis::text::transcript_from_text(text, 150.0);
        let info = InputInfo {
            path: "test".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        let report = analyze(&t, info, &rubric).report;
        let result = judge(&Plan::learning(&rubric), &report, &rubric);
        result
            .learning
            .expect("the learning drill checks the content")
    }

    #[test]
    fn the_learning_drill_wants_a_named_change_evidence_numbers_no_hedges_and_the_future() {
        let strong = learning_of(
            "Since then I run a pre-release checklist before every launch, and I added a staging sign-off that a second engineer must give. \
             We have shipped fourteen releases since, and none has needed a rollback. \
             In my next role I will bring the same checklist from the first week.",
        );
        assert!(strong.specific_change.is_some(), "{strong:?}");
        assert!(strong.evidence, "{strong:?}");
        assert!(strong.numbers > 0, "{strong:?}");
        assert!(strong.hedges.is_empty(), "{strong:?}");
        assert!(strong.ends_forward, "{strong:?}");
        assert!(strong.passed());
        let weak = learning_of(
            "I learned the importance of planning. I guess I try to be more careful, and hopefully it was a good lesson.",
        );
        assert!(!weak.hedges.is_empty(), "{weak:?}");
        assert_eq!(weak.numbers, 0, "{weak:?}");
        assert!(!weak.ends_forward, "{weak:?}");
        assert!(!weak.passed());
    }

    fn round(kind: DrillKind, off: f64, on_target: bool) -> Round {
        Round {
            schema: ROUND_SCHEMA.into(),
            kind,
            plan: Plan::clock(&Rubric::builtin()),
            result: RoundResult {
                length_s: 150.0 + off,
                off_band_s: off,
                slots: Vec::new(),
                notes: Vec::new(),
                failure_share: 0.1,
                fillers_per_minute: 1.0,
                learning: None,
                fillers: None,
                filler_delays_s: Vec::new(),
                on_target,
            },
        }
    }

    #[test]
    fn history_finds_the_best_round_the_trend_and_the_streak() {
        let misses = [-40.0, -31.0, -22.0, -18.0, -9.0, 0.0, 0.0];
        let rounds: Vec<(String, Round)> = misses
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("take-{i}"), round(DrillKind::Clock, *m, *m == 0.0)))
            .collect();
        let h = history(DrillKind::Clock, &rounds);
        assert_eq!(h.rounds, 7);
        assert_eq!(h.best.as_ref().map(|b| b.0.as_str()), Some("take-5"));
        assert_eq!(h.recent, vec![-22.0, -18.0, -9.0, 0.0, 0.0]);
        assert_eq!(h.streak, 2);
        assert_eq!(h.trend, Trend::Improving);
        let worse: Vec<(String, Round)> = [0.0, 5.0, 20.0]
            .iter()
            .map(|m| ("t".to_string(), round(DrillKind::Clock, *m, *m == 0.0)))
            .collect();
        let h = history(DrillKind::Clock, &worse);
        assert_eq!((h.trend, h.streak), (Trend::Worsening, 0));
        assert_eq!(history(DrillKind::Clock, &[]).trend, Trend::TooFew);
    }
}
