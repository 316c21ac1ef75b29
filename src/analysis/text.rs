//! Words as the analysis sees them, and whole-word phrase matching.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::transcript::{ModelInfo, Segment, Transcript, Word};

/// One word: contractions, hyphenated words and numbers like `3,000` are one word;
/// em-dash-joined words are two (the corpus counting rule).
static WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}]+(?:['’.,\-][\p{L}\p{N}]+)*").unwrap_or_else(|e| panic!("{e}"))
});

/// A word with its time and the punctuation around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// As spoken/written, without surrounding punctuation ("Americans").
    pub text: String,
    /// Lower case, curly apostrophes straightened: what lexicons match against.
    pub norm: String,
    pub start: f64,
    pub end: f64,
    /// A comma (or dash, colon, semicolon) right after the word.
    pub pause_mark_after: bool,
    /// The word ends a sentence in the source punctuation (. ? !).
    pub sentence_end: bool,
    /// Raw text including attached symbols such as `%` or `$`.
    pub raw: String,
}

fn normalize(s: &str) -> String {
    s.to_lowercase().replace('’', "'")
}

/// Splits recogniser words into analysis tokens, spreading a word's time over the
/// tokens it contains (rarely more than one).
pub fn tokens_from_words(words: &[Word]) -> Vec<Token> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let matches: Vec<_> = WORD.find_iter(&w.text).collect();
        let n = matches.len();
        for (i, m) in matches.iter().enumerate() {
            let after = w.text[m.end()..]
                .chars()
                .take_while(|c| !c.is_alphanumeric())
                .collect::<String>();
            let before_next = matches
                .get(i + 1)
                .map(|next| &w.text[m.end()..next.start()])
                .unwrap_or(&after);
            let span = (w.end - w.start) / n as f64;
            let raw_end = if i + 1 == n { w.text.len() } else { m.end() };
            let raw_start = if i == 0 { 0 } else { m.start() };
            out.push(Token {
                text: m.as_str().to_string(),
                norm: normalize(m.as_str()),
                start: w.start + span * i as f64,
                end: w.start + span * (i + 1) as f64,
                pause_mark_after: before_next.contains([',', ';', ':', '—', '–'])
                    || before_next.contains(" - "),
                sentence_end: i + 1 == n && ends_sentence(&after),
                raw: w.text[raw_start..raw_end].trim().to_string(),
            });
        }
    }
    out
}

fn ends_sentence(trailing: &str) -> bool {
    trailing.contains(['.', '?', '!', '…'])
}

/// A transcript for a written draft: words spaced evenly at `wpm`, so that time
/// shares equal word shares.
pub fn transcript_from_text(text: &str, wpm: f64) -> Transcript {
    let per_word = 60.0 / wpm.max(1.0);
    let mut words = Vec::new();
    for piece in text.split_whitespace() {
        let start = words.len() as f64 * per_word;
        words.push(Word {
            start,
            end: start + per_word,
            text: piece.to_string(),
            p: 1.0,
        });
    }
    let duration = words.len() as f64 * per_word;
    let mut t = Transcript::new(
        ModelInfo {
            name: "text".into(),
            file: String::new(),
            engine: "text".into(),
            ..Default::default()
        },
        duration,
    );
    t.segments.push(Segment {
        start: 0.0,
        end: duration,
        text: text.trim().to_string(),
    });
    t.words = words;
    t
}

/// Counts words by the corpus rule.
pub fn count_words(text: &str) -> usize {
    WORD.find_iter(text).count()
}

/// A compiled phrase list: whole-word, case-insensitive, `*` matches any one word.
#[derive(Debug, Clone, Default)]
pub struct PhraseSet {
    /// First word (or "*") → phrases (as word lists) with their index in the source list.
    by_first: HashMap<String, Vec<(usize, Vec<String>)>>,
    pub phrases: Vec<String>,
}

/// A phrase found in the token stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhraseHit {
    /// Index into the phrase list.
    pub phrase: usize,
    pub start: usize,
    pub len: usize,
}

impl PhraseSet {
    pub fn new(phrases: &[String]) -> PhraseSet {
        let mut by_first: HashMap<String, Vec<(usize, Vec<String>)>> = HashMap::new();
        for (i, p) in phrases.iter().enumerate() {
            let words: Vec<String> = p.split_whitespace().map(normalize).collect();
            if let Some(first) = words.first() {
                by_first.entry(first.clone()).or_default().push((i, words));
            }
        }
        PhraseSet {
            by_first,
            phrases: phrases.to_vec(),
        }
    }

    fn matches_at(&self, tokens: &[Token], i: usize, words: &[String]) -> bool {
        words
            .iter()
            .enumerate()
            .all(|(k, w)| tokens.get(i + k).is_some_and(|t| w == "*" || t.norm == *w))
    }

    /// Every match, longest first at each position; overlapping matches of different
    /// phrases are all returned (callers decide).
    pub fn find_all(&self, tokens: &[Token]) -> Vec<PhraseHit> {
        let mut hits = Vec::new();
        for i in 0..tokens.len() {
            for key in [tokens[i].norm.as_str(), "*"] {
                if let Some(cands) = self.by_first.get(key) {
                    for (idx, words) in cands {
                        if self.matches_at(tokens, i, words) {
                            hits.push(PhraseHit {
                                phrase: *idx,
                                start: i,
                                len: words.len(),
                            });
                        }
                    }
                }
            }
        }
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.len)));
        hits
    }

    /// Matches that do not overlap, preferring the longest at each position
    /// ("i feel like" wins over "like").
    pub fn find_longest(&self, tokens: &[Token]) -> Vec<PhraseHit> {
        let mut out: Vec<PhraseHit> = Vec::new();
        let mut next_free = 0;
        for h in self.find_all(tokens) {
            if h.start >= next_free {
                next_free = h.start + h.len;
                out.push(h);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Token> {
        tokens_from_words(&transcript_from_text(text, 150.0).words)
    }

    #[test]
    fn words_follow_the_corpus_counting_rule() {
        assert_eq!(
            count_words("Day-to-day, I re-ran 3,000 rows — didn't I? Yes—twice."),
            9
        );
        let t = toks("So, like, it failed. Right");
        assert_eq!(
            t.iter().map(|t| t.norm.as_str()).collect::<Vec<_>>(),
            ["so", "like", "it", "failed", "right"]
        );
        assert!(t[0].pause_mark_after && t[1].pause_mark_after && !t[2].pause_mark_after);
        assert!(t[3].sentence_end && !t[4].sentence_end);
    }

    #[test]
    fn phrases_match_whole_words_and_prefer_the_longest() {
        let set = PhraseSet::new(&["like".into(), "i feel like".into(), "not * fault".into()]);
        let t = toks("I feel like it was not my fault, likely.");
        let hits = set.find_longest(&t);
        assert_eq!(hits.len(), 2);
        assert_eq!(set.phrases[hits[0].phrase], "i feel like");
        assert_eq!(set.phrases[hits[1].phrase], "not * fault");
    }

    #[test]
    fn text_times_are_even_at_the_given_pace() {
        let t = transcript_from_text("one two three four five", 150.0);
        assert_eq!(t.words.len(), 5);
        assert!((t.duration_s - 2.0).abs() < 1e-9);
        assert!((t.words[4].start - 1.6).abs() < 1e-9);
    }
}
