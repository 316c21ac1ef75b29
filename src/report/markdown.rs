//! Markdown: the same content as the terminal report, for a coach or a notes app.

use std::io::{self, Write};

use super::{ReportFormat, phase_letter, timeline};
use crate::analysis::checks::{Status, clock};
use crate::analysis::{Analysis, Phase};

pub struct Markdown;

fn status_mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Warn => "⚠️ warn",
        Status::Fail => "❌ fail",
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl ReportFormat for Markdown {
    fn render(&self, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
        let r = &a.report;
        writeln!(out, "# Rehearsal report: {}\n", cell(&r.input.path))?;
        writeln!(
            out,
            "**Score {}/100** · {} {} · {} words · {:.0} wpm\n",
            r.score,
            clock(r.duration_s),
            r.input.timing.word(),
            r.words,
            r.wpm
        )?;
        if let Some(line) = super::cap_line(r) {
            writeln!(out, "{}\n", cell(&line))?;
        }
        writeln!(
            out,
            "## Checks\n\n| check | status | value | target | message |\n|---|---|---|---|---|"
        )?;
        for c in &r.checks {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                c.id,
                status_mark(c.status),
                cell(&c.value.to_string()),
                cell(&c.target),
                cell(&c.message)
            )?;
        }
        let weights: Vec<String> = r
            .score_weights
            .iter()
            .map(|(k, w)| format!("{k} {w}"))
            .collect();
        writeln!(
            out,
            "\nScore = weighted mean of the checks (pass 1, warn ½, fail 0); weights: {}.\n",
            weights.join(", ")
        )?;

        writeln!(
            out,
            "## Shape\n\n{}.\n\n| phase | time | words | share |\n|---|---:|---:|---:|",
            upper_first(r.phase_labels.describe())
        )?;
        for p in Phase::ALL {
            let s = r.phases.get(p);
            writeln!(
                out,
                "| {} | {} | {} | {:.0}% |",
                p.name(),
                clock(s.seconds),
                s.words,
                s.share * 100.0
            )?;
        }
        writeln!(
            out,
            "\nFailure share {:.0}% (target ≤ 10%, acceptable ≤ 25%) · STAR S {:.0}% / T {:.0}% / A {:.0}% / R {:.0}% (target 15/10/25/50)\n",
            r.failure_share * 100.0,
            r.star.S * 100.0,
            r.star.T * 100.0,
            r.star.A * 100.0,
            r.star.R * 100.0
        )?;
        let line = timeline(a, 60);
        let phases: String = line.iter().map(|(p, _)| phase_letter(*p)).collect();
        let marks: String = line
            .iter()
            .map(|(_, f)| if *f { '^' } else { ' ' })
            .collect();
        writeln!(
            out,
            "```\n{phases}\n{marks}\n```\nS situation · T task · F failure · R response · L learning · ^ filler\n"
        )?;

        writeln!(out, "## Transcript\n")?;
        for s in &r.sentences {
            writeln!(
                out,
                "- `{}` *{}* {}",
                clock(s.start),
                s.phase.name(),
                cell(&s.text)
            )?;
        }
        let f = &r.fillers;
        if f.total > 0 {
            writeln!(out, "\n## Fillers ({}, {:.1}/min)\n", f.total, f.per_minute)?;
            for h in &f.hits {
                writeln!(
                    out,
                    "- `{}` \"{}\" ({})",
                    clock(h.start),
                    cell(&h.text),
                    h.phase.name()
                )?;
            }
        }
        Ok(())
    }
}

/// "phases …" → "Phases …".
fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
