//! `rehearse` / `rehearse practice`: record an answer from the microphone, then coach it.
//! Also `rehearse devices`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Result;
use clap::Args;

use rehearse::audio::capture;
use rehearse::coach::Coach;
use rehearse::rehearsal::{FinishedTake, Take};
use rehearse::report::{Format, TerminalStyle, clock, formatter};
use rehearse::takes::TakeStore;
use rehearse::ui::recording::{self, Round, RoundEnd};

use super::EngineArgs;

#[derive(Args, Debug, Default)]
pub struct PracticeArgs {
    /// Input device: part of its name (see `rehearse devices`); default: the system default.
    #[arg(long)]
    pub device: Option<String>,
    /// Where takes are kept [default: the user data directory, e.g. ~/.local/share/rehearse/takes].
    #[arg(long)]
    pub takes_dir: Option<PathBuf>,
    /// Stop by itself after this many seconds of audio (drills, tests).
    #[arg(long)]
    pub max_seconds: Option<f64>,
    /// A rubric file whose values replace the built-in ones.
    #[arg(long)]
    pub rubric: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub encoder: super::EncoderArgs,
}

pub fn run(args: PracticeArgs, style: TerminalStyle) -> Result<ExitCode> {
    let (store, coach) = load(&args)?;
    record_takes(&args, &store, &coach, &mut recording::PracticeGuide, style)?;
    Ok(ExitCode::SUCCESS)
}

/// The take store (interrupted takes repaired) and the coach, loaded before the first
/// take: a missing model or encoder is reported up front.
pub fn load(args: &PracticeArgs) -> Result<(TakeStore, Coach)> {
    let store = TakeStore::new(args.takes_dir.clone());
    for fixed in store.repair_all().unwrap_or_default() {
        eprintln!("repaired an interrupted take: {}", fixed.display());
    }
    // The final report uses the encoder; the live cue labels from words alone.
    let coach = Coach::with_rubric(
        args.rubric.as_deref(),
        super::load_encoder(&args.encoder),
        args.engine.settings(),
    )?;
    for note in &coach.recogniser()?.notes {
        say!("note: {note}");
    }
    Ok((store, coach))
}

/// Records takes, shown as `guide` says, until one is kept: it is scored, saved and
/// its report printed. `None`: the speaker discarded the take.
pub fn record_takes(
    args: &PracticeArgs,
    store: &TakeStore,
    coach: &Coach,
    guide: &mut dyn recording::Guide,
    style: TerminalStyle,
) -> Result<Option<FinishedTake>> {
    let live = recording::wants_live_screen();
    let stop = recording::stop_flag(live);
    let round = Round {
        coach,
        stop: &stop,
        max_seconds: args.max_seconds,
        live,
        color: style.color,
    };
    loop {
        stop.store(false, Ordering::Relaxed);
        let mut take = Take::start(args.device.as_deref(), store)?;
        match recording::record(&mut take, &round, guide)? {
            RoundEnd::Recorded => return Ok(Some(report(take, coach, style)?)),
            RoundEnd::Restart => take.discard(),
            RoundEnd::Discard => {
                take.discard();
                eprintln!("take discarded; nothing was saved");
                return Ok(None);
            }
        }
    }
}

/// Finalizes, scores and saves the take, then prints the report.
fn report(take: Take, coach: &Coach, style: TerminalStyle) -> Result<FinishedTake> {
    say!(
        "saved {} ({}); finishing the transcript…",
        take.audio_path.display(),
        clock(take.seconds())
    );
    let done = take.finish(coach, &mut |w| say!("warning: {w}"))?;
    log::info!(
        "stop to report: {:.2} s",
        done.stopped.elapsed().as_secs_f64()
    );
    let mut out = Vec::new();
    formatter(Format::Terminal, style).render(&done.scored.analysis, &mut out)?;
    // A hung-up terminal (SIGHUP) cannot show it; the take is saved either way.
    let _ = std::io::stdout().write_all(&out);
    say!(
        "report ready {:.1} s after the stop; take saved in {}",
        done.stopped.elapsed().as_secs_f64(),
        done.dir.display()
    );
    Ok(done)
}

pub fn devices() -> Result<ExitCode> {
    let list = capture::list_input_devices()?;
    if list.is_empty() {
        say!("{}", capture::CaptureError::NoDevice);
        return Ok(ExitCode::from(1));
    }
    print!("{}", rehearse::ui::tables::devices(&list));
    Ok(ExitCode::SUCCESS)
}
