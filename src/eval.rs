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
