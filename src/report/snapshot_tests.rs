//! Golden tests: every report format rendered for two fixed answers (a strong written
//! draft, and a weak one with blame, fillers and hedges), compared with the snapshots
//! in `src/report/snapshots/` (insta; `cargo insta review` after an intended change).

use super::{Format, TerminalStyle, formatter};
use crate::analysis::text::transcript_from_text;
use crate::analysis::{Analysis, InputInfo, InputKind, Rubric, Timing, analyze};

const STRONG: &str = "Two years ago I led the migration of our billing database. \
I skipped the dry run because the schedule was tight, and the migration locked the \
invoices table for forty minutes, so three hundred customers could not pay. I rolled \
it back that night, called the five largest accounts myself and wrote the incident \
report. Since then I run every migration against a copy of production first, and I \
added a rehearsal step to our release checklist. In the eighteen months since, we have \
shipped twenty-two migrations with no downtime, and two other teams adopted the \
checklist.";

const WEAK: &str = "So, um, basically the project kind of failed because the vendor \
was late and my manager never gave us the budget. I mean, it was sort of a disaster, \
honestly, a total catastrophe. We, uh, tried to fix it but it was not really our fault. \
I guess I learned that, you know, things happen.";

fn analysis(text: &str, name: &str) -> Analysis {
    let rubric = Rubric::builtin();
    let t = transcript_from_text(text, rubric.targets.text_wpm);
    let input = InputInfo {
        path: name.into(),
        kind: InputKind::Text,
        timing: Timing::Estimated,
        transcribed: None,
    };
    analyze(&t, input, &rubric)
}

fn render(a: &Analysis, format: Format, style: TerminalStyle) -> String {
    let mut out = Vec::new();
    formatter(format, style)
        .render(a, &mut out)
        .expect("render");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn every_format_renders_as_before() {
    let coloured = TerminalStyle {
        color: true,
        width: 100,
    };
    for (name, text) in [("strong.txt", STRONG), ("weak.txt", WEAK)] {
        let a = analysis(text, name);
        let stem = name.trim_end_matches(".txt");
        insta::assert_snapshot!(
            format!("{stem}-terminal"),
            render(&a, Format::Terminal, TerminalStyle::PLAIN)
        );
        insta::assert_snapshot!(
            format!("{stem}-terminal-colour"),
            render(&a, Format::Terminal, coloured)
        );
        insta::assert_snapshot!(format!("{stem}-json"), render(&a, Format::Json, coloured));
        insta::assert_snapshot!(
            format!("{stem}-markdown"),
            render(&a, Format::Markdown, coloured)
        );
    }
}

#[test]
fn only_the_terminal_format_carries_colour() {
    let a = analysis(WEAK, "weak.txt");
    let coloured = TerminalStyle {
        color: true,
        width: 100,
    };
    assert!(render(&a, Format::Terminal, coloured).contains("\x1b["));
    for format in [Format::Json, Format::Markdown] {
        assert!(!render(&a, format, coloured).contains('\x1b'), "{format:?}");
    }
    assert!(!render(&a, Format::Terminal, TerminalStyle::PLAIN).contains('\x1b'));
}
