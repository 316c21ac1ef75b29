//! The checks against the rubric's targets, and the overall score.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::lexicon::Lexicons;
use super::phases::Phase;
use super::rubric::{Rubric, Targets};
use super::text::Token;
use super::{Hit, OwnershipLevel, Report, Timing};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Warn,
    Pass,
}

impl Status {
    fn credit(self) -> f64 {
        match self {
            Status::Pass => 1.0,
            Status::Warn => 0.5,
            Status::Fail => 0.0,
        }
    }
}

/// One check: measured value, target, and a specific message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub value: serde_json::Value,
    pub target: String,
    pub message: String,
}

fn check(
    id: &str,
    status: Status,
    value: impl Into<serde_json::Value>,
    target: impl Into<String>,
    message: impl Into<String>,
) -> Check {
    Check {
        id: id.to_string(),
        status,
        value: value.into(),
        target: target.into(),
        message: message.into(),
    }
}

/// m:ss
pub fn clock(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn quote(hits: &[Hit], n: usize) -> String {
    let mut parts: Vec<String> = hits
        .iter()
        .take(n)
        .map(|h| format!("\"{}\" ({})", h.text, clock(h.start)))
        .collect();
    if hits.len() > n {
        parts.push(format!("and {} more", hits.len() - n));
    }
    parts.join(", ")
}

/// How specific the learning is: concrete changes named vs generic lessons.
#[derive(Debug, Clone, Default)]
pub struct LearningEvidence {
    pub learning_words: usize,
    pub specific: Vec<String>,
    pub generic: Vec<String>,
    /// A number in the learning phase ("three launches since").
    pub evidence: bool,
}

pub fn learning_specificity(lex: &Lexicons, tokens: &[Token], phase: &[Phase]) -> LearningEvidence {
    let learning: Vec<Token> = tokens
        .iter()
        .zip(phase)
        .filter(|(_, p)| **p == Phase::Learning)
        .map(|(t, _)| t.clone())
        .collect();
    // Specific cues may overlap ("now I ask" is "now i" and "i ask"): count every one.
    let all = |set: &super::text::PhraseSet| -> Vec<String> {
        set.find_all(&learning)
            .iter()
            .map(|h| set.phrases[h.phrase].clone())
            .collect()
    };
    let longest = |set: &super::text::PhraseSet| -> Vec<String> {
        set.find_longest(&learning)
            .iter()
            .map(|h| set.phrases[h.phrase].clone())
            .collect()
    };
    LearningEvidence {
        learning_words: learning.len(),
        specific: all(&lex.specific_learning),
        generic: longest(&lex.generic_learning),
        evidence: !super::lexicon::quantities(&learning).is_empty(),
    }
}

/// What every check reads.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    r: &'a Report,
    t: &'a Targets,
    learning: &'a LearningEvidence,
    /// Whether times were measured (speech) or estimated (text).
    measured: bool,
    /// How the duration was obtained, for messages.
    how: &'a str,
}

/// A check: the report (and rubric) in, a verdict out, or none when it does not apply.
type CheckFn = fn(&Ctx) -> Option<Check>;

/// Every check, in the order the report lists them before sorting worst first.
/// A new check is one function and one line here.
const CHECKS: &[CheckFn] = &[
    language,
    duration,
    failure_share,
    star,
    ends_on_learning,
    specific_learning,
    ownership,
    blame,
    fake_failure,
    over_apology,
    catastrophic,
    red_flag_topic,
    quantified,
    fillers,
    hedges,
    pace,
    pauses,
];

/// Runs every check in [`CHECKS`], worst first.
pub fn run(r: &Report, rubric: &Rubric, learning: &LearningEvidence) -> Vec<Check> {
    let t = &rubric.targets;
    let measured = r.input.timing == Timing::Measured;
    let estimated = format!("estimated at {:.0} wpm from the word count", t.text_wpm);
    let how = if measured {
        "spoken time from first to last word"
    } else {
        estimated.as_str()
    };
    let c = Ctx {
        r,
        t,
        learning,
        measured,
        how,
    };
    let mut out: Vec<Check> = CHECKS.iter().filter_map(|check| check(&c)).collect();
    out.sort_by_key(|c| c.status);
    out
}

/// Language: the word lists, the phase labeller and the targets are for English.
fn language(c: &Ctx) -> Option<Check> {
    let Ctx { r, .. } = *c;
    let (st, msg) = match &r.language {
        Some(l) => (
            Status::Fail,
            format!(
                "this answer reads as {} (confidence {:.2}): the rubric is for answers in English, so the checks below do not apply to it",
                l.name, l.confidence
            ),
        ),
        None => (Status::Pass, "in English".to_string()),
    };
    Some(check(
        "language",
        st,
        r.language
            .as_ref()
            .map_or("eng".to_string(), |l| l.code.clone()),
        "English",
        msg,
    ))
}

/// Duration.
fn duration(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, how, .. } = *c;
    let d = r.duration_s;
    let band = format!("{}–{}", clock(t.duration_min_s), clock(t.duration_max_s));
    let (st, msg) = if d < t.duration_short_s {
        (
            Status::Fail,
            format!(
                "{} is too short ({how}); a full story needs {band}: add what you changed afterwards and the evidence it worked",
                clock(d)
            ),
        )
    } else if d < t.duration_min_s {
        (
            Status::Warn,
            format!(
                "{} is a little short ({how}); aim for {band}, mostly by expanding the learning",
                clock(d)
            ),
        )
    } else if d <= t.duration_max_s {
        (
            Status::Pass,
            format!("{} is inside {band} ({how})", clock(d)),
        )
    } else if d <= t.duration_long_s {
        (
            Status::Warn,
            format!(
                "{} runs long ({how}); trim the set-up to land inside {band}",
                clock(d)
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "{} is rambling ({how}); cut to {band}: one sentence of context, one of the mistake",
                clock(d)
            ),
        )
    };
    Some(check("duration", st, (d * 10.0).round() / 10.0, band, msg))
}

/// Failure vs learning.
fn failure_share(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, .. } = *c;
    let fs = r.failure_share;
    let (st, msg) = if r.phases.learning.words == 0 && r.phases.response.words == 0 {
        (
            Status::Fail,
            "the whole story is on what went wrong: too failure-heavy, with no recovery and no learning".to_string(),
        )
    } else if fs <= t.failure_share_target {
        (
            Status::Pass,
            format!(
                "{} of the story is on what went wrong: on target (≤ {})",
                pct(fs),
                pct(t.failure_share_target)
            ),
        )
    } else if fs <= t.failure_share_acceptable {
        (
            Status::Pass,
            format!(
                "{} on what went wrong: acceptable (≤ {}); the 10/90 guideline would shorten it further",
                pct(fs),
                pct(t.failure_share_acceptable)
            ),
        )
    } else if fs <= t.failure_share_acceptable + 0.10 {
        (
            Status::Warn,
            format!(
                "{} on what went wrong is failure-heavy (acceptable ≤ {}): move time to what you learned",
                pct(fs),
                pct(t.failure_share_acceptable)
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "{} on what went wrong: too failure-heavy (acceptable ≤ {}); say the mistake in two sentences and spend the rest on the learning",
                pct(fs),
                pct(t.failure_share_acceptable)
            ),
        )
    };
    Some(check(
        "failure_share",
        st,
        (fs * 1000.0).round() / 1000.0,
        format!(
            "≤ {} (acceptable ≤ {})",
            pct(t.failure_share_target),
            pct(t.failure_share_acceptable)
        ),
        msg,
    ))
}

/// STAR proportions.
fn star(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, .. } = *c;
    let s = r.star;
    let target = t.star;
    let parts = [
        ("S", s.S, target.S),
        ("T", s.T, target.T),
        ("A", s.A, target.A),
        ("R", s.R, target.R),
    ];
    let off: Vec<String> = parts
        .iter()
        .filter(|(_, v, goal)| (v - goal).abs() > t.star_tolerance)
        .map(|(k, v, goal)| format!("{k} {} (target {})", pct(*v), pct(*goal)))
        .collect();
    let st = match off.len() {
        0 => Status::Pass,
        1 => Status::Warn,
        _ => Status::Fail,
    };
    let msg = if off.is_empty() {
        format!(
            "S {} / T {} / A {} / R {} is close to 15/10/25/50",
            pct(s.S),
            pct(s.T),
            pct(s.A),
            pct(s.R)
        )
    } else {
        format!("off the STAR shape: {}", off.join(", "))
    };
    Some(check(
        "star",
        st,
        serde_json::json!({"S": s.S, "T": s.T, "A": s.A, "R": s.R}),
        "S 15% / T 10% / A 25% / R 50%",
        msg,
    ))
}

/// Ends on learning.
fn ends_on_learning(c: &Ctx) -> Option<Check> {
    let Ctx { r, .. } = *c;
    let last = r.sentences.last();
    let (st, msg) = match last {
        Some(l) if l.phase == Phase::Learning => {
            (Status::Pass, "ends on what you learned".to_string())
        }
        Some(l) => (
            Status::Fail,
            format!(
                "ends on the {} (\"{}\"): finish with the lesson and how you work now",
                l.phase.name(),
                truncate(&l.text, 60)
            ),
        ),
        None => (Status::Fail, "no speech found".to_string()),
    };
    Some(check(
        "ends_on_learning",
        st,
        last.map(|l| l.phase.name()).unwrap_or("none"),
        "last phase = learning",
        msg,
    ))
}

/// Specific learning.
fn specific_learning(c: &Ctx) -> Option<Check> {
    let Ctx { learning, .. } = *c;
    let (st, msg) = if learning.learning_words == 0 {
        (
            Status::Fail,
            "no learning: say what you changed afterwards and how it has worked since".to_string(),
        )
    } else if learning.specific.len() >= 2 && learning.specific.len() > learning.generic.len()
        || !learning.specific.is_empty() && learning.evidence && learning.generic.is_empty()
    {
        let ev = if learning.evidence {
            ", with evidence since"
        } else {
            ""
        };
        (
            Status::Pass,
            format!(
                "the learning names a concrete change (\"{}\"){ev}",
                learning.specific[0]
            ),
        )
    } else if let Some(g) = learning
        .generic
        .first()
        .filter(|_| !learning.specific.is_empty())
    {
        (
            Status::Warn,
            format!(
                "the learning is partly generic (\"{g}\"): name the habit or process you changed and what happened since"
            ),
        )
    } else if !learning.specific.is_empty() {
        (
            Status::Warn,
            format!(
                "the learning names one change (\"{}\") but thinly: say what you do now, step by step, and what happened since",
                learning.specific[0]
            ),
        )
    } else {
        let g = learning
            .generic
            .first()
            .map(|g| format!(" (\"{g}\")"))
            .unwrap_or_default();
        (
            Status::Fail,
            format!(
                "the learning is vague{g}: name a concrete change, e.g. a checklist, a sign-off, a habit, and its result"
            ),
        )
    };
    Some(check(
        "specific_learning",
        st,
        serde_json::json!({"specific": learning.specific, "generic": learning.generic, "evidence": learning.evidence}),
        "a named change in habit or process, ideally with evidence",
        msg,
    ))
}

/// Ownership.
fn ownership(c: &Ctx) -> Option<Check> {
    let Ctx { r, .. } = *c;
    let o = &r.ownership;
    let (st, msg) = match o.level {
        OwnershipLevel::High => (
            Status::Pass,
            format!(
                "you own the mistake in the first person (I ×{}, we ×{} in the failure part)",
                o.i, o.we
            ),
        ),
        OwnershipLevel::Medium => {
            let why = if o.passive >= 2 {
                format!(
                    "{} passive phrases like \"{}\"",
                    o.passive,
                    o.passive_hits
                        .first()
                        .map(|h| h.text.as_str())
                        .unwrap_or("")
                )
            } else {
                format!("\"we\" ×{} vs \"I\" ×{}", o.we, o.i)
            };
            (
                Status::Warn,
                format!("ownership is soft ({why}): say \"I decided…\", \"I didn't…\""),
            )
        }
        OwnershipLevel::Low => (
            Status::Fail,
            "no mistake of your own is named: state your decision that failed, in the first person"
                .to_string(),
        ),
    };
    Some(check(
        "ownership",
        st,
        serde_json::json!({"i": o.i, "we": o.we, "passive": o.passive, "level": o.level}),
        "\"I\" statements about your own decision",
        msg,
    ))
}

/// A flag check: pass with no hits, warn at one where `warn_at_one`, else fail.
fn flag(id: &str, hits: &[Hit], warn_at_one: bool, what: &str, fix: &str) -> Option<Check> {
    let st = match hits.len() {
        0 => Status::Pass,
        1 if warn_at_one => Status::Warn,
        _ => Status::Fail,
    };
    let msg = if hits.is_empty() {
        format!("no {what}")
    } else {
        format!("{what}: {}; {fix}", quote(hits, 3))
    };
    Some(check(id, st, hits.len(), "none", msg))
}

fn blame(c: &Ctx) -> Option<Check> {
    let f = &c.r.flags.blame;
    flag(
        "blame",
        f,
        false,
        "blame-shifting",
        "own your part instead of listing what others did",
    )
}

fn fake_failure(c: &Ctx) -> Option<Check> {
    let f = &c.r.flags.fake_failure;
    flag(
        "fake_failure",
        f,
        false,
        "humble-brag",
        "choose a real mistake with a real cost",
    )
}

fn over_apology(c: &Ctx) -> Option<Check> {
    let f = &c.r.flags.over_apology;
    flag(
        "over_apology",
        f,
        true,
        "apologising in the interview",
        "state the mistake calmly, once",
    )
}

fn catastrophic(c: &Ctx) -> Option<Check> {
    let f = &c.r.flags.catastrophic;
    flag(
        "catastrophic",
        f,
        true,
        "dramatic language",
        "describe the impact in plain, measured terms",
    )
}

fn red_flag_topic(c: &Ctx) -> Option<Check> {
    let f = &c.r.flags.red_flag_topic;
    flag(
        "red_flag_topic",
        f,
        true,
        "risky topic",
        "pick a story about judgement or process, old enough to show the lesson working",
    )
}

/// Quantified.
fn quantified(c: &Ctx) -> Option<Check> {
    let Ctx { r, .. } = *c;
    let (st, msg) = if r.quantified.is_empty() {
        (Status::Warn, "no numbers: quantify the impact and the improvement (\"a 90-minute outage\", \"from 82% to 97%\")".to_string())
    } else {
        (
            Status::Pass,
            format!("quantified: {}", quote(&r.quantified, 3)),
        )
    };
    Some(check(
        "quantified",
        st,
        r.quantified.len(),
        "a number in the impact or result",
        msg,
    ))
}

/// Fillers.
fn fillers(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, .. } = *c;
    let f = &r.fillers;
    let top: Vec<String> = top_words(&f.by_word, 3);
    let (st, msg) = if f.per_minute <= t.fillers_per_min_warn {
        (
            Status::Pass,
            format!("{} ({:.1}/min)", plural(f.total, "filler"), f.per_minute),
        )
    } else if f.per_minute <= t.fillers_per_min_fail {
        (
            Status::Warn,
            format!(
                "{:.1} fillers/min ({}): pause silently instead",
                f.per_minute,
                top.join(", ")
            ),
        )
    } else {
        (
            Status::Fail,
            format!(
                "{:.1} fillers/min ({}): they bury the story; rehearse pausing in silence",
                f.per_minute,
                top.join(", ")
            ),
        )
    };
    Some(check(
        "fillers",
        st,
        (f.per_minute * 10.0).round() / 10.0,
        format!("≤ {:.0}/min", t.fillers_per_min_warn),
        msg,
    ))
}

/// Hedges (the weak ones: reflective hedges in the failure phase are honest).
fn hedges(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, .. } = *c;
    let h = &r.hedges;
    let weak: Vec<&Hit> = h.hits.iter().filter(|x| !x.reflective).collect();
    let per100 = if r.words > 0 {
        weak.len() as f64 * 100.0 / r.words as f64
    } else {
        0.0
    };
    let in_learning: Vec<&Hit> = weak
        .iter()
        .copied()
        .filter(|x| x.phase == Phase::Learning)
        .collect();
    let (st, msg) = if per100 <= t.hedges_per_100w_warn {
        (
            Status::Pass,
            format!(
                "{} ({:.1} per 100 words)",
                plural(weak.len(), "hedge"),
                per100
            ),
        )
    } else {
        let example = in_learning
            .first()
            .or(weak.first())
            .map(|x| format!("\"{}\" ({})", x.text, clock(x.start)))
            .unwrap_or_default();
        let st = if per100 <= t.hedges_per_100w_fail {
            Status::Warn
        } else {
            Status::Fail
        };
        (
            st,
            format!(
                "{:.1} hedges per 100 words, {} in the learning, e.g. {example}: use definite language (\"I do\", \"I will\")",
                per100,
                in_learning.len()
            ),
        )
    };
    Some(check(
        "hedges",
        st,
        (per100 * 10.0).round() / 10.0,
        format!("≤ {:.1} per 100 words", t.hedges_per_100w_warn),
        msg,
    ))
}

/// Pace: only for speech (a text has no pace).
fn pace(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, measured, .. } = *c;
    if !measured {
        return None;
    }
    let (st, msg) = if r.wpm < t.wpm_low {
        (
            Status::Warn,
            format!("{:.0} wpm is slow (conversational 120–170)", r.wpm),
        )
    } else if r.wpm > t.wpm_high {
        (
            Status::Warn,
            format!(
                "{:.0} wpm is fast (conversational 120–170): slow down and breathe between parts",
                r.wpm
            ),
        )
    } else {
        (Status::Pass, format!("{:.0} wpm, conversational", r.wpm))
    };
    Some(check(
        "pace",
        st,
        r.wpm.round(),
        format!("{:.0}–{:.0} wpm", t.wpm_low, t.wpm_high),
        msg,
    ))
}

/// Long pauses and mid-sentence hesitations: only for speech.
fn pauses(c: &Ctx) -> Option<Check> {
    let Ctx { r, t, measured, .. } = *c;
    if !measured {
        return None;
    }
    let long = r.pace.long_pauses.len();
    let hes = r.pace.hesitations.len();
    let st = if hes > 3 { Status::Warn } else { Status::Pass };
    let msg = match r.pace.hesitations.first() {
        Some(p) => format!(
            "{long} long pauses, {hes} mid-sentence hesitations (first at {}, {:.1} s)",
            clock(p.start),
            p.seconds
        ),
        None => format!("{long} long pauses, no mid-sentence hesitations"),
    };
    Some(check(
        "pauses",
        st,
        hes,
        format!("≤ 3 hesitations > {:.1} s", t.long_pause_s),
        msg,
    ))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn top_words(by: &BTreeMap<String, usize>, n: usize) -> Vec<String> {
    let mut v: Vec<(&String, &usize)> = by.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .take(n)
        .map(|(k, c)| format!("\"{k}\" ×{c}"))
        .collect()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// Weighted mean of check credits (pass 1, warn 0.5, fail 0), as 0–100. Checks
/// without a weight are shown but not scored.
pub fn score(checks: &[Check], weights: &BTreeMap<String, f64>) -> u32 {
    let (mut got, mut max) = (0.0, 0.0);
    for c in checks {
        if let Some(w) = weights.get(&c.id) {
            got += w * c.status.credit();
            max += w;
        }
    }
    if max > 0.0 {
        (got / max * 100.0).round() as u32
    } else {
        0
    }
}

/// Why a score is lower than the weighted mean: a failed check that caps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCap {
    /// The failed check.
    pub check: String,
    /// The highest score it allows.
    pub cap: u32,
    /// The weighted mean before the cap.
    pub uncapped: u32,
}

/// The weighted score, capped by the lowest cap among the failed checks (the rubric's
/// `score_caps`), and the cap that applied.
pub fn capped_score(
    checks: &[Check],
    weights: &BTreeMap<String, f64>,
    caps: &BTreeMap<String, f64>,
) -> (u32, Option<ScoreCap>) {
    let uncapped = score(checks, weights);
    let tightest = checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .filter_map(|c| caps.get(&c.id).map(|cap| (c, cap.round() as u32)))
        .min_by_key(|(_, cap)| *cap);
    match tightest {
        Some((c, cap)) if cap < uncapped => (
            cap,
            Some(ScoreCap {
                check: c.id.clone(),
                cap,
                uncapped,
            }),
        ),
        _ => (uncapped, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, InputKind, analyze};

    fn checks_for(text: &str) -> Vec<Check> {
        let t = transcript_from_text(text, 150.0);
        let input = InputInfo {
            path: "t".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        analyze(&t, input, &Rubric::builtin()).report.checks
    }

    fn status(checks: &[Check], id: &str) -> Status {
        checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
            .unwrap_or_else(|| panic!("no check {id}"))
    }

    use crate::analysis::TEXTBOOK_ANSWER as STRONG;

    #[test]
    fn duration_bands() {
        // 150 wpm: 200 words = 1:20 (fail), 270 = 1:48 (warn), 375 = 2:30 (pass), 500 = 3:20 (warn), 600 = 4:00 (fail).
        for (words, want) in [
            (200, Status::Fail),
            (270, Status::Warn),
            (375, Status::Pass),
            (500, Status::Warn),
            (600, Status::Fail),
        ] {
            let text = STRONG
                .split_whitespace()
                .cycle()
                .take(words)
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(
                status(&checks_for(&text), "duration"),
                want,
                "{words} words"
            );
        }
    }

    #[test]
    fn a_well_shaped_answer_passes_the_content_checks() {
        let c = checks_for(STRONG);
        for id in [
            "ends_on_learning",
            "specific_learning",
            "ownership",
            "blame",
            "fake_failure",
            "over_apology",
            "catastrophic",
            "quantified",
        ] {
            assert_eq!(
                status(&c, id),
                Status::Pass,
                "{id}: {:?}",
                c.iter().find(|x| x.id == id).map(|x| &x.message)
            );
        }
    }

    #[test]
    fn failure_heavy_answers_fail_and_say_so() {
        let text = "I was a manager. I skipped the review and the launch failed. The client was upset. \
            The numbers were wrong for weeks. Everyone was angry and it was late. Nothing went right that month. \
            The board complained twice. I missed the signs again and again. I should have checked.";
        let c = checks_for(text);
        assert_eq!(status(&c, "failure_share"), Status::Fail);
        assert_eq!(status(&c, "specific_learning"), Status::Fail);
        assert_eq!(status(&c, "ends_on_learning"), Status::Fail);
        let msg = &c
            .iter()
            .find(|x| x.id == "failure_share")
            .expect("check")
            .message;
        assert!(msg.contains("too failure-heavy"), "{msg}");
    }

    #[test]
    fn flags_quote_their_evidence_with_times() {
        let c = checks_for(
            "Honestly it was a total disaster and it wasn't my fault. I'm so sorry. My biggest weakness is I care too much.",
        );
        for id in ["catastrophic", "blame", "fake_failure"] {
            let check = c.iter().find(|x| x.id == id).expect("check");
            assert_ne!(check.status, Status::Pass, "{id}");
            assert!(check.message.contains("(0:0"), "{id}: {}", check.message);
        }
        assert_eq!(status(&c, "over_apology"), Status::Warn);
    }

    #[test]
    fn vague_learning_is_not_accepted() {
        let text = STRONG.replace(
            "Since then I always run a review checklist before every launch, and the last six launches shipped on time.",
            "I learned the importance of planning and I will be more careful.",
        );
        assert_ne!(
            status(&checks_for(&text), "specific_learning"),
            Status::Pass
        );
    }

    #[test]
    fn score_is_the_weighted_mean_of_credits() {
        let mut w = BTreeMap::new();
        w.insert("a".to_string(), 3.0);
        w.insert("b".to_string(), 1.0);
        let mk = |id: &str, status| check(id, status, 0, "", "");
        assert_eq!(
            score(&[mk("a", Status::Pass), mk("b", Status::Fail)], &w),
            75
        );
        assert_eq!(
            score(
                &[
                    mk("a", Status::Warn),
                    mk("b", Status::Pass),
                    mk("unweighted", Status::Fail)
                ],
                &w
            ),
            63
        );
    }
}
