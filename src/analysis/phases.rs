//! Labelling each sentence with a phase of the story.
//!
//! Method: each sentence gets a score per phase from cue phrases (the rubric's
//! `[phases.*]` lists: discourse markers, tense and stance, not topic words) and from
//! where it sits in the answer; a Viterbi pass over a hidden Markov model of the
//! typical situation → task → failure → response → learning order (with low-probability
//! loops back) then picks the most likely sequence. The order model is what lets a
//! sentence with no cues inherit the phase of its neighbours.
//!
//! When a [`SentenceEncoder`] is at hand, each sentence's meaning is compared with the
//! rubric's example sentences for every phase, and the mean similarity adds to the
//! cue evidence: that catches phrasings no cue list names. The analysis sees only
//! vectors; the encoder itself lives outside it (`crate::embed`).

use serde::{Deserialize, Serialize};

use super::rubric::PhaseCues;
use super::sentences::SentenceSpan;
use super::text::{PhraseSet, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Situation,
    Task,
    Failure,
    Response,
    Learning,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Situation,
        Phase::Task,
        Phase::Failure,
        Phase::Response,
        Phase::Learning,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Situation => "situation",
            Phase::Task => "task",
            Phase::Failure => "failure",
            Phase::Response => "response",
            Phase::Learning => "learning",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The STAR letter the phase counts towards.
    pub fn star(self) -> char {
        match self {
            Phase::Situation => 'S',
            Phase::Task => 'T',
            Phase::Failure | Phase::Response => 'A',
            Phase::Learning => 'R',
        }
    }
}

/// Typical flow between consecutive sentences (rows: from, columns: to). Mostly
/// forward, with self-loops for multi-sentence phases and small loops back, since
/// real speech returns ("…and that's why I now…, because back then…").
const TRANSITIONS: [[f64; 5]; 5] = [
    // S     T     F     R     L
    [0.60, 0.20, 0.16, 0.02, 0.02], // situation
    [0.06, 0.44, 0.44, 0.03, 0.03], // task
    [0.02, 0.02, 0.66, 0.22, 0.08], // failure
    [0.01, 0.01, 0.12, 0.58, 0.28], // response
    [0.01, 0.01, 0.08, 0.06, 0.84], // learning
];
/// Where answers start.
const START: [f64; 5] = [0.70, 0.10, 0.17, 0.01, 0.02];
/// Where in the answer (0 = start, 1 = end) each phase tends to sit: mean and spread.
const POSITION: [(f64, f64); 5] = [
    (0.05, 0.14),
    (0.15, 0.14),
    (0.38, 0.20),
    (0.58, 0.20),
    (0.85, 0.18),
];
/// How strongly cue evidence counts against the position and order priors.
const CUE_WEIGHT: f64 = 1.1;
/// How strongly the position prior counts.
const POSITION_WEIGHT: f64 = 0.7;
/// Where the lesson usually starts (relative position): answers whose first clear
/// learning sentence comes later than this have their earlier positions compressed,
/// so a long failure part is not pulled towards response/learning by the clock.
const TYPICAL_LEARNING_ONSET: f64 = 0.6;
/// Cue evidence that marks a sentence as clearly the start of the lesson.
const LEARNING_ANCHOR: f64 = 2.0;

/// Turns sentences into unit-length vectors whose dot product measures how close
/// their meanings are.
pub trait SentenceEncoder {
    /// One vector per sentence, in order.
    fn encode(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError>;
}

/// The encoder could not encode (its message says why).
#[derive(Debug, thiserror::Error)]
#[error("sentence encoder: {0}")]
pub struct EncodeError(pub String);

/// Per phase, a sentence's mean cosine similarity to that phase's examples.
pub type PhaseSimilarity = [f64; 5];

/// Compiled cue lists and examples, one per phase.
pub struct PhaseModel<'r> {
    cues: [PhraseSet; 5],
    examples: [&'r [String]; 5],
    encoder_weight: f64,
}

impl<'r> PhaseModel<'r> {
    pub fn new(c: &'r PhaseCues) -> PhaseModel<'r> {
        PhaseModel {
            cues: [
                PhraseSet::new(&c.situation.cues),
                PhraseSet::new(&c.task.cues),
                PhraseSet::new(&c.failure.cues),
                PhraseSet::new(&c.response.cues),
                PhraseSet::new(&c.learning.cues),
            ],
            examples: [
                &c.situation.examples,
                &c.task.examples,
                &c.failure.examples,
                &c.response.examples,
                &c.learning.examples,
            ],
            encoder_weight: c.encoder_weight,
        }
    }

    /// Whether the rubric gives the encoder anything to do.
    pub fn uses_encoder(&self) -> bool {
        self.encoder_weight > 0.0 && self.examples.iter().any(|e| !e.is_empty())
    }

    /// Each sentence's similarity to each phase's examples (one encoder call for the
    /// sentences and the examples together; encoders cache what they have seen).
    pub fn similarities(
        &self,
        encoder: &dyn SentenceEncoder,
        sentences: &[&str],
    ) -> Result<Vec<PhaseSimilarity>, EncodeError> {
        let mut texts: Vec<&str> = sentences.to_vec();
        for ex in &self.examples {
            texts.extend(ex.iter().map(String::as_str));
        }
        let vecs = encoder.encode(&texts)?;
        if vecs.len() != texts.len() {
            return Err(EncodeError(format!(
                "{} vectors for {} sentences",
                vecs.len(),
                texts.len()
            )));
        }
        if vecs.iter().flatten().any(|x| !x.is_finite()) {
            return Err(EncodeError(
                "it produced a vector that is not finite".into(),
            ));
        }
        let (own, mut rest) = vecs.split_at(sentences.len());
        let mut groups: Vec<&[Vec<f32>]> = Vec::with_capacity(5);
        for ex in &self.examples {
            let (g, r) = rest.split_at(ex.len());
            groups.push(g);
            rest = r;
        }
        let dot = |a: &[f32], b: &[f32]| -> f64 {
            a.iter()
                .zip(b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum()
        };
        Ok(own
            .iter()
            .map(|v| {
                let mut sim = [f64::NAN; 5];
                for (p, g) in groups.iter().enumerate() {
                    if !g.is_empty() {
                        sim[p] = g.iter().map(|e| dot(v, e)).sum::<f64>() / g.len() as f64;
                    }
                }
                // A phase without examples gets the mean of the others: no evidence
                // either way, rather than a penalty.
                let known: Vec<f64> = sim.iter().copied().filter(|x| !x.is_nan()).collect();
                let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
                sim.map(|x| if x.is_nan() { mean } else { x })
            })
            .collect())
    }

    /// Cue evidence per phase for one sentence: each match counts 1, plus 0.5 per
    /// extra word (longer phrases are more specific).
    fn cue_scores(&self, tokens: &[Token]) -> [f64; 5] {
        let mut s = [0.0; 5];
        for (p, set) in self.cues.iter().enumerate() {
            s[p] = set
                .find_all(tokens)
                .iter()
                .map(|h| 1.0 + 0.5 * (h.len as f64 - 1.0))
                .sum();
        }
        s
    }

    /// The most likely phase of every sentence; `similarity` (one per span, from
    /// [`Self::similarities`]) adds the encoder's evidence.
    pub fn label(
        &self,
        tokens: &[Token],
        spans: &[SentenceSpan],
        similarity: Option<&[PhaseSimilarity]>,
    ) -> Vec<Phase> {
        let n = spans.len();
        if n == 0 {
            return Vec::new();
        }
        let total = tokens.len().max(1) as f64;
        let cues: Vec<[f64; 5]> = spans
            .iter()
            .map(|s| self.cue_scores(&tokens[s.first..s.last]))
            .collect();
        let learning = Phase::Learning.index();
        let onset = spans.iter().zip(&cues).find_map(|(s, c)| {
            let start = s.first as f64 / total;
            let strongest = c.iter().cloned().fold(0.0, f64::max);
            (start > 0.3 && c[learning] >= LEARNING_ANCHOR && c[learning] >= strongest)
                .then_some(start)
        });
        let place = |pos: f64| match onset {
            Some(a) if a > TYPICAL_LEARNING_ONSET => {
                if pos < a {
                    pos * TYPICAL_LEARNING_ONSET / a
                } else {
                    TYPICAL_LEARNING_ONSET
                        + (pos - a) * (1.0 - TYPICAL_LEARNING_ONSET) / (1.0 - a).max(1e-9)
                }
            }
            _ => pos,
        };
        let similarity = similarity.filter(|s| s.len() == n);
        let emissions: Vec<[f64; 5]> = spans
            .iter()
            .zip(&cues)
            .enumerate()
            .map(|(k, (s, cues))| {
                let pos = place((s.first + s.last) as f64 / 2.0 / total);
                let sim = similarity.map(|s| s[k]).unwrap_or_default();
                let mut e = [0.0; 5];
                for p in 0..5 {
                    let (mu, sd) = POSITION[p];
                    e[p] = CUE_WEIGHT * cues[p] - POSITION_WEIGHT * 0.5 * ((pos - mu) / sd).powi(2)
                        + self.encoder_weight * sim[p];
                }
                let lse = log_sum_exp(&e);
                e.map(|x| x - lse)
            })
            .collect();
        viterbi(&emissions)
    }
}

fn log_sum_exp(xs: &[f64; 5]) -> f64 {
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

fn viterbi(emissions: &[[f64; 5]]) -> Vec<Phase> {
    let n = emissions.len();
    let mut score = [0.0; 5];
    for p in 0..5 {
        score[p] = START[p].ln() + emissions[0][p];
    }
    let mut back = vec![[0usize; 5]; n];
    for t in 1..n {
        let mut next = [f64::NEG_INFINITY; 5];
        for to in 0..5 {
            for from in 0..5 {
                let s = score[from] + TRANSITIONS[from][to].ln();
                if s > next[to] {
                    next[to] = s;
                    back[t][to] = from;
                }
            }
            next[to] += emissions[t][to];
        }
        score = next;
    }
    let mut best = (0..5)
        .max_by(|a, b| score[*a].total_cmp(&score[*b]))
        .unwrap_or(0);
    let mut path = vec![Phase::Situation; n];
    for t in (0..n).rev() {
        path[t] = Phase::ALL[best];
        best = back[t][best];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rubric::Rubric;
    use crate::analysis::sentences::{SplitOptions, split};
    use crate::analysis::text::{tokens_from_words, transcript_from_text};

    fn label(text: &str) -> Vec<Phase> {
        let t = tokens_from_words(&transcript_from_text(text, 150.0).words);
        let spans = split(&t, SplitOptions::default());
        PhaseModel::new(&Rubric::builtin().phases).label(&t, &spans, None)
    }

    #[test]
    fn a_textbook_answer_follows_the_five_phases() {
        let got = label(TEXTBOOK);
        assert_eq!(
            got,
            vec![
                Phase::Situation,
                Phase::Task,
                Phase::Failure,
                Phase::Response,
                Phase::Learning
            ]
        );
    }

    #[test]
    fn empty_input_has_no_phases() {
        assert!(label("").is_empty());
    }

    /// Stands in for a real encoder: a sentence's vector marks which of a few made-up
    /// marker words it contains, so similarities are known exactly.
    struct MarkerEncoder;
    const MARKERS: [&str; 3] = ["walrus", "zebra", "okapi"];
    impl SentenceEncoder for MarkerEncoder {
        fn encode(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
            Ok(sentences
                .iter()
                .map(|s| {
                    let s = s.to_lowercase();
                    let mut v: Vec<f32> = MARKERS
                        .iter()
                        .map(|m| f32::from(u8::from(s.contains(m))))
                        .collect();
                    v.push(0.5); // every sentence shares a little meaning
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter().map(|x| x / norm).collect()
                })
                .collect())
        }
    }

    struct BrokenEncoder;
    impl SentenceEncoder for BrokenEncoder {
        fn encode(&self, _: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
            Err(EncodeError("out of memory".into()))
        }
    }

    /// An encoder whose numbers overflowed: must not pass for evidence.
    struct NanEncoder;
    impl SentenceEncoder for NanEncoder {
        fn encode(&self, s: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
            Ok(s.iter().map(|_| vec![f32::NAN; 4]).collect())
        }
    }

    fn marker_rubric() -> Rubric {
        let mut r = Rubric::builtin();
        for (p, ex) in [
            (&mut r.phases.failure, vec!["the walrus"]),
            (&mut r.phases.learning, vec!["a zebra", "the okapi"]),
            (&mut r.phases.situation, vec![]),
            (&mut r.phases.task, vec![]),
            (&mut r.phases.response, vec![]),
        ] {
            p.examples = ex.into_iter().map(String::from).collect();
        }
        r
    }

    use crate::analysis::TEXTBOOK_ANSWER as TEXTBOOK;

    #[test]
    fn similarity_is_the_mean_over_a_phases_examples() {
        let rubric = marker_rubric();
        let model = PhaseModel::new(&rubric.phases);
        let sims = model
            .similarities(&MarkerEncoder, &["A walrus and a zebra."])
            .expect("encodes");
        // Norms: the sentence (1, 1, 0, 0.5) is 1.5, each example (one marker, 0.5) 1.118.
        let (both, one) = (1.0 / 1.5, 1.0 / 1.25f64.sqrt());
        let walrus = (1.0 + 0.25) * both * one;
        let zebra = walrus;
        let okapi = 0.25 * both * one;
        let learning = (zebra + okapi) / 2.0;
        // Phases without examples get the mean of the others.
        let rest = (walrus + learning) / 2.0;
        let want = [rest, rest, walrus, rest, learning];
        for p in 0..5 {
            assert!(
                (sims[0][p] - want[p]).abs() < 1e-6,
                "{p}: {:?} vs {want:?}",
                sims[0]
            );
        }
    }

    /// The encoder's evidence can move a sentence the cues and order would place
    /// elsewhere: a closing sentence that, by meaning, is about the failure.
    #[test]
    fn the_encoder_can_carry_a_sentence_no_cue_names() {
        let rubric = marker_rubric();
        let text = format!("{TEXTBOOK} The walrus thing still comes up at parties.");
        let t = tokens_from_words(&transcript_from_text(&text, 150.0).words);
        let spans = split(&t, SplitOptions::default());
        let model = PhaseModel::new(&rubric.phases);
        let plain = model.label(&t, &spans, None);
        assert_eq!(plain.last(), Some(&Phase::Learning));
        let texts: Vec<String> = spans
            .iter()
            .map(|s| {
                t[s.first..s.last]
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let sims = model.similarities(&MarkerEncoder, &refs).expect("encodes");
        let helped = model.label(&t, &spans, Some(&sims));
        assert_eq!(helped.last(), Some(&Phase::Failure));
        assert_eq!(helped[..5], plain[..5], "the rest keeps its labels");
        // Weight 0 switches the encoder off.
        let mut off = rubric.clone();
        off.phases.encoder_weight = 0.0;
        assert!(!PhaseModel::new(&off.phases).uses_encoder());
    }

    #[test]
    fn a_failing_encoder_leaves_the_cue_labels_and_says_so() {
        use crate::analysis::{InputInfo, InputKind, PhaseLabels, Timing, analyze, analyze_with};
        let rubric = Rubric::builtin();
        let t = transcript_from_text(TEXTBOOK, 150.0);
        let input = InputInfo {
            path: "t".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
        };
        let broken = analyze_with(&t, input.clone(), &rubric, Some(&BrokenEncoder)).report;
        let plain = analyze(&t, input.clone(), &rubric).report;
        assert_eq!(broken.phase_labels, PhaseLabels::Cues);
        let phases =
            |r: &crate::analysis::Report| r.sentences.iter().map(|s| s.phase).collect::<Vec<_>>();
        assert_eq!(phases(&broken), phases(&plain));
        let nan = analyze_with(&t, input.clone(), &rubric, Some(&NanEncoder)).report;
        assert_eq!(nan.phase_labels, PhaseLabels::Cues);
        let marked = analyze_with(&t, input, &rubric, Some(&MarkerEncoder)).report;
        assert_eq!(marked.phase_labels, PhaseLabels::CuesAndEncoder);
    }
}
