//! Measuring the recogniser: word error rate against a reference text.

/// Lower-cased words with punctuation removed; hyphens split words, apostrophes stay
/// ("don't"), so "Day-to-day, I..." and "day to day i" compare equal.
pub fn normalize_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace('’', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Word error rate: (substitutions + deletions + insertions) / reference words,
/// by Levenshtein distance over normalized words. 0 for two empty texts.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let r = normalize_words(reference);
    let h = normalize_words(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=h.len()).collect();
    let mut cur = vec![0; h.len() + 1];
    for (i, rw) in r.iter().enumerate() {
        cur[0] = i + 1;
        for (j, hw) in h.iter().enumerate() {
            let sub = prev[j] + usize::from(rw != hw);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[h.len()] as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wer_counts_edits_over_reference_length() {
        assert_eq!(word_error_rate("a b c d", "a b c d"), 0.0);
        assert_eq!(word_error_rate("a b c d", "a x c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a b c"), 0.25);
        assert_eq!(word_error_rate("a b", "a b c d"), 1.0);
        assert_eq!(
            word_error_rate("Ask not, what—your country!", "ask not what your country"),
            0.0
        );
        assert_eq!(word_error_rate("", ""), 0.0);
    }

    #[test]
    fn normalization_keeps_contractions_and_splits_hyphens() {
        assert_eq!(
            normalize_words("Don’t re-run it."),
            vec!["don't", "re", "run", "it"]
        );
    }
}

/// Measuring the coach against labeled answers (`../shared/corpus`).
pub mod corpus {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use serde::Deserialize;

    use crate::analysis::text::{count_words, transcript_from_text};
    use crate::analysis::{
        Analysis, InputInfo, InputKind, Phase, Rubric, SentenceEncoder, Timing, analyze_with,
    };

    #[derive(Debug, thiserror::Error)]
    pub enum CorpusError {
        #[error("cannot read {path}: {source}")]
        Read {
            path: PathBuf,
            #[source]
            source: std::io::Error,
        },
        #[error("{path}: not a corpus answer: {message}")]
        Parse { path: PathBuf, message: String },
        #[error("{path}: no dev-*.json or *.json answers found")]
        Empty { path: PathBuf },
    }

    /// One labeled answer (schema in the corpus README).
    #[derive(Debug, Clone, Deserialize)]
    pub struct Item {
        pub id: String,
        #[serde(default)]
        pub kind: String,
        #[serde(default)]
        pub weakness: Vec<String>,
        pub sentences: Vec<LabeledSentence>,
        pub expect: Expect,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct LabeledSentence {
        pub text: String,
        pub phase: String,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Expect {
        #[serde(default)]
        pub fillers: BTreeMap<String, usize>,
        #[serde(default)]
        pub hedges: BTreeMap<String, usize>,
        pub blame: bool,
        pub over_apology: bool,
        pub catastrophic: bool,
        pub fake_failure: bool,
        pub quantified: bool,
        pub ownership: String,
    }

    impl Item {
        pub fn text(&self) -> String {
            self.sentences
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }

        /// The labeled phase of every word, by the corpus counting rule.
        pub fn word_phases(&self) -> Vec<Option<Phase>> {
            self.sentences
                .iter()
                .flat_map(|s| std::iter::repeat_n(Phase::parse(&s.phase), count_words(&s.text)))
                .collect()
        }

        /// Labeled failure share in words.
        pub fn failure_share(&self) -> f64 {
            let mut words = [0usize; 5];
            for p in self.word_phases().into_iter().flatten() {
                words[p.index()] += 1;
            }
            let frl = words[2] + words[3] + words[4];
            if frl == 0 {
                0.0
            } else {
                words[2] as f64 / frl as f64
            }
        }
    }

    pub fn load_dir(dir: &Path) -> Result<Vec<Item>, CorpusError> {
        let rd = std::fs::read_dir(dir).map_err(|source| CorpusError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut items = Vec::new();
        for p in paths {
            let text = std::fs::read_to_string(&p).map_err(|source| CorpusError::Read {
                path: p.clone(),
                source,
            })?;
            let item: Item = serde_json::from_str(&text).map_err(|e| CorpusError::Parse {
                path: p.clone(),
                message: e.to_string(),
            })?;
            items.push(item);
        }
        if items.is_empty() {
            return Err(CorpusError::Empty {
                path: dir.to_path_buf(),
            });
        }
        Ok(items)
    }

    /// Analyses an item's text as a written draft (with the sentence encoder when given).
    pub fn analyze_item(
        item: &Item,
        rubric: &Rubric,
        encoder: Option<&dyn SentenceEncoder>,
    ) -> Analysis {
        let t = transcript_from_text(&item.text(), rubric.targets.text_wpm);
        analyze_with(
            &t,
            InputInfo {
                path: item.id.clone(),
                kind: InputKind::Text,
                timing: Timing::Estimated,
            },
            rubric,
            encoder,
        )
    }

    /// Per-item result.
    #[derive(Debug, Clone)]
    pub struct ItemScore {
        pub id: String,
        pub words: usize,
        pub correct: usize,
        pub failure_share_labeled: f64,
        pub failure_share_predicted: f64,
    }

    /// Whole-corpus result: word-level accuracy and the confusion matrix
    /// (rows: labeled phase, columns: predicted).
    #[derive(Debug, Clone)]
    pub struct PhaseAccuracy {
        pub items: Vec<ItemScore>,
        pub confusion: [[usize; 5]; 5],
    }

    impl PhaseAccuracy {
        pub fn accuracy(&self) -> f64 {
            let correct: usize = self.items.iter().map(|i| i.correct).sum();
            let total: usize = self.items.iter().map(|i| i.words).sum();
            if total == 0 {
                0.0
            } else {
                correct as f64 / total as f64
            }
        }
        pub fn mean_failure_share_error(&self) -> f64 {
            let n = self.items.len().max(1) as f64;
            self.items
                .iter()
                .map(|i| (i.failure_share_labeled - i.failure_share_predicted).abs())
                .sum::<f64>()
                / n
        }
    }

    pub fn phase_accuracy(
        items: &[Item],
        rubric: &Rubric,
        encoder: Option<&dyn SentenceEncoder>,
    ) -> PhaseAccuracy {
        let mut confusion = [[0usize; 5]; 5];
        let mut scores = Vec::new();
        for item in items {
            let a = analyze_item(item, rubric, encoder);
            let gold = item.word_phases();
            let mut correct = 0;
            for (g, p) in gold.iter().zip(&a.token_phase) {
                if let Some(g) = g {
                    confusion[g.index()][p.index()] += 1;
                    correct += usize::from(g == p);
                }
            }
            scores.push(ItemScore {
                id: item.id.clone(),
                words: gold.len().min(a.token_phase.len()),
                correct,
                failure_share_labeled: item.failure_share(),
                failure_share_predicted: a.report.failure_share,
            });
        }
        PhaseAccuracy {
            items: scores,
            confusion,
        }
    }

    /// The accuracy table and confusion matrix as Markdown.
    pub fn markdown(acc: &PhaseAccuracy) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "Word-level phase accuracy: **{:.1}%** over {} answers ({} words); mean |failure share error|: **{:.3}**.\n\n",
            acc.accuracy() * 100.0,
            acc.items.len(),
            acc.items.iter().map(|i| i.words).sum::<usize>(),
            acc.mean_failure_share_error()
        ));
        s.push_str("| answer | words | accuracy | failure share labeled | predicted |\n|---|---:|---:|---:|---:|\n");
        for i in &acc.items {
            s.push_str(&format!(
                "| {} | {} | {:.1}% | {:.2} | {:.2} |\n",
                i.id,
                i.words,
                100.0 * i.correct as f64 / i.words.max(1) as f64,
                i.failure_share_labeled,
                i.failure_share_predicted
            ));
        }
        s.push_str("\nConfusion matrix (words; rows = labeled, columns = predicted):\n\n| labeled \\ predicted | situation | task | failure | response | learning |\n|---|---:|---:|---:|---:|---:|\n");
        for p in Phase::ALL {
            let row = acc.confusion[p.index()];
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                p.name(),
                row[0],
                row[1],
                row[2],
                row[3],
                row[4]
            ));
        }
        s
    }
}

/// Filler recall: how many of an answer's known fillers survive transcription.
pub mod fillers {
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
}
