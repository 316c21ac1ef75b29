//! Filler recall: how many of an answer's known fillers survive transcription.

use std::collections::BTreeMap;

use super::corpus::Item;
use crate::analysis::Report;

/// Filled pauses, which recognisers tend to drop.
pub const FILLED: &[&str] = &["um", "uh", "er", "ah", "hmm"];

/// Recall of one answer: expected vs found counts, per filler key.
#[derive(Debug, Clone, Default)]
pub struct FillerRecall {
    pub expected_filled: usize,
    pub found_filled: usize,
    pub expected_markers: usize,
    pub found_markers: usize,
}

impl FillerRecall {
    pub fn add(&mut self, other: &FillerRecall) {
        self.expected_filled += other.expected_filled;
        self.found_filled += other.found_filled;
        self.expected_markers += other.expected_markers;
        self.found_markers += other.found_markers;
    }
    pub fn filled_recall(&self) -> f64 {
        ratio(self.found_filled, self.expected_filled)
    }
    pub fn marker_recall(&self) -> f64 {
        ratio(self.found_markers, self.expected_markers)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Per key, found counts are capped at the expected count (extra hits are not recall).
pub fn recall(item: &Item, report: &Report) -> FillerRecall {
    let mut r = FillerRecall::default();
    let got: &BTreeMap<String, usize> = &report.fillers.by_word;
    for (key, &want) in &item.expect.fillers {
        let found = got.get(key).copied().unwrap_or(0).min(want);
        if FILLED.contains(&key.as_str()) {
            r.expected_filled += want;
            r.found_filled += found;
        } else {
            r.expected_markers += want;
            r.found_markers += found;
        }
    }
    r
}

/// The text without filled pauses, for a word error rate of the content words.
pub fn without_filled_pauses(text: &str) -> String {
    super::normalize_words(text)
        .into_iter()
        .filter(|w| !FILLED.contains(&w.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}
