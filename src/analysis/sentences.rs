//! Sentence boundaries with times. Whisper's punctuation is unreliable (tiny.en often
//! drops full stops), so boundaries come from punctuation where present, and from
//! pauses and length limits with discourse cues where not.

use super::text::Token;

/// A sentence: a run of tokens `[first, last)` with its time span.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceSpan {
    pub first: usize,
    pub last: usize,
    pub start: f64,
    pub end: f64,
}

/// Splitting settings.
#[derive(Debug, Clone, Copy)]
pub struct SplitOptions {
    /// A silence this long (seconds) ends a sentence when timing is measured.
    pub pause_s: f64,
    /// Past this many words, the next discourse cue starts a new sentence.
    pub soft_max_words: usize,
    /// Never longer than this.
    pub hard_max_words: usize,
    /// Use pauses (only meaningful for measured timing).
    pub use_pauses: bool,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            pause_s: 1.0,
            soft_max_words: 30,
            hard_max_words: 50,
            use_pauses: true,
        }
    }
}

/// Words that often open a new sentence in speech ("so", "and then", "but").
const CUE_STARTS: &[&str] = &[
    "so", "but", "then", "and", "because", "now", "after", "since", "when", "which",
];
/// Titles and abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "e.g", "i.e", "etc", "approx", "no",
];

pub fn split(tokens: &[Token], opts: SplitOptions) -> Vec<SentenceSpan> {
    let mut spans = Vec::new();
    let mut first = 0;
    for i in 0..tokens.len() {
        let len = i + 1 - first;
        let t = &tokens[i];
        let next = tokens.get(i + 1);
        let punct = t.sentence_end && !ABBREVIATIONS.contains(&t.norm.as_str());
        let pause =
            opts.use_pauses && len >= 3 && next.is_some_and(|n| n.start - t.end >= opts.pause_s);
        let cue = len >= opts.soft_max_words
            && next.is_some_and(|n| CUE_STARTS.contains(&n.norm.as_str()) || t.pause_mark_after);
        let hard = len >= opts.hard_max_words;
        if punct || pause || cue || hard || next.is_none() {
            spans.push(SentenceSpan {
                first,
                last: i + 1,
                start: tokens[first].start,
                end: t.end,
            });
            first = i + 1;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::{tokens_from_words, transcript_from_text};
    use crate::transcript::Word;

    fn words(spec: &[(&str, f64)]) -> Vec<Token> {
        let ws: Vec<Word> = spec
            .iter()
            .map(|(t, s)| Word {
                start: *s,
                end: s + 0.3,
                text: t.to_string(),
                p: 1.0,
            })
            .collect();
        tokens_from_words(&ws)
    }

    #[test]
    fn punctuation_splits_but_titles_do_not() {
        let t = tokens_from_words(
            &transcript_from_text("I called Dr. Smith. She came! Did it work? Yes", 150.0).words,
        );
        let s = split(&t, SplitOptions::default());
        assert_eq!(
            s.iter().map(|s| s.last - s.first).collect::<Vec<_>>(),
            [4, 2, 3, 1]
        );
    }

    #[test]
    fn a_long_pause_ends_an_unpunctuated_sentence() {
        let t = words(&[
            ("I", 0.0),
            ("missed", 0.4),
            ("it", 0.8),
            ("so", 3.0),
            ("I", 3.4),
            ("fixed", 3.8),
            ("it", 4.2),
        ]);
        let s = split(&t, SplitOptions::default());
        assert_eq!(s.len(), 2);
        assert_eq!((s[1].first, s[1].start), (3, 3.0));
    }

    #[test]
    fn run_on_speech_is_cut_at_a_discourse_cue() {
        let text = (0..40)
            .map(|i| if i == 32 { "so" } else { "word" })
            .collect::<Vec<_>>()
            .join(" ");
        let t = tokens_from_words(&transcript_from_text(&text, 150.0).words);
        let s = split(
            &t,
            SplitOptions {
                use_pauses: false,
                ..Default::default()
            },
        );
        assert_eq!(s[0].last, 32);
        assert!(s.iter().all(|s| s.last - s.first <= 50));
    }
}
