//! Where a run-on starts a new sentence. Whisper's punctuation is unreliable and
//! people speak in long chains ("…so i pushed it live and the next morning the
//! numbers were wrong and i rolled it back…"), and a phase often changes inside such
//! a chain. A small logistic model, trained on the labelled answers' segment starts,
//! scores every gap between two words from the words around it, and the analysis cuts
//! where it is confident: a learned version of "a new clause starts at 'so' or 'and
//! then'", which also knows that "and my job was" starts one and "and a half" does not.

use super::features::bucket;
use super::sentences::SentenceSpan;
use super::text::Token;

/// The boundary model: one weight per hashed feature, and a bias.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryModel {
    pub weights: Vec<f32>,
    pub bias: f32,
}

/// Pieces a run-on is cut into are at least this many words.
pub const MIN_PIECE_WORDS: usize = 4;
/// No piece is longer than this: past it the most likely gap is cut even when the
/// model is not confident.
pub const MAX_PIECE_WORDS: usize = 50;

/// The hashed features of the gap before `tokens[i]` (0 < i < len): the two words
/// before it, the three after, their pairs, and whether a comma or a capital marks it.
pub fn gap_features(tokens: &[Token], i: usize, buckets: usize) -> Vec<u32> {
    let w = |k: isize| -> &str {
        let j = i as isize + k;
        if j < 0 {
            "<s>"
        } else {
            tokens.get(j as usize).map_or("</s>", |t| t.norm.as_str())
        }
    };
    let comma = if i > 0 && tokens[i - 1].pause_mark_after {
        ","
    } else {
        ""
    };
    let capital = tokens
        .get(i)
        .and_then(|t| t.text.chars().next())
        .is_some_and(|c| c.is_uppercase())
        && w(0) != "i";
    let keys: [&[&str]; 12] = [
        &["l1", w(-1)],
        &["l2", w(-2)],
        &["r1", w(0)],
        &["r2", w(1)],
        &["r3", w(2)],
        &["l1r1", w(-1), w(0)],
        &["l2l1", w(-2), w(-1)],
        &["r1r2", w(0), w(1)],
        &["r1r2r3", w(0), w(1), w(2)],
        &["comma", comma],
        &["comma r1", comma, w(0)],
        &["capital", if capital { "yes" } else { "no" }],
    ];
    keys.iter().map(|k| bucket(k, buckets)).collect()
}

impl BoundaryModel {
    /// Log-odds that a new sentence starts at `tokens[i]`.
    pub fn logit(&self, tokens: &[Token], i: usize) -> f32 {
        gap_features(tokens, i, self.weights.len())
            .into_iter()
            .map(|b| self.weights[b as usize])
            .sum::<f32>()
            + self.bias
    }

    /// Cuts each span at the gaps the model is confident about, most confident
    /// first, keeping every piece at least [`MIN_PIECE_WORDS`] long; then cuts any
    /// piece still over [`MAX_PIECE_WORDS`] at its most likely gap.
    pub fn split(&self, tokens: &[Token], spans: Vec<SentenceSpan>) -> Vec<SentenceSpan> {
        let mut out = Vec::with_capacity(spans.len());
        for s in spans {
            let len = s.last - s.first;
            if len < 2 * MIN_PIECE_WORDS {
                out.push(s);
                continue;
            }
            let mut gaps: Vec<(usize, f32)> = (s.first + MIN_PIECE_WORDS
                ..=s.last - MIN_PIECE_WORDS)
                .map(|i| (i, self.logit(tokens, i)))
                .collect();
            gaps.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut cuts = vec![s.first, s.last];
            let fits =
                |cuts: &[usize], i: usize| cuts.iter().all(|c| c.abs_diff(i) >= MIN_PIECE_WORDS);
            for &(i, logit) in &gaps {
                if logit > 0.0 && fits(&cuts, i) {
                    cuts.push(i);
                }
            }
            cuts.sort_unstable();
            // Too long still: cut the longest piece at its best gap until none is.
            loop {
                let longest = cuts
                    .windows(2)
                    .filter(|w| w[1] - w[0] > MAX_PIECE_WORDS)
                    .map(|w| (w[0], w[1]))
                    .next();
                let Some((a, b)) = longest else { break };
                let best = gaps
                    .iter()
                    .find(|(i, _)| *i > a && *i < b && fits(&cuts, *i))
                    .map(|(i, _)| *i);
                let Some(i) = best else { break };
                cuts.push(i);
                cuts.sort_unstable();
            }
            out.extend(cuts.windows(2).map(|w| SentenceSpan {
                first: w[0],
                last: w[1],
                start: tokens[w[0]].start,
                end: tokens[w[1] - 1].end,
            }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::{tokens_from_words, transcript_from_text};

    fn toks(text: &str) -> Vec<Token> {
        tokens_from_words(&transcript_from_text(text, 150.0).words)
    }

    /// A model that believes in exactly one feature: "so" after the gap.
    fn so_model() -> BoundaryModel {
        let buckets = 1 << 10;
        let mut weights = vec![0.0; buckets];
        weights[bucket(&["r1", "so"], buckets) as usize] = 5.0;
        BoundaryModel {
            weights,
            bias: -2.0,
        }
    }

    fn whole(t: &[Token]) -> Vec<SentenceSpan> {
        vec![SentenceSpan {
            first: 0,
            last: t.len(),
            start: 0.0,
            end: 0.0,
        }]
    }

    #[test]
    fn a_run_on_is_cut_where_the_model_is_confident() {
        let t = toks(
            "i pushed the change live on friday without the check so the numbers were wrong all weekend so on monday i rolled it back",
        );
        let pieces = so_model().split(&t, whole(&t));
        let firsts: Vec<&str> = pieces.iter().map(|p| t[p.first].norm.as_str()).collect();
        assert_eq!(firsts, ["i", "so", "so"]);
        assert_eq!(pieces.last().map(|p| p.last), Some(t.len()));
    }

    #[test]
    fn pieces_stay_long_enough_and_short_enough() {
        // "so" every two words: only cuts four words apart are kept.
        let t = toks(&"so we so we ".repeat(10));
        let pieces = so_model().split(&t, whole(&t));
        assert!(pieces.iter().all(|p| p.last - p.first >= MIN_PIECE_WORDS));
        // No cue at all, 120 words: cut to pieces of at most 50 anyway.
        let t = toks(&"we waited ".repeat(60));
        let pieces = so_model().split(&t, whole(&t));
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| p.last - p.first <= MAX_PIECE_WORDS));
        assert_eq!(pieces.iter().map(|p| p.last - p.first).sum::<usize>(), 120);
    }
}
