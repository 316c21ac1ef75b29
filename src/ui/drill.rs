//! What a drill round shows while it runs (its [`Guide`]s) and the text after it: plan
//! against speech, the change since the last round, and the history of rounds.

use std::fmt::Write;

use crate::analysis::checks::clock;
use crate::drill::{DrillKind, History, Plan, RoundResult, Trend};
use crate::ui::recording::{Frame, Guide};

/// The star drill: the slot running now, its countdown and its prompt; a new headline
/// (and the bell) at each switch.
pub struct StarGuide<'a> {
    pub plan: &'a Plan,
}

impl Guide for StarGuide<'_> {
    fn frame(&mut self, seconds: f64, _live_cue: &str) -> Frame {
        let n = self.plan.slots.len();
        match self.plan.slot_at(seconds) {
            Some((i, slot)) => Frame {
                show_timer: true,
                headline: Some(format!(
                    "{} · part {} of {n}",
                    slot.name.to_uppercase(),
                    i + 1
                )),
                countdown_s: Some((slot.end_s - seconds).ceil()),
                cue: slot.prompt.clone(),
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
    fn frame(&mut self, _seconds: f64, _live_cue: &str) -> Frame {
        Frame {
            show_timer: false,
            cue: "Tell the whole story; stop when you think you are done.".to_string(),
            ..Frame::default()
        }
    }
}

/// The guide for a drill kind.
pub fn guide(plan: &Plan) -> Box<dyn Guide + '_> {
    match plan.kind {
        DrillKind::Star => Box::new(StarGuide { plan }),
        DrillKind::Clock => Box::new(ClockGuide),
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
            DrillKind::Clock => "seconds off the band",
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
                (DrillKind::Clock, m) if m < 0.0 => {
                    format!("you stop {:.0} s early on average", -m)
                }
                (DrillKind::Clock, m) if m > 0.0 => format!("you run {m:.0} s long on average"),
                (DrillKind::Clock, _) => "you land inside the band".to_string(),
                (DrillKind::Star, m) => format!("each part is {m:.0} s off its plan on average"),
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
