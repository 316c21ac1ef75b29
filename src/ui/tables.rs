//! Listings printed as plain tables: takes, models.

use std::fmt::Write;

use crate::analysis::checks::clock;
use crate::models::{InstallState, ModelStore};
use crate::takes::TakeSummary;

/// A size in mebibytes, as the model hub gives them.
pub fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// `rehearse takes`: one row per take, oldest first, numbered for `takes show N`.
pub fn takes(all: &[TakeSummary], dir: &std::path::Path) -> String {
    if all.is_empty() {
        return format!(
            "no takes yet in {}; run `rehearse` to record one\n",
            dir.display()
        );
    }
    let mut out = format!(
        "{:>3}  {:<19} {:<8} {:>6} {:>6} {:>8} {:>11}\n",
        "#", "take", "kind", "length", "score", "failure", "fillers/min"
    );
    let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    for (i, t) in all.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:>3}  {:<19} {:<8} {:>6} {:>6} {:>8} {:>11}{}",
            i + 1,
            t.id,
            t.drill.as_deref().unwrap_or("practice"),
            opt(t.seconds.map(clock)),
            opt(t.score.map(|s| s.to_string())),
            opt(t.failure_share.map(|f| format!("{:.0}%", f * 100.0))),
            opt(t.fillers_per_minute.map(|f| format!("{f:.1}"))),
            if t.unscored {
                "  (not scored: `rehearse takes show` it)"
            } else {
                ""
            }
        );
    }
    out
}

/// `rehearse takes repair`: how many takes were repaired, and their audio files.
pub fn repaired(fixed: &[std::path::PathBuf]) -> String {
    let mut out = format!("{} take(s) repaired\n", fixed.len());
    for f in fixed {
        let _ = writeln!(out, "  {}", f.display());
    }
    out
}

/// `rehearse model list`: every known model and the sentence encoder, with what is on
/// disk and the fix for a damaged one.
pub fn models(store: &ModelStore, verify: bool) -> String {
    let mut out = format!(
        "models directory: {} ({})\n{:<16} {:<11} {:>8}  {:<40}  about\n",
        store.dir.display(),
        store.dir_reason,
        "name",
        "state",
        "size",
        "sha1 (published)"
    );
    for m in store.listing(verify) {
        let size = m.size.map(mib).unwrap_or_else(|| "?".into());
        let default = if m.is_default { " (default)" } else { "" };
        let _ = writeln!(
            out,
            "{:<16} {:<11} {:>8}  {:<40}  {}{default}",
            m.name,
            m.state.label(),
            size,
            m.checksum,
            m.about
        );
        if let InstallState::Corrupt { why } = &m.state {
            let _ = writeln!(
                out,
                "                 ↳ {why}; fix: rehearse model download {}",
                m.name
            );
        }
    }
    out
}

/// `rehearse devices`: one line per input device, the default marked.
pub fn devices(list: &[crate::audio::capture::InputDevice]) -> String {
    let mut out = String::new();
    for d in list {
        let marker = if d.is_default { "*" } else { " " };
        out.push_str(&format!("{marker} {}  ({})\n", d.name, d.capabilities()));
    }
    out + "(* = default)\n"
}
