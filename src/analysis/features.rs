//! What the phase labeller sees of each unit (a sentence, or a clause of a run-on) of
//! an answer: its words as hashed n-grams, and, when the sentence encoder is at hand,
//! its meaning and its neighbours' as vectors.
//!
//! Both are general signals, not topic words: the n-gram weights are learned from
//! answers in 69 fields, and the vector of a unit is also given relative to the
//! answer's mean, which removes what all its sentences share (the field and the
//! story) and leaves what this sentence does in it.

use super::text::Token;

/// Width of the sentence encoder's vectors.
pub const VECTOR_DIM: usize = 384;
/// Dense features with the encoder: the unit's vector, the same less the answer's
/// mean vector, and the previous and next units' vectors.
pub const DENSE_WITH_ENCODER: usize = 4 * VECTOR_DIM;

/// How the words of a unit become features; stored with the trained weights, so a
/// model is always read with the settings it was trained with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NgramSpec {
    /// Hash buckets for unigrams and bigrams.
    pub buckets: usize,
    /// Length of the (L2-normalised) n-gram vector.
    pub scale: f32,
}

/// A unit's n-grams: (bucket, value) pairs, sorted by bucket, buckets unique.
pub type SparseRow = Vec<(u32, f32)>;

/// Unigrams, bigrams and the opening word (marked, since "so" or "since then" at the
/// start of a sentence says more than inside it), hashed into `spec.buckets`, as
/// counts scaled to length `spec.scale`.
pub fn ngrams(tokens: &[Token], spec: NgramSpec) -> SparseRow {
    let mut counts: Vec<(u32, f32)> = Vec::with_capacity(tokens.len() * 2 + 1);
    let mut add = |key: &[&str]| {
        counts.push((bucket(key, spec.buckets), 1.0));
    };
    if let Some(first) = tokens.first() {
        add(&["^", &first.norm]);
    }
    for (i, t) in tokens.iter().enumerate() {
        add(&[&t.norm]);
        if let Some(next) = tokens.get(i + 1) {
            add(&[&t.norm, &next.norm]);
        }
    }
    counts.sort_by_key(|c| c.0);
    let mut row: SparseRow = Vec::with_capacity(counts.len());
    for (b, v) in counts {
        match row.last_mut() {
            Some(last) if last.0 == b => last.1 += v,
            _ => row.push((b, v)),
        }
    }
    let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        let k = spec.scale / norm;
        row.iter_mut().for_each(|(_, v)| *v *= k);
    }
    row
}

/// FNV-1a over the words joined by a unit separator: stable across platforms and
/// releases (the trained weights depend on it).
pub(crate) fn bucket(words: &[&str], buckets: usize) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in w.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (h % buckets.max(1) as u64) as u32
}

/// The features of one unit, as the labeller's heads read them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitFeatures {
    pub ngrams: SparseRow,
    /// [`DENSE_WITH_ENCODER`] values with the encoder, none without.
    pub dense: Vec<f32>,
}

/// The features of every unit: n-grams always, vectors when given (one per unit).
pub fn unit_features(
    units: &[&[Token]],
    vectors: Option<&[Vec<f32>]>,
    spec: NgramSpec,
) -> Vec<UnitFeatures> {
    let dense = vectors
        .filter(|v| v.len() == units.len())
        .map(vector_context);
    units
        .iter()
        .enumerate()
        .map(|(k, u)| UnitFeatures {
            ngrams: ngrams(u, spec),
            dense: dense.as_ref().map(|d| d[k].clone()).unwrap_or_default(),
        })
        .collect()
}

/// The dense features of every unit from the units' sentence vectors (unit length,
/// [`VECTOR_DIM`] wide): [vector, vector − answer mean, previous, next], zeros where
/// there is no neighbour.
pub fn vector_context(vectors: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let n = vectors.len();
    let mut mean = vec![0f32; VECTOR_DIM];
    for v in vectors {
        for (m, x) in mean.iter_mut().zip(v) {
            *m += x / n as f32;
        }
    }
    let zero = vec![0f32; VECTOR_DIM];
    (0..n)
        .map(|k| {
            let v = &vectors[k];
            let mut row = Vec::with_capacity(DENSE_WITH_ENCODER);
            row.extend_from_slice(v);
            row.extend(v.iter().zip(&mean).map(|(x, m)| x - m));
            row.extend_from_slice(if k > 0 { &vectors[k - 1] } else { &zero });
            row.extend_from_slice(vectors.get(k + 1).unwrap_or(&zero));
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::{tokens_from_words, transcript_from_text};

    fn toks(text: &str) -> Vec<Token> {
        tokens_from_words(&transcript_from_text(text, 150.0).words)
    }

    const SPEC: NgramSpec = NgramSpec {
        buckets: 1 << 14,
        scale: 2.0,
    };

    #[test]
    fn ngrams_are_scaled_counts_of_words_and_pairs() {
        let row = ngrams(&toks("Since then I check, I check."), SPEC);
        // ^since, since, then, i(2), check(2), since-then, then-i, i-check(2), check-i.
        let total: f32 = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        assert!((total - 2.0).abs() < 1e-5);
        let biggest = row.iter().map(|(_, v)| *v).fold(0.0, f32::max);
        let smallest = row.iter().map(|(_, v)| *v).fold(f32::MAX, f32::min);
        assert!((biggest / smallest - 2.0).abs() < 1e-5, "{row:?}");
        assert!(row.windows(2).all(|w| w[0].0 < w[1].0), "sorted, unique");
        // Case and curly apostrophes do not change the features.
        assert_eq!(row, ngrams(&toks("since THEN i check, I check."), SPEC));
        assert_eq!(
            ngrams(&toks("I didn’t check"), SPEC),
            ngrams(&toks("i didn't check"), SPEC)
        );
    }

    #[test]
    fn bucket_hashing_is_stable() {
        // The trained weights depend on these exact buckets.
        assert_eq!(bucket(&["learned"], 1 << 14), bucket(&["learned"], 1 << 14));
        assert_ne!(
            bucket(&["i", "learned"], 1 << 20),
            bucket(&["i learned"], 1 << 20)
        );
        assert_eq!(bucket(&["a"], 1 << 32), 0xaf63_dc4c_8601_ec8c_u64 as u32);
    }

    #[test]
    fn empty_units_have_no_ngrams() {
        assert!(ngrams(&[], SPEC).is_empty());
    }

    #[test]
    fn vector_context_centres_and_shifts() {
        let unit = |i: usize| {
            let mut v = vec![0f32; VECTOR_DIM];
            v[i] = 1.0;
            v
        };
        let rows = vector_context(&[unit(0), unit(1)]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), DENSE_WITH_ENCODER);
        assert_eq!(rows[0][0], 1.0);
        assert_eq!(rows[0][VECTOR_DIM], 0.5); // 1 - mean 0.5
        assert_eq!(rows[0][VECTOR_DIM + 1], -0.5);
        assert!(
            rows[0][2 * VECTOR_DIM..3 * VECTOR_DIM]
                .iter()
                .all(|x| *x == 0.0)
        );
        assert_eq!(rows[0][3 * VECTOR_DIM + 1], 1.0); // next is unit 1
        assert_eq!(rows[1][2 * VECTOR_DIM], 1.0); // previous is unit 0
        assert!(rows[1][3 * VECTOR_DIM..].iter().all(|x| *x == 0.0));
    }
}
