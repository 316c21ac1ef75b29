//! Measuring the recogniser and the coach: word error rate against a reference text,
//! phase accuracy on labelled answers, filler recall, and training the phase labeller.

pub mod corpus;
pub mod fillers;
pub mod train;

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

/// For each reference word, the index of the hypothesis word it lines up with in a
/// minimum-edit alignment (match or substitution), or `None` where it was dropped.
pub fn align(reference: &[&str], hypothesis: &[&str]) -> Vec<Option<usize>> {
    let (n, m) = (reference.len(), hypothesis.len());
    // cost[i][j]: edits to turn reference[..i] into hypothesis[..j].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    cost[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let sub = cost[i - 1][j - 1] + usize::from(reference[i - 1] != hypothesis[j - 1]);
            cost[i][j] = sub.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    let mut out = vec![None; n];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let sub = cost[i - 1][j - 1] + usize::from(reference[i - 1] != hypothesis[j - 1]);
        if cost[i][j] == sub {
            out[i - 1] = Some(j - 1);
            i -= 1;
            j -= 1;
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    out
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
    fn alignment_pairs_words_and_marks_the_dropped() {
        assert_eq!(
            align(&["a", "b", "c", "d"], &["a", "b", "d"]),
            vec![Some(0), Some(1), None, Some(2)]
        );
        assert_eq!(
            align(&["a", "b", "c"], &["a", "x", "c"]),
            vec![Some(0), Some(1), Some(2)]
        );
        assert_eq!(align(&["a", "b"], &[]), vec![None, None]);
        assert_eq!(align(&[], &["a"]), Vec::<Option<usize>>::new());
        assert_eq!(align(&["a", "b"], &["z", "a", "b"]), vec![Some(1), Some(2)]);
    }

    #[test]
    fn normalization_keeps_contractions_and_splits_hyphens() {
        assert_eq!(
            normalize_words("Don’t re-run it."),
            vec!["don't", "re", "run", "it"]
        );
    }
}
