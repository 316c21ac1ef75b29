//! `rehearse drill …`: timing drills, each round a take of its own.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use rehearse::drill::{self, DrillKind, Plan};
use rehearse::report::TerminalStyle;
use rehearse::takes::TakeStore;

use super::practice::{self, PracticeArgs};

#[derive(Subcommand, Debug)]
pub enum DrillCommand {
    /// A countdown per STAR part with its prompt and a bell at each switch; afterwards
    /// the plan against what the speech did, and the full report.
    Star {
        /// The round's length, m:ss or seconds [default: the rubric's, 2:30].
        #[arg(long, value_parser = parse_length)]
        length: Option<f64>,
        #[command(flatten)]
        practice: PracticeArgs,
    },
    /// Hit the rubric's 2:00–3:00 with the timer hidden; afterwards how close you got
    /// and your trend across rounds.
    Clock {
        #[command(flatten)]
        practice: PracticeArgs,
    },
    /// Rounds per drill: best and recent results, trend and streak.
    History {
        #[arg(long)]
        takes_dir: Option<PathBuf>,
    },
}

/// "2:30" or "150" (seconds).
fn parse_length(s: &str) -> Result<f64, String> {
    let bad = || format!("{s:?} is not a length: use m:ss (2:30) or seconds (150)");
    let secs = match s.split_once(':') {
        Some((m, ss)) if ss.len() == 2 => {
            let m: u32 = m.parse().map_err(|_| bad())?;
            let ss: u32 = ss.parse().map_err(|_| bad())?;
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

pub fn run(cmd: DrillCommand, style: TerminalStyle) -> Result<ExitCode> {
    match cmd {
        DrillCommand::Star { length, practice } => round(&practice, style, DrillKind::Star, length),
        DrillCommand::Clock { practice } => round(&practice, style, DrillKind::Clock, None),
        DrillCommand::History { takes_dir } => {
            let store = TakeStore::new(takes_dir);
            let histories = DrillKind::ALL
                .iter()
                .map(|k| Ok(drill::history(*k, &drill::rounds(&store, *k)?)))
                .collect::<Result<Vec<_>, drill::DrillError>>()?;
            print!("{}", rehearse::ui::drill::history(&histories));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One round: recorded as a take, scored, judged against its plan and saved with it.
fn round(
    args: &PracticeArgs,
    style: TerminalStyle,
    kind: DrillKind,
    length_s: Option<f64>,
) -> Result<ExitCode> {
    let (store, coach) = practice::load(args)?;
    let plan = Plan::new(kind, coach.rubric(), length_s);
    let previous = drill::rounds(&store, plan.kind)?
        .pop()
        .map(|(_, r)| r.result);
    let mut guide = rehearse::ui::drill::guide(&plan);
    let finished = practice::record_takes(args, &store, &coach, guide.as_mut(), style)?;
    drop(guide);
    let Some(done) = finished else {
        return Ok(ExitCode::SUCCESS);
    };
    let result = drill::judge(&plan, &done.scored.analysis.report, coach.rubric());
    print!(
        "{}",
        rehearse::ui::drill::summary(&plan, &result, previous.as_ref())
    );
    drill::save_round(
        &done.dir,
        &drill::Round {
            schema: drill::ROUND_SCHEMA.into(),
            kind: plan.kind,
            plan,
            result,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
