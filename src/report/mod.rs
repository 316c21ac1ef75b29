//! Rendering a coach report: one small module per format behind one trait, and a
//! single place ([`formatter`]) that picks them.

pub mod compare;
pub mod html;
mod json;
mod markdown;
pub mod progress;
mod terminal;

#[cfg(test)]
mod snapshot_tests;

use std::io::{self, Write};

use crate::analysis::{Analysis, Phase};

/// m:ss, as every report and screen writes a length of time.
pub use crate::analysis::checks::clock;

/// An output format for a report.
pub trait ReportFormat {
    fn render(&self, analysis: &Analysis, out: &mut dyn Write) -> io::Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
    Markdown,
    /// One self-contained page: timeline, checks, transcript, the recording linked.
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "terminal" | "term" | "text" => Some(Format::Terminal),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

/// How the terminal report is drawn: decided once by the caller (is the output a
/// terminal, NO_COLOR, TERM=dumb, its width) and handed down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalStyle {
    pub color: bool,
    /// Columns to wrap at (clamped to 50-120).
    pub width: usize,
}

impl TerminalStyle {
    /// No colour, 78 columns: files, pipes, logs.
    pub const PLAIN: TerminalStyle = TerminalStyle {
        color: false,
        width: 78,
    };

    /// For standard output: `color` forced on or off, or (`None`) only on a terminal
    /// and not with NO_COLOR set or TERM=dumb. Reports wrap at the terminal's width.
    pub fn for_stdout(color: Option<bool>) -> TerminalStyle {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let width = crossterm::terminal::size()
            .ok()
            .filter(|_| tty)
            .map_or(78, |(cols, _)| usize::from(cols).saturating_sub(2));
        TerminalStyle {
            color: color.unwrap_or(tty && !no_color && !dumb),
            width,
        }
    }
}

/// The formatter for `format`; `style` only matters for the terminal.
pub fn formatter(format: Format, style: TerminalStyle) -> Box<dyn ReportFormat> {
    match format {
        Format::Terminal => Box::new(terminal::Terminal {
            color: style.color,
            width: style.width.clamp(50, 120),
        }),
        Format::Json => Box::new(json::Json),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Html => Box::new(html::Html {
            audio: html::Recording::Absent,
        }),
    }
}

/// The formatter for `format`, where an HTML page plays `recording` (linked from
/// where the page will be written, `page`, or embedded): every command that writes
/// a report decides this the same way.
pub fn formatter_with_audio(
    format: Format,
    style: TerminalStyle,
    recording: Option<&std::path::Path>,
    page: Option<&std::path::Path>,
    embed: bool,
) -> Result<Box<dyn ReportFormat>, crate::audio::AudioError> {
    Ok(match format {
        Format::Html => Box::new(html::Html {
            audio: html::Recording::for_page(recording, page, embed)?,
        }),
        _ => formatter(format, style),
    })
}

/// One letter per phase, for text timelines.
pub(crate) fn phase_letter(p: Phase) -> char {
    match p {
        Phase::Situation => 'S',
        Phase::Task => 'T',
        Phase::Failure => 'F',
        Phase::Response => 'R',
        Phase::Learning => 'L',
    }
}

/// The phase at each of `width` equal time slices of the answer, and whether a filler
/// falls in the slice.
pub(crate) fn timeline(a: &Analysis, width: usize) -> Vec<(Phase, bool)> {
    let r = &a.report;
    let (Some(first), Some(last)) = (a.tokens.first(), a.tokens.last()) else {
        return Vec::new();
    };
    let (t0, t1) = (first.start, last.end.max(first.start + 1e-6));
    let slice = (t1 - t0) / width as f64;
    (0..width)
        .map(|k| {
            let mid = t0 + (k as f64 + 0.5) * slice;
            let phase = r
                .sentences
                .iter()
                .rev()
                .find(|s| s.start <= mid)
                .map(|s| s.phase)
                .unwrap_or(Phase::Situation);
            let lo = t0 + k as f64 * slice;
            let filler = r
                .fillers
                .hits
                .iter()
                .any(|h| h.start >= lo && h.start < lo + slice);
            (phase, filler)
        })
        .collect()
}

/// "score capped at 60: …" when a failed check capped the score, quoting that check.
pub fn cap_line(r: &crate::analysis::Report) -> Option<String> {
    let cap = r.score_cap.as_ref()?;
    let why = r
        .checks
        .iter()
        .find(|c| c.id == cap.check)
        .map(|c| c.message.as_str())
        .unwrap_or_default();
    Some(format!(
        "score capped at {} (the checks alone give {}): {} failed: {why}",
        cap.cap, cap.uncapped, cap.check
    ))
}
