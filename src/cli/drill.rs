//! `rehearse drill KIND`: timing drills, each round a take of its own.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};

use rehearse::drill::{self, DrillKind, Plan};
use rehearse::report::TerminalStyle;
use rehearse::takes::TakeStore;

use super::practice::{self, PracticeArgs};

#[derive(Args, Debug)]
pub struct DrillArgs {
    pub kind: DrillArg,
    /// The round's length (star, clean), m:ss or seconds [default: the rubric's: star
    /// 2:30, clean 60].
    #[arg(value_parser = drill::parse_length)]
    pub length: Option<f64>,
    /// The same as LENGTH.
    #[arg(long = "length", value_parser = drill::parse_length, conflicts_with = "length")]
    pub length_flag: Option<f64>,
    #[command(flatten)]
    pub practice: PracticeArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum DrillArg {
    /// A countdown per STAR part with its prompt, a bell at each switch; then the plan
    /// against what the speech did, and the full report.
    Star,
    /// Hit 2:00–3:00 with the timer hidden; then how close, and the trend.
    Clock,
    /// The learning alone, 1:15–1:30: specific, with evidence and numbers, no hedges,
    /// ending on the future.
    Learning,
    /// A set time (LENGTH, default 60 s) with a live filler counter; the goal is none.
    Clean,
    /// Rounds per drill: best and recent results, average, trend and streak.
    History,
}

pub fn run(args: DrillArgs, style: TerminalStyle) -> Result<ExitCode> {
    let kind = match args.kind {
        DrillArg::Star => DrillKind::Star,
        DrillArg::Clock => DrillKind::Clock,
        DrillArg::Learning => DrillKind::Learning,
        DrillArg::Clean => DrillKind::Clean,
        DrillArg::History => {
            let store = TakeStore::new(args.practice.takes_dir);
            let histories = DrillKind::ALL
                .iter()
                .map(|k| Ok(drill::history(*k, &drill::rounds(&store, *k)?)))
                .collect::<Result<Vec<_>, drill::DrillError>>()?;
            print!("{}", rehearse::ui::drill::history(&histories));
            return Ok(ExitCode::SUCCESS);
        }
    };
    // One round: recorded as a take, scored, judged against its plan, saved with it.
    let mut practice = args.practice;
    let (store, coach) = practice::load(&practice)?;
    let plan = Plan::new(kind, coach.rubric(), args.length.or(args.length_flag));
    if kind == DrillKind::Clean {
        practice.max_seconds = Some(plan.length_s); // a clean round stops by itself
    }
    let previous = drill::rounds(&store, kind)?.pop().map(|(_, r)| r.result);
    let mut guide = rehearse::ui::drill::guide(&plan);
    let finished = practice::record_takes(&practice, &store, &coach, guide.as_mut(), style)?;
    drop(guide);
    let Some(done) = finished else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut result = drill::judge(&plan, &done.scored.analysis.report, coach.rubric());
    if kind == DrillKind::Clean {
        result.filler_delays_s = done.filler_delays;
    }
    print!(
        "{}",
        rehearse::ui::drill::summary(&plan, &result, previous.as_ref())
    );
    let round = drill::Round {
        schema: drill::ROUND_SCHEMA.into(),
        kind,
        plan,
        result,
    };
    drill::save_round(&done.dir, &round)?;
    Ok(ExitCode::SUCCESS)
}
