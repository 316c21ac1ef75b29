//! Rendering a coach report: one small module per format behind one trait, and a
//! single place ([`formatter`]) that picks them.

mod json;
mod markdown;
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
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "terminal" | "term" | "text" => Some(Format::Terminal),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
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
    }
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
