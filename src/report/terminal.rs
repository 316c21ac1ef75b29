//! The terminal report: checks first (worst first), then a one-line timeline of the
//! answer, then the transcript with hits highlighted. Colour or not is decided once
//! (`--color`, NO_COLOR, TERM=dumb, a terminal or not) and handed in.

use std::io::{self, Write};

use anstyle::{AnsiColor, Color, Style};

use super::{ReportFormat, phase_letter, timeline};
use crate::analysis::checks::{Status, clock};
use crate::analysis::{Analysis, Phase};

pub struct Terminal {
    pub color: bool,
    /// Columns to wrap at.
    pub width: usize,
}

const fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(c)))
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const FILLER: Style = fg(AnsiColor::Yellow);
const HEDGE: Style = fg(AnsiColor::Cyan);
const FLAG: Style = fg(AnsiColor::Red).bold();

/// Each phase's colour on the timeline; the letters and names carry the meaning too.
fn phase_style(p: Phase) -> Style {
    let c = match p {
        Phase::Situation => AnsiColor::Blue,
        Phase::Task => AnsiColor::Cyan,
        Phase::Failure => AnsiColor::Red,
        Phase::Response => AnsiColor::Yellow,
        Phase::Learning => AnsiColor::Green,
    };
    Style::new().bg_color(Some(Color::Ansi(c)))
}

impl Terminal {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn mark(&self, s: Status) -> String {
        match s {
            Status::Pass => self.paint(fg(AnsiColor::Green), "✓"),
            Status::Warn => self.paint(fg(AnsiColor::Yellow), "!"),
            Status::Fail => self.paint(fg(AnsiColor::Red), "✗"),
        }
    }
}

/// Wraps `text` to `width` columns with a hanging indent.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let limit = if lines.is_empty() {
            width
        } else {
            width - indent
        };
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > limit {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

impl ReportFormat for Terminal {
    fn render(&self, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
        let r = &a.report;
        let width = self.width;
        let timing = r.input.timing.word();
        writeln!(
            out,
            "{}  {}  ({}, {} {}, {} words, {:.0} wpm)",
            self.paint(BOLD, "rehearse"),
            self.paint(BOLD, &format!("score {}/100", r.score)),
            r.input.path,
            clock(r.duration_s),
            timing,
            r.words,
            r.wpm
        )?;
        if let Some(line) = super::cap_line(r) {
            for l in wrap(&line, width, 0) {
                writeln!(out, "{l}")?;
            }
        }
        writeln!(out)?;
        for c in &r.checks {
            let head = format!("{:<17}", c.id);
            let lines = wrap(&c.message, width - 21, 0);
            for (k, l) in lines.iter().enumerate() {
                if k == 0 {
                    writeln!(out, " {} {} {}", self.mark(c.status), head, l)?;
                } else {
                    writeln!(out, "   {:<17} {}", "", l)?;
                }
            }
        }

        // Timeline: phases as colored blocks across time, filler marks below.
        let cols = 60;
        let line = timeline(a, cols);
        if !line.is_empty() {
            writeln!(out)?;
            let bar: String = line
                .iter()
                .map(|(p, _)| {
                    if self.color {
                        self.paint(phase_style(*p), " ")
                    } else {
                        phase_letter(*p).to_string()
                    }
                })
                .collect();
            let marks: String = line
                .iter()
                .map(|(_, f)| if *f { '^' } else { ' ' })
                .collect();
            writeln!(out, " 0:00 {bar} {}", clock(r.duration_s))?;
            if marks.trim().is_empty() {
                writeln!(out, "      (no fillers)")?;
            } else {
                writeln!(out, "      {marks} ^ filler")?;
            }
            let legend: Vec<String> = Phase::ALL
                .iter()
                .map(|p| {
                    let label = format!("{} {:.0}%", p.name(), r.phases.get(*p).share * 100.0);
                    if self.color {
                        format!("{} {label}", self.paint(phase_style(*p), "  "))
                    } else {
                        format!("{}={label}", phase_letter(*p))
                    }
                })
                .collect();
            writeln!(out, "      {}", legend.join("  "))?;
            writeln!(
                out,
                "      failure share {:.0}% (≤ 10% on target, ≤ 25% acceptable)",
                r.failure_share * 100.0
            )?;
        }

        // Transcript with hits highlighted: fillers yellow, hedges cyan, flags red.
        writeln!(out)?;
        let mut style = vec![None; a.tokens.len()];
        let mut mark_range = |hits: &[crate::analysis::Hit], code: Style| {
            for h in hits {
                for (i, t) in a.tokens.iter().enumerate() {
                    if t.start >= h.start - 1e-9 && t.end <= h.end + 1e-9 {
                        style[i] = Some(code);
                    }
                }
            }
        };
        mark_range(&r.hedges.hits, HEDGE);
        mark_range(&r.fillers.hits, FILLER);
        for flag in [
            &r.flags.blame,
            &r.flags.fake_failure,
            &r.flags.over_apology,
            &r.flags.catastrophic,
            &r.flags.red_flag_topic,
        ] {
            mark_range(flag, FLAG);
        }
        let mut at = 0;
        for s in &r.sentences {
            let end = (at + s.words).min(a.tokens.len());
            // (visible width, rendered word): wrap on what the reader sees.
            let words: Vec<(usize, String)> = (at..end)
                .map(|i| {
                    let raw = &a.tokens[i].raw;
                    let shown = match style[i] {
                        None => raw.clone(),
                        Some(st) => self.paint(st, raw),
                    };
                    (raw.chars().count(), shown)
                })
                .collect();
            at = end;
            let head = format!(" {:>5} {:<9} ", clock(s.start), s.phase.name());
            let indent = head.chars().count();
            let mut line = String::new();
            let mut used = 0;
            let mut first = true;
            for (w, shown) in words {
                if used > 0 && indent + used + 1 + w > width {
                    let lead = if first {
                        self.paint(DIM, &head)
                    } else {
                        " ".repeat(indent)
                    };
                    writeln!(out, "{lead}{line}")?;
                    first = false;
                    line.clear();
                    used = 0;
                }
                if used > 0 {
                    line.push(' ');
                    used += 1;
                }
                line.push_str(&shown);
                used += w;
            }
            let lead = if first {
                self.paint(DIM, &head)
            } else {
                " ".repeat(indent)
            };
            writeln!(out, "{lead}{line}")?;
        }
        let weights: Vec<String> = r
            .score_weights
            .iter()
            .filter(|(_, w)| **w > 0.0)
            .map(|(k, w)| format!("{k} {w}"))
            .collect();
        writeln!(out)?;
        for l in wrap(
            &format!(
                "score = weighted mean of checks (pass 1, warn ½, fail 0); weights: {}; {}",
                weights.join(", "),
                r.phase_labels.describe()
            ),
            width,
            0,
        ) {
            writeln!(out, "{}", self.paint(DIM, &l))?;
        }
        if let Some(t) = &r.input.transcribed {
            let line = format!("transcribed by {} on {}", t.model, t.device_text());
            writeln!(out, "{}", self.paint(DIM, &line))?;
        }
        Ok(())
    }
}
