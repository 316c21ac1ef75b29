//! The live screen while recording: a large timer coloured against the target band,
//! an input level meter, at most one cue, and the keys. Deliberately calm: speech
//! coaching studies found a single cue helps and a busy dashboard hurts, so the full
//! analysis waits for the stop. Fits 80x24; drawn with crossterm on the alternate
//! screen, restored on every exit path (the guard's Drop).

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::terminal::{self, ClearType};
use crossterm::{cursor, execute, queue};

use crate::analysis::checks::clock;
use crate::ui::recording::Frame;

/// What the speaker asked for with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    /// Enter, Space or Ctrl-C: stop and get the report.
    Stop,
    /// r: throw this take away and start again.
    Restart,
    /// Esc or q, confirmed with y: throw this take away and quit.
    Discard,
}

/// Glyphs for the big timer, 5 rows each: data, not drawing code.
const DIGITS: [[&str; 5]; 10] = [
    ["████", "█  █", "█  █", "█  █", "████"],
    ["  █ ", " ██ ", "  █ ", "  █ ", " ███"],
    ["████", "   █", "████", "█   ", "████"],
    ["████", "   █", " ███", "   █", "████"],
    ["█  █", "█  █", "████", "   █", "   █"],
    ["████", "█   ", "████", "   █", "████"],
    ["████", "█   ", "████", "█  █", "████"],
    ["████", "   █", "  █ ", " █  ", " █  "],
    ["████", "█  █", "████", "█  █", "████"],
    ["████", "█  █", "████", "   █", "████"],
];
const COLON: [&str; 5] = ["  ", "██", "  ", "██", "  "];

/// The timer as five text rows, e.g. `2:31`.
pub fn big_clock(seconds: f64) -> [String; 5] {
    let s = seconds.max(0.0) as u64;
    let text = format!("{}:{:02}", (s / 60).min(99), s % 60);
    let mut rows: [String; 5] = Default::default();
    for ch in text.chars() {
        for (r, row) in rows.iter_mut().enumerate() {
            let glyph = match ch.to_digit(10) {
                Some(d) => DIGITS[d as usize][r],
                None => COLON[r],
            };
            row.push_str(glyph);
            row.push(' ');
        }
    }
    rows
}

/// Where the elapsed time stands against the target band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Early,
    In,
    WrapUp,
    Over,
}

pub fn band(seconds: f64, min_s: f64, max_s: f64) -> Band {
    if seconds > max_s {
        Band::Over
    } else if seconds >= max_s - 15.0 {
        Band::WrapUp
    } else if seconds >= min_s {
        Band::In
    } else {
        Band::Early
    }
}

/// Level meter cells (dBFS -60..0).
fn meter(level: f32, cells: usize) -> (usize, f32) {
    let db = 20.0 * level.max(1e-6).log10();
    let filled = (((db + 60.0) / 60.0).clamp(0.0, 1.0) * cells as f32).round() as usize;
    (filled, db)
}

pub struct LiveScreen {
    out: io::Stdout,
    color: bool,
    title: String,
    band_text: String,
    min_s: f64,
    max_s: f64,
    confirming_discard: bool,
    /// Seconds of near-silence since the start, for the dead-mic warning.
    quiet_since_start: bool,
    /// The terminal size at the last draw: a change means a full redraw, so no line of
    /// the old layout stays behind.
    drawn_at: Option<(u16, u16)>,
    /// The headline drawn last: a new one rings the bell.
    headline: Option<String>,
}

/// The smallest terminal the live screen is laid out for.
pub const MIN_COLS: u16 = 80;
pub const MIN_ROWS: u16 = 24;

/// Whether the terminal is large enough for the live screen (unknown counts as not).
pub fn fits() -> bool {
    terminal::size().is_ok_and(|(c, r)| c >= MIN_COLS && r >= MIN_ROWS)
}

/// `text` cut to `width` columns (with "…"), so no line of the screen wraps.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl LiveScreen {
    /// Takes over the terminal (raw mode, alternate screen, hidden cursor).
    pub fn enter(title: String, min_s: f64, max_s: f64, color: bool) -> io::Result<LiveScreen> {
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(
            out,
            terminal::EnterAlternateScreen,
            cursor::Hide,
            terminal::Clear(ClearType::All)
        ) {
            let _ = terminal::disable_raw_mode();
            return Err(e);
        }
        Ok(LiveScreen {
            out,
            color,
            title,
            band_text: format!("target {}–{}", clock(min_s), clock(max_s)),
            min_s,
            max_s,
            confirming_discard: false,
            quiet_since_start: true,
            drawn_at: None,
            headline: None,
        })
    }

    /// Reads the keys pressed since the last call (never blocks).
    pub fn poll_keys(&mut self) -> Option<KeyAction> {
        while event::poll(Duration::ZERO).unwrap_or(false) {
            let Ok(Event::Key(key)) = event::read() else {
                continue;
            };
            if key.kind == KeyEventKind::Release {
                continue;
            }
            let ctrl_c =
                key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            if self.confirming_discard {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => return Some(KeyAction::Discard),
                    _ if ctrl_c => return Some(KeyAction::Stop),
                    _ => self.confirming_discard = false,
                }
                continue;
            }
            match key.code {
                _ if ctrl_c => return Some(KeyAction::Stop),
                KeyCode::Enter | KeyCode::Char(' ') => return Some(KeyAction::Stop),
                KeyCode::Char('r') | KeyCode::Char('R') => return Some(KeyAction::Restart),
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('Q') => {
                    self.confirming_discard = true
                }
                _ => {}
            }
        }
        None
    }

    fn fg(&mut self, c: Color) -> io::Result<()> {
        if self.color {
            queue!(self.out, SetForegroundColor(c))?;
        }
        Ok(())
    }

    fn line(&mut self, row: u16, col: u16, text: &str) -> io::Result<()> {
        let width = self.drawn_at.map_or(MIN_COLS, |(c, _)| c) as usize;
        let text = fit(text, width.saturating_sub(col as usize));
        queue!(
            self.out,
            cursor::MoveTo(col, row),
            terminal::Clear(ClearType::CurrentLine),
            Print(text)
        )
    }

    /// Redraws the screen (about ten times a second); all of it after a resize. Below
    /// 80x24 it asks for a larger terminal instead (recording goes on).
    pub fn draw(&mut self, seconds: f64, level: f32, frame: &Frame) -> io::Result<()> {
        let size = terminal::size().unwrap_or((MIN_COLS, MIN_ROWS));
        if self.drawn_at != Some(size) {
            queue!(self.out, terminal::Clear(ClearType::All))?;
            self.drawn_at = Some(size);
        }
        let (width, rows) = size;
        if width < MIN_COLS || rows < MIN_ROWS {
            let ask = format!(
                "{} recorded · enlarge the terminal to {MIN_COLS}x{MIN_ROWS} (now {width}x{rows}) · Enter stops",
                clock(seconds)
            );
            self.line(0, 0, &ask)?;
            return self.out.flush();
        }
        let title = self.title.clone();
        self.line(0, 1, &title)?;
        self.line(1, 0, "")?;

        let b = band(seconds, self.min_s, self.max_s);
        if frame.show_timer {
            let color = match b {
                Band::Early => Color::White,
                Band::In => Color::Green,
                Band::WrapUp => Color::Yellow,
                Band::Over => Color::Red,
            };
            let rows = big_clock(seconds);
            let glyph_width = rows[0].chars().count() as u16;
            let left = width.saturating_sub(glyph_width) / 2;
            self.fg(color)?;
            for (i, row) in rows.iter().enumerate() {
                self.line(2 + i as u16, left, row)?;
            }
            queue!(self.out, ResetColor)?;
            // The same time as text, for screen readers and terminal captures.
            let status = match b {
                Band::Early => "",
                Band::In => "  · in the band",
                Band::WrapUp => "  · wrap up",
                Band::Over => "  · over time",
            };
            let summary = format!("{} recorded  ·  {}{status}", clock(seconds), self.band_text);
            let col = width.saturating_sub(summary.chars().count() as u16) / 2;
            self.line(8, col, &summary)?;
        } else {
            for r in 2..8 {
                self.line(r, 0, "")?;
            }
            let hidden = "timer hidden: stop when you think you are done";
            let col = width.saturating_sub(hidden.chars().count() as u16) / 2;
            self.line(8, col, hidden)?;
        }
        self.line(9, 0, "")?;

        let cells = 40usize;
        let (filled, db) = meter(level, cells);
        if db > -50.0 {
            self.quiet_since_start = false;
        }
        let bar = format!(
            "level  {}{}  {:>4.0} dB",
            "▮".repeat(filled),
            "·".repeat(cells - filled),
            db.max(-99.0)
        );
        let col = width.saturating_sub(bar.chars().count() as u16) / 2;
        self.line(10, col, &bar)?;
        if self.quiet_since_start && seconds >= 1.0 {
            self.fg(Color::Red)?;
            let warn = "no sound from the microphone: check it is on and not muted";
            let col = width.saturating_sub(warn.chars().count() as u16) / 2;
            self.line(11, col, warn)?;
            queue!(self.out, ResetColor)?;
        } else {
            self.line(11, 0, "")?;
        }
        if frame.headline != self.headline {
            if frame.headline.is_some() && self.headline.is_some() {
                queue!(self.out, Print("\x07"))?; // a phase switch: the bell
            }
            self.headline = frame.headline.clone();
        }
        let headline = frame.headline.as_ref().map(|h| match frame.countdown_s {
            Some(left) => format!("{h} · {} left", clock(left)),
            None => h.clone(),
        });
        match &headline {
            Some(h) => {
                let col = width.saturating_sub(h.chars().count() as u16) / 2;
                self.fg(Color::Cyan)?;
                queue!(self.out, SetAttribute(Attribute::Bold))?;
                self.line(12, col, h)?;
                queue!(self.out, SetAttribute(Attribute::Reset), ResetColor)?;
            }
            None => self.line(12, 0, "")?,
        }
        if frame.cue.is_empty() {
            self.line(13, 0, "")?;
        } else {
            let text = format!("→ {}", frame.cue);
            let col = width.saturating_sub(text.chars().count() as u16) / 2;
            queue!(self.out, SetAttribute(Attribute::Bold))?;
            self.line(13, col, &text)?;
            queue!(self.out, SetAttribute(Attribute::Reset))?;
        }
        for r in 14..21 {
            self.line(r, 0, "")?;
        }
        let keys = if self.confirming_discard {
            "Discard this take? y = discard · any other key = keep recording"
        } else {
            "Enter/Space stop and score · r restart · Esc/q discard"
        };
        self.fg(Color::DarkGrey)?;
        let col = width.saturating_sub(keys.chars().count() as u16) / 2;
        self.line(22, col, keys)?;
        queue!(self.out, ResetColor)?;
        self.out.flush()
    }
}

impl Drop for LiveScreen {
    fn drop(&mut self) {
        let _ = execute!(
            self.out,
            ResetColor,
            cursor::Show,
            terminal::LeaveAlternateScreen
        );
        let _ = terminal::disable_raw_mode();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_clock_is_five_even_rows() {
        let rows = big_clock(151.7);
        let w = rows[0].chars().count();
        assert!(rows.iter().all(|r| r.chars().count() == w));
        // 2:31 = three digits and a colon: fits 80 columns many times over.
        assert!(w < 30, "{w}");
        assert_eq!(big_clock(0.0)[0].chars().count(), w);
        assert_ne!(big_clock(151.0), big_clock(152.0));
        // The colon's two dots sit on rows 1 and 3 only.
        assert!(rows[1].contains(" ██ ") && !rows[0].contains(" ██ "));
    }

    #[test]
    fn the_band_follows_the_targets() {
        assert_eq!(band(30.0, 120.0, 180.0), Band::Early);
        assert_eq!(band(121.0, 120.0, 180.0), Band::In);
        assert_eq!(band(166.0, 120.0, 180.0), Band::WrapUp);
        assert_eq!(band(181.0, 120.0, 180.0), Band::Over);
    }
}
