//! Recording one round (a practice take or a drill round) in front of the speaker:
//! the full-screen live view for a person at a large enough terminal, plain lines
//! otherwise. What the round shows besides the level (the timer, a headline such as a
//! drill's phase and countdown, the cue) comes from its [`Guide`].

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::analysis::checks::clock;
use crate::audio::recorder::Tick;
use crate::coach::Coach;
use crate::rehearsal::{Live, RehearsalError, Take};
use crate::transcribe::stream::ChunkPolicy;
use crate::ui::live::{KeyAction, LiveScreen};

/// What the screen shows at one moment of a round.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    /// Whether the elapsed time is shown (a clock drill hides it).
    pub show_timer: bool,
    /// A line above the cue, e.g. the drill's part now; a change of headline rings
    /// the terminal bell.
    pub headline: Option<String>,
    /// Seconds left of what the headline names.
    pub countdown_s: Option<f64>,
    /// The one cue (or prompt) for the speaker; empty for none.
    pub cue: String,
}

/// Decides what a round shows, from the seconds recorded and what has been heard so far
/// (the live cue, the fillers).
pub trait Guide {
    fn frame(&mut self, seconds: f64, heard: &Live) -> Frame;

    /// How finely the speech is transcribed while recording: practice needs a word
    /// every few seconds at most; a live counter of words needs them within a second.
    fn chunks(&self) -> ChunkPolicy {
        ChunkPolicy::default()
    }
}

/// Practice: the timer and the live cue.
pub struct PracticeGuide;

impl Guide for PracticeGuide {
    fn frame(&mut self, _seconds: f64, heard: &Live) -> Frame {
        Frame {
            show_timer: true,
            cue: heard.cue.to_string(),
            ..Frame::default()
        }
    }
}

/// How a round ended, from the speaker's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundEnd {
    /// Recorded to the end: report it.
    Recorded,
    /// `r` on the live screen: throw it away and record again.
    Restart,
    /// Esc/q confirmed: throw it away and quit.
    Discard,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot draw the live screen (set REHEARSE_PLAIN=1 for plain lines): {0}")]
    Screen(#[source] std::io::Error),
    #[error(transparent)]
    Rehearsal(#[from] RehearsalError),
}

/// What every round of one run shares.
pub struct Round<'a> {
    pub coach: &'a Coach,
    pub stop: &'a AtomicBool,
    pub max_seconds: Option<f64>,
    /// The full-screen view ([`wants_live_screen`]) or plain lines.
    pub live: bool,
    pub color: bool,
}

/// Writes to standard error, never failing: after SIGHUP the terminal is gone, and
/// finishing a take must not die on a message nobody can read.
fn say(text: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Full screen only for a person at a terminal of at least 80x24; otherwise plain
/// lines (logs, pipes, CI, a small terminal, which is told why).
pub fn wants_live_screen() -> bool {
    let tty = std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::env::var_os("REHEARSE_PLAIN").is_none();
    if tty && !crate::ui::live::fits() {
        say(format_args!(
            "note: the live screen needs a terminal of at least {}x{}; showing plain lines (enlarge the terminal for the live screen)",
            crate::ui::live::MIN_COLS,
            crate::ui::live::MIN_ROWS
        ));
        return false;
    }
    tty
}

/// The stop flag of a run's rounds: Ctrl-C, SIGINT, SIGTERM (a `kill`) and SIGHUP (the
/// terminal closed) set it, so the take is still transcribed, scored and saved
/// (ctrlc's "termination" feature); so does Enter without the live screen (the end of
/// input, with no terminal, does not).
pub fn stop_flag(live: bool) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    let _ = ctrlc::set_handler(move || on_signal.store(true, Ordering::Relaxed));
    if !live {
        let on_enter = stop.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            if std::io::stdin()
                .lock()
                .read_line(&mut line)
                .is_ok_and(|n| n > 0)
            {
                on_enter.store(true, Ordering::Relaxed);
            }
        });
    }
    stop
}

/// Records `take` until the stop (Enter, Ctrl-C, a signal, the length limit), showing
/// what `guide` says.
pub fn record(
    take: &mut Take,
    round: &Round,
    guide: &mut dyn Guide,
) -> Result<RoundEnd, RecordingError> {
    if round.live {
        record_live(take, round, guide)
    } else {
        record_plain(take, round, guide)
    }
}

fn level_bar(level: f32) -> String {
    // dBFS from -60 to 0 over 10 cells: a dead mic shows nothing in the first second.
    let db = 20.0 * level.max(1e-6).log10();
    let cells = (((db + 60.0) / 6.0).clamp(0.0, 10.0)) as usize;
    format!("{}{}", "▮".repeat(cells), "·".repeat(10 - cells))
}

/// Plain lines: a status line redrawn in place on a terminal, one line every 5 s in a
/// log; a new headline (a drill's phase switch) gets a line of its own, with the time.
fn record_plain(
    take: &mut Take,
    round: &Round,
    guide: &mut dyn Guide,
) -> Result<RoundEnd, RecordingError> {
    let rubric = round.coach.rubric();
    let (device, rate, channels) = take.device();
    let tty = std::io::stderr().is_terminal();
    say(format_args!(
        "recording take {} from {device} ({rate} Hz, {channels} ch). Speak your answer; press Enter (or Ctrl-C) to stop.",
        take.id
    ));
    let band = format!(
        "{}–{}",
        clock(rubric.targets.duration_min_s),
        clock(rubric.targets.duration_max_s)
    );
    let mut last_plain = -5.0;
    let mut headline: Option<String> = None;
    let chunks = guide.chunks();
    let mut on_tick = |t: Tick, heard: &Live| {
        let frame = guide.frame(t.seconds, heard);
        if frame.headline.is_some() && frame.headline != headline {
            headline = frame.headline.clone();
            let text = headline.as_deref().unwrap_or_default();
            let at = if frame.show_timer {
                format!("{} ", clock(t.seconds))
            } else {
                String::new()
            };
            let bell = if tty { "\x07" } else { "" };
            say(format_args!(
                "{}{bell}{at}{text}: {}",
                if tty { "\r\x1b[2K" } else { "" },
                frame.cue
            ));
        }
        let time = match (frame.show_timer, frame.countdown_s) {
            (false, _) => "timer hidden".to_string(),
            (true, Some(left)) => format!("{}  {} left", clock(t.seconds), clock(left)),
            (true, None) => format!("{}  target {band}", clock(t.seconds)),
        };
        if tty {
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K● {time}  level {}  {}",
                level_bar(t.level),
                frame.cue
            );
            let _ = std::io::stderr().flush();
        } else if t.seconds - last_plain >= 5.0 {
            last_plain = t.seconds;
            let what = if frame.show_timer {
                format!("{} recorded", clock(t.seconds))
            } else {
                "recording".to_string()
            };
            say(format_args!("{what}, level {}", level_bar(t.level)));
        }
    };
    take.record(
        round.coach,
        round.stop,
        round.max_seconds,
        chunks,
        &mut on_tick,
    )?;
    if tty {
        say(format_args!(""));
    }
    Ok(RoundEnd::Recorded)
}

fn record_live(
    take: &mut Take,
    round: &Round,
    guide: &mut dyn Guide,
) -> Result<RoundEnd, RecordingError> {
    let rubric = round.coach.rubric();
    let title = format!("rehearse · take {} · {}", take.id, take.device().0);
    let mut screen = LiveScreen::enter(
        title,
        rubric.targets.duration_min_s,
        rubric.targets.duration_max_s,
        round.color,
    )
    .map_err(RecordingError::Screen)?;
    let mut action = None;
    let stop: &AtomicBool = round.stop;
    let chunks = guide.chunks();
    let mut on_tick = |t: Tick, heard: &Live| {
        if let Some(a) = screen.poll_keys() {
            action = Some(a);
            stop.store(true, Ordering::Relaxed);
        }
        let frame = guide.frame(t.seconds, heard);
        if let Err(e) = screen.draw(t.seconds, t.level, &frame) {
            log::debug!("drawing the live screen: {e}");
        }
    };
    let r = take.record(
        round.coach,
        round.stop,
        round.max_seconds,
        chunks,
        &mut on_tick,
    );
    drop(screen);
    r?;
    Ok(match action {
        Some(KeyAction::Restart) => RoundEnd::Restart,
        Some(KeyAction::Discard) => RoundEnd::Discard,
        _ => RoundEnd::Recorded,
    })
}
