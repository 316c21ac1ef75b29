//! What a drill round shows while it runs (its [`Guide`]s) and the text after it: plan
//! against speech, the change since the last round, and the history of rounds.

use std::fmt::Write;

use crate::analysis::checks::clock;
use crate::drill::{DrillKind, History, Plan, RoundResult, Trend};
use crate::rehearsal::Live;
use crate::transcribe::stream::ChunkPolicy;
use crate::ui::recording::{Frame, Guide};

/// A drill with a plan (star, learning): the slot running now, its countdown and its
/// prompt; a new headline (and the bell) at each switch.
pub struct PlanGuide<'a> {
    pub plan: &'a Plan,
}

impl Guide for PlanGuide<'_> {
    fn frame(&mut self, seconds: f64, _heard: &Live) -> Frame {
        let n = self.plan.slots.len();
        let (lo, hi) = self.plan.band_s;
        match self.plan.slot_at(seconds) {
            Some((i, slot)) => Frame {
                show_timer: true,
                headline: Some(if n == 1 {
                    slot.name.to_uppercase()
                } else {
                    format!("{} · part {} of {n}", slot.name.to_uppercase(), i + 1)
                }),
                countdown_s: Some((slot.end_s - seconds).ceil()),
                // The learning drill: once inside the band, how to end.
                cue: if n == 1 && seconds >= lo {
                    format!(
                        "in the {}–{} band: end on what you do now and what comes next",
                        clock(lo),
                        clock(hi)
                    )
                } else {
                    slot.prompt.clone()
                },
            },
            None => Frame {
                show_timer: true,
                headline: Some("TIME".to_string()),
                countdown_s: None,
                cue: format!(
                    "the plan ended at {}: finish your sentence and stop (Enter)",
                    clock(self.plan.length_s)
                ),
            },
        }
    }
}

/// The clock drill: no timer and no cue that would give the time away.
pub struct ClockGuide;

impl Guide for ClockGuide {
    fn frame(&mut self, _seconds: f64, _heard: &Live) -> Frame {
        Frame {
            show_timer: false,
            cue: "Tell the whole story; stop when you think you are done.".to_string(),
            ..Frame::default()
        }
    }
}

/// The clean drill: a live filler counter (a new filler changes the headline, which
/// rings the bell), the last fillers with their times, and the countdown.
pub struct CleanGuide<'a> {
    pub plan: &'a Plan,
}

impl Guide for CleanGuide<'_> {
    fn frame(&mut self, seconds: f64, heard: &Live) -> Frame {
        let n = heard.fillers.len();
        let last: Vec<String> = heard
            .fillers
            .iter()
            .rev()
            .take(3)
            .map(|h| format!("\"{}\" {}", h.text.to_lowercase(), clock(h.start)))
            .collect();
        Frame {
            show_timer: true,
            headline: Some(format!(
                "CLEAN · {n} filler{}",
                if n == 1 { "" } else { "s" }
            )),
            countdown_s: Some((self.plan.length_s - seconds).ceil().max(0.0)),
            cue: if n == 0 {
                "no fillers so far: pause instead of um, uh, like, you know".to_string()
            } else {
                format!("last: {}", last.join(", "))
            },
        }
    }

    fn chunks(&self) -> ChunkPolicy {
        ChunkPolicy::live_words()
    }
}

/// The guide for a drill kind.
pub fn guide(plan: &Plan) -> Box<dyn Guide + '_> {
    match plan.kind {
        DrillKind::Star | DrillKind::Learning => Box::new(PlanGuide { plan }),
        DrillKind::Clock => Box::new(ClockGuide),
        DrillKind::Clean => Box::new(CleanGuide { plan }),
    }
}

fn signed_s(d: f64) -> String {
    format!("{}{:.0} s", if d < 0.0 { "−" } else { "+" }, d.abs())
}

/// The round against its plan, and the change since the previous round.
pub fn summary(plan: &Plan, result: &RoundResult, previous: Option<&RoundResult>) -> String {
    let mut out = String::new();
    let (lo, hi) = plan.band_s;
    let verdict = if result.off_band_s < 0.0 {
        format!(
            "{} short of {}",
            signed_s(result.off_band_s).trim_start_matches('−'),
            clock(lo)
        )
    } else if result.off_band_s > 0.0 {
        format!(
            "{} over {}",
            signed_s(result.off_band_s).trim_start_matches('+'),
            clock(hi)
        )
    } else {
        format!("inside {}–{}", clock(lo), clock(hi))
    };
    let _ = writeln!(
        out,
        "\n{} drill · {} spoken · {verdict}{}",
        plan.kind.name(),
        clock(result.length_s),
        if result.on_target {
            " · on target"
        } else {
            ""
        }
    );
    if !result.slots.is_empty() {
        let _ = writeln!(
            out,
            "  {:<22} {:>8} {:>8} {:>8}",
            "part", "planned", "spoken", "off"
        );
        for s in &result.slots {
            let _ = writeln!(
                out,
                "  {:<22} {:>8} {:>8} {:>8}{}",
                s.name,
                format!("{:.0} s", s.planned_s),
                format!("{:.0} s", s.actual_s),
                signed_s(s.actual_s - s.planned_s),
                if s.on_plan { "" } else { "  ✗" }
            );
        }
    }
    if let Some(l) = &result.learning {
        let mark = |ok: bool| if ok { "✓" } else { "✗" };
        let quoted = |v: &Option<String>, none: &str| {
            v.as_ref().map_or(none.to_string(), |t| format!("\"{t}\""))
        };
        let _ = writeln!(
            out,
            "  {} a named change: {}",
            mark(l.specific_change.is_some()),
            quoted(
                &l.specific_change,
                "none: name the habit, process or tool you changed"
            )
        );
        let _ = writeln!(
            out,
            "  {} evidence since: {}",
            mark(l.evidence),
            if l.evidence {
                "yes"
            } else {
                "none: say what has happened since, with a number"
            }
        );
        let _ = writeln!(
            out,
            "  {} numbers: {}",
            mark(l.numbers > 0),
            if l.numbers > 0 {
                l.numbers.to_string()
            } else {
                "none: how many, how often, how much better".into()
            }
        );
        let _ = writeln!(
            out,
            "  {} hedges: {}",
            mark(l.hedges.is_empty()),
            if l.hedges.is_empty() {
                "none".into()
            } else {
                format!(
                    "{} (say what you do, not what you hope)",
                    l.hedges.join(", ")
                )
            }
        );
        let _ = writeln!(
            out,
            "  {} ends on the future: {}",
            mark(l.ends_forward),
            if l.ends_forward {
                "yes"
            } else {
                "no: finish on what you do now and what comes next"
            }
        );
    }
    if let Some(fillers) = &result.fillers {
        if fillers.is_empty() {
            let _ = writeln!(out, "  no fillers: clean");
        } else {
            let list: Vec<String> = fillers
                .iter()
                .map(|f| format!("\"{}\" {}", f.text.to_lowercase(), clock(f.start_s)))
                .collect();
            let _ = writeln!(out, "  {} fillers: {}", fillers.len(), list.join(", "));
        }
    }
    for note in &result.notes {
        let _ = writeln!(out, "  · {note}");
    }
    if let Some(prev) = previous {
        let _ = writeln!(
            out,
            "  since the last round: {}",
            crate::drill::change_since(prev, result).join(" · ")
        );
    }
    out
}

/// One block per drill: rounds, best, recent misses, trend, streak.
pub fn history(histories: &[History]) -> String {
    let mut out = String::new();
    for h in histories {
        if h.rounds == 0 {
            let _ = writeln!(
                out,
                "{}: no rounds yet (rehearse drill {})",
                h.kind.name(),
                h.kind.name()
            );
            continue;
        }
        let what = match h.kind {
            DrillKind::Clock | DrillKind::Learning => "seconds off the band",
            DrillKind::Clean => "fillers",
            DrillKind::Star => "mean seconds off plan per part",
        };
        let recent: Vec<String> = h.recent.iter().map(|m| format!("{m:+.0}")).collect();
        let _ = writeln!(
            out,
            "{}: {} round{}",
            h.kind.name(),
            h.rounds,
            if h.rounds == 1 { "" } else { "s" }
        );
        if let Some((id, miss)) = &h.best {
            let _ = writeln!(out, "  best      {id} ({miss:+.0} {what})");
        }
        let _ = writeln!(
            out,
            "  recent    {} ({what}, oldest first)",
            recent.join(", ")
        );
        if let Some(mean) = h.mean_recent {
            let tendency = match (h.kind, mean) {
                (DrillKind::Star, m) => format!("each part is {m:.0} s off its plan on average"),
                (DrillKind::Clean, m) => format!("{m:.1} fillers a round on average"),
                (_, m) if m < 0.0 => format!("you stop {:.0} s early on average", -m),
                (_, m) if m > 0.0 => format!("you run {m:.0} s long on average"),
                _ => "you land inside the band".to_string(),
            };
            let _ = writeln!(out, "  average   {tendency}");
        }
        let trend = match h.trend {
            Trend::Improving => "improving",
            Trend::Steady => "steady",
            Trend::Worsening => "slipping",
            Trend::TooFew => "too few rounds to tell",
        };
        let _ = writeln!(out, "  trend     {trend}");
        let _ = writeln!(out, "  streak    {} on target in a row", h.streak);
    }
    out
}
