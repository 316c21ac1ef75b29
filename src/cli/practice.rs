//! `rehearse` / `rehearse practice`: record an answer from the microphone, then coach it.
//! Also `rehearse devices` and `rehearse takes`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use rehearse::analysis::Rubric;
use rehearse::analysis::checks::clock;
use rehearse::audio::capture;
use rehearse::audio::recorder::Tick;
use rehearse::coach::Coach;
use rehearse::rehearsal::Take;
use rehearse::report::{Format, TerminalStyle, formatter};
use rehearse::takes::{self, TakeStore};

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

#[derive(Subcommand, Debug)]
pub enum TakesCommand {
    /// Print the full report of a take again (by number from `rehearse takes`, or id).
    Show { which: String },
    /// Repair takes that were cut off (rewrites WAV sizes from the file length).
    Repair,
}

#[derive(Args, Debug)]
pub struct TakesArgs {
    #[arg(long, global = true)]
    pub takes_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<TakesCommand>,
}

fn level_bar(level: f32) -> String {
    // dBFS from -60 to 0 over 10 cells: a dead mic shows nothing in the first second.
    let db = 20.0 * level.max(1e-6).log10();
    let cells = (((db + 60.0) / 6.0).clamp(0.0, 10.0)) as usize;
    format!("{}{}", "▮".repeat(cells), "·".repeat(10 - cells))
}

/// How a take ended, from the speaker's side.
enum TakeEnd {
    /// Recorded to the end: report it.
    Recorded,
    /// `r` on the live screen: throw it away and record again.
    Restart,
    /// Esc/q confirmed: throw it away and quit.
    Discard,
}

/// Full screen only for a person at a terminal of at least 80x24; otherwise plain
/// lines (logs, pipes, CI, a small terminal, which is told why).
fn wants_live_screen() -> bool {
    let tty = std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var_os("REHEARSE_PLAIN").is_none();
    if tty && !rehearse::ui::live::fits() {
        say!(
            "note: the live screen needs a terminal of at least {}x{}; showing plain lines (enlarge the terminal for the live screen)",
            rehearse::ui::live::MIN_COLS,
            rehearse::ui::live::MIN_ROWS
        );
        return false;
    }
    tty
}

pub fn run(args: PracticeArgs, style: TerminalStyle) -> Result<ExitCode> {
    let store = TakeStore::new(args.takes_dir.clone());
    for fixed in store.repair_all().unwrap_or_default() {
        eprintln!("repaired an interrupted take: {}", fixed.display());
    }
    // Everything is loaded before the take: a missing model or encoder is reported
    // up front. The final report uses the encoder; the live cue labels from words alone.
    let coach = Coach::new(
        Rubric::load(args.rubric.as_deref())?,
        super::load_encoder(&args.encoder),
        args.engine.settings(),
    );
    for note in &coach.recogniser()?.notes {
        say!("note: {note}");
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // Ctrl-C, SIGINT, SIGTERM (a `kill`) and SIGHUP (the terminal closed) all finalize
        // the take: it is transcribed, scored and saved (ctrlc's "termination" feature).
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    let live = wants_live_screen();
    if !live {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            // Enter stops; end of input (no terminal) does not.
            if std::io::stdin()
                .lock()
                .read_line(&mut line)
                .is_ok_and(|n| n > 0)
            {
                stop.store(true, Ordering::Relaxed);
            }
        });
    }
    let session = Session {
        args: &args,
        coach: &coach,
        stop: &stop,
        style,
    };
    loop {
        stop.store(false, Ordering::Relaxed);
        let mut take = Take::start(args.device.as_deref(), &store)?;
        let end = if live {
            record_live(&mut take, &session)?
        } else {
            record_plain(&mut take, &session)?
        };
        match end {
            TakeEnd::Recorded => {
                return report(take, &coach, style);
            }
            TakeEnd::Restart => {
                take.discard();
                continue;
            }
            TakeEnd::Discard => {
                take.discard();
                eprintln!("take discarded; nothing was saved");
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
}

/// What every take of one `rehearse practice` run shares.
#[derive(Clone, Copy)]
struct Session<'a> {
    args: &'a PracticeArgs,
    coach: &'a Coach,
    stop: &'a AtomicBool,
    style: TerminalStyle,
}

fn record_plain(take: &mut Take, s: &Session) -> Result<TakeEnd> {
    let rubric = s.coach.rubric();
    let (device, rate, channels) = take.device();
    let (device, rate, channels) = (device.to_string(), rate, channels);
    let tty = std::io::stderr().is_terminal();
    eprintln!(
        "recording take {} from {device} ({rate} Hz, {channels} ch). Speak your answer; press Enter (or Ctrl-C) to stop.",
        take.id
    );
    let band = format!(
        "{}–{}",
        clock(rubric.targets.duration_min_s),
        clock(rubric.targets.duration_max_s)
    );
    let mut last_plain = -5.0;
    let mut on_tick = |t: Tick, cue: &str| {
        if tty {
            eprint!(
                "\r\x1b[2K● {}  target {band}  level {}  {}",
                clock(t.seconds),
                level_bar(t.level),
                cue
            );
            let _ = std::io::stderr().flush();
        } else if t.seconds - last_plain >= 5.0 {
            last_plain = t.seconds;
            eprintln!(
                "{} recorded, level {}",
                clock(t.seconds),
                level_bar(t.level)
            );
        }
    };
    take.record(s.coach, s.stop, s.args.max_seconds, &mut on_tick)?;
    if tty {
        eprintln!();
    }
    Ok(TakeEnd::Recorded)
}

fn record_live(take: &mut Take, s: &Session) -> Result<TakeEnd> {
    let (rubric, stop) = (s.coach.rubric(), s.stop);
    let color = s.style.color;
    let title = format!("rehearse · take {} · {}", take.id, take.device().0);
    let mut screen = rehearse::ui::live::LiveScreen::enter(
        title,
        rubric.targets.duration_min_s,
        rubric.targets.duration_max_s,
        color,
    )
    .context("cannot draw the live screen (set REHEARSE_PLAIN=1 for plain lines)")?;
    let mut action = None;
    let mut on_tick = |t: Tick, cue: &str| {
        if let Some(a) = screen.poll_keys() {
            action = Some(a);
            stop.store(true, Ordering::Relaxed);
        }
        if let Err(e) = screen.draw(t.seconds, t.level, cue) {
            log::debug!("drawing the live screen: {e}");
        }
    };
    let r = take.record(s.coach, s.stop, s.args.max_seconds, &mut on_tick);
    drop(screen);
    r?;
    Ok(match action {
        Some(rehearse::ui::live::KeyAction::Restart) => TakeEnd::Restart,
        Some(rehearse::ui::live::KeyAction::Discard) => TakeEnd::Discard,
        _ => TakeEnd::Recorded,
    })
}

/// Finalizes, scores and saves the take, then prints the report.
fn report(take: Take, coach: &Coach, style: TerminalStyle) -> Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}

pub fn devices() -> Result<ExitCode> {
    let list = capture::list_input_devices()?;
    if list.is_empty() {
        say!("{}", capture::CaptureError::NoDevice);
        return Ok(ExitCode::from(1));
    }
    for d in list {
        let ch_max = d.configs.iter().map(|c| c.0).max().unwrap_or(0);
        let ch_min = d.configs.iter().map(|c| c.0).min().unwrap_or(0);
        let rate_min = d.configs.iter().map(|c| c.1).min().unwrap_or(0);
        let rate_max = d.configs.iter().map(|c| c.2).max().unwrap_or(0);
        let mut formats: Vec<&str> = d.configs.iter().map(|c| c.3.as_str()).collect();
        formats.sort();
        formats.dedup();
        let rates = if rate_max >= 384_000 {
            format!("{rate_min} Hz and up")
        } else {
            format!("{rate_min}–{rate_max} Hz")
        };
        let marker = if d.is_default { "*" } else { " " };
        println!(
            "{marker} {}  ({ch_min}–{ch_max} channels, {rates}, {})",
            d.name,
            formats.join("/")
        );
    }
    println!("(* = default)");
    Ok(ExitCode::SUCCESS)
}

/// A take cut off before it was scored (killed, or the machine went down): its audio
/// is transcribed and scored now, and the transcript and report are saved with it, as
/// if the take had finished.
fn score_unscored_take(
    dir: &std::path::Path,
    audio: &std::path::Path,
    style: TerminalStyle,
) -> Result<ExitCode> {
    say!(
        "this take was not scored (it was cut off before its report was saved); scoring {} now and saving the report with it",
        audio.display()
    );
    let coach = Coach::new(
        Rubric::builtin(),
        super::load_encoder(&super::EncoderArgs::default()),
        Default::default(),
    );
    let name = audio.display().to_string();
    let (bar, progress) = super::transcribe::progress_bar(audio);
    let (transcript, notes) = coach.transcribe_file(audio, &name, progress)?;
    drop(bar);
    for note in &notes {
        say!("note: {note}");
    }
    if transcript.words.is_empty() {
        anyhow::bail!("no speech in {name} (silence only?); nothing to score");
    }
    let scored = coach.score_heard(transcript, &name)?;
    takes::save_scored(dir, &scored)?;
    let analysis = scored.analysis;
    let mut out = Vec::new();
    formatter(Format::Terminal, style).render(&analysis, &mut out)?;
    std::io::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn takes(args: TakesArgs, style: TerminalStyle) -> Result<ExitCode> {
    let store = TakeStore::new(args.takes_dir);
    match args.command {
        None => {
            let all = store.list()?;
            if all.is_empty() {
                println!(
                    "no takes yet in {}; run `rehearse` to record one",
                    store.dir.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{:>3}  {:<19} {:>6} {:>6} {:>8} {:>11}",
                "#", "take", "length", "score", "failure", "fillers/min"
            );
            for (i, t) in all.iter().enumerate() {
                let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
                println!(
                    "{:>3}  {:<19} {:>6} {:>6} {:>8} {:>11}{}",
                    i + 1,
                    t.id,
                    opt(t.seconds.map(clock)),
                    opt(t.score.map(|s| s.to_string())),
                    opt(t.failure_share.map(|f| format!("{:.0}%", f * 100.0))),
                    opt(t.fillers_per_minute.map(|f| format!("{f:.1}"))),
                    if t.unscored {
                        "  (not scored: `rehearse score` its audio.wav)"
                    } else {
                        ""
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(TakesCommand::Show { which }) => {
            let t = store
                .find(&which)?
                .with_context(|| format!("no take {which:?}; see `rehearse takes`"))?;
            let transcript_path = t.path.join(takes::TRANSCRIPT);
            let audio_path = t.path.join(takes::AUDIO);
            if !transcript_path.is_file() && audio_path.is_file() {
                return score_unscored_take(&t.path, &audio_path, style);
            }
            super::score::run(super::score::ScoreArgs::for_file(transcript_path), style)
        }
        Some(TakesCommand::Repair) => {
            let fixed = store.repair_all()?;
            println!("{} take(s) repaired", fixed.len());
            for f in fixed {
                println!("  {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
