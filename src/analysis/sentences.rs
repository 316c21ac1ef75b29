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

/// Words that open a clause of a run-on sentence; those in [`CLAUSE_ALWAYS`] start a
/// clause even without a comma before them ("…the check so the release went out…").
const CLAUSE_STARTS: &[&str] = &[
    "so", "but", "and", "because", "which", "then", "after", "since", "when", "until", "while",
    "though", "although", "now",
];
const CLAUSE_ALWAYS: &[&str] = &[
    "so", "but", "because", "which", "then", "now", "until", "while", "though", "although",
];

/// Cuts the run-ons among `spans` (sentences that no full stop ended: the splitter had
/// to cut them at a pause or a length limit) into clauses of at least `min_words`, at
/// clause openers. A run-on often carries a phase change ("…i pushed it live without the
/// check and the next morning i rolled it back…"), so its clauses are labelled apart;
/// punctuated sentences are left whole (cutting them cost accuracy: docs/accuracy.md).
pub fn split_run_ons(
    tokens: &[Token],
    spans: Vec<SentenceSpan>,
    min_words: usize,
) -> Vec<SentenceSpan> {
    let min_words = min_words.max(1);
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let punctuated = tokens[s.last - 1].sentence_end;
        if punctuated || s.last - s.first < 2 * min_words {
            out.push(s);
            continue;
        }
        let mut first = s.first;
        for i in s.first + min_words..=s.last - min_words {
            if i - first < min_words {
                continue;
            }
            let w = tokens[i].norm.as_str();
            let opens = CLAUSE_ALWAYS.contains(&w)
                || (CLAUSE_STARTS.contains(&w) && tokens[i - 1].pause_mark_after);
            if opens {
                out.push(piece(tokens, first, i));
                first = i;
            }
        }
        out.push(piece(tokens, first, s.last));
    }
    out
}

fn piece(tokens: &[Token], first: usize, last: usize) -> SentenceSpan {
    SentenceSpan {
        first,
        last,
        start: tokens[first].start,
        end: tokens[last - 1].end,
    }
}

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
    fn run_ons_are_cut_into_clauses_but_sentences_stay_whole() {
        let text = "i pushed the update on friday without running the check and it broke \
            so on saturday i rolled it back myself and called every client. \
            I pushed the update on Friday without the check, so it broke on Saturday.";
        let t = tokens_from_words(&transcript_from_text(text, 150.0).words);
        let s = split_run_ons(&t, split(&t, SplitOptions::default()), 8);
        let texts: Vec<String> = s
            .iter()
            .map(|s| {
                t[s.first..s.last]
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        // The first sentence ends with a full stop: whole. Now a run-on without one:
        assert_eq!(texts.len(), 2, "{texts:?}");
        let run_on = "i pushed the update on friday without running the check and it broke \
            so on saturday i rolled it back myself and called every client";
        let t = tokens_from_words(&transcript_from_text(run_on, 150.0).words);
        let one = vec![piece(&t, 0, t.len())];
        let s = split_run_ons(&t, one, 8);
        let texts: Vec<String> = s
            .iter()
            .map(|s| {
                t[s.first..s.last]
                    .iter()
                    .map(|t| t.norm.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            texts,
            [
                "i pushed the update on friday without running the check and it broke",
                "so on saturday i rolled it back myself and called every client"
            ]
        );
        // No clause shorter than the minimum.
        assert!(split_run_ons(&t, vec![piece(&t, 0, t.len())], 14).len() == 1);
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
