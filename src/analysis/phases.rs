//! Labelling each sentence (or clause) of an answer with a phase of the story.
//!
//! Method ([`PhaseLabeller`]): a linear classifier scores each unit from its words
//! (hashed n-grams) and, when the sentence encoder is installed, from its meaning and
//! its neighbours' (vectors); a Viterbi pass over the phase order learned from the same
//! labelled answers then picks the most likely sequence. Both are trained on the
//! project's corpus (`fixtures/corpus`, docs/accuracy.md) by `rehearse eval train`
//! and compiled in. The analysis sees only vectors; the encoder itself lives outside
//! it (`crate::embed`).

use serde::{Deserialize, Serialize};

use super::boundaries::{BoundaryModel, MAX_PIECE_WORDS};
use super::features::{DENSE_WITH_ENCODER, NgramSpec, UnitFeatures, unit_features};
use super::phase_units;
use super::sentences::{SentenceSpan, SplitOptions, split};
use super::text::Token;

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

/// The failure share of an answer from its amount per phase (words, or seconds when
/// timing is measured), indexed by [`Phase::index`]: failure / (failure + response +
/// learning), the product's headline number (domain.md); 0 when none of the three.
pub fn failure_share(amount: [f64; 5]) -> f64 {
    let [_, _, failure, response, learning] = amount;
    let told = failure + response + learning;
    if told > 0.0 { failure / told } else { 0.0 }
}

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

/// The trained labeller, compiled in (`rehearse eval train` writes it).
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../../models/phase-labeller.safetensors");

/// A trained model file that cannot be read (its message says what is wrong).
#[derive(Debug, thiserror::Error)]
#[error("phase labeller model: {0}")]
pub struct ModelError(pub String);

/// One linear layer from a unit's features to a score per phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    /// Dense feature index → weight per phase.
    pub dense: Vec<[f32; 5]>,
    /// N-gram bucket → weight per phase.
    pub ngrams: Vec<[f32; 5]>,
    pub bias: [f32; 5],
}

impl Head {
    fn scores(&self, f: &UnitFeatures) -> [f64; 5] {
        let mut s = self.bias.map(f64::from);
        for (x, w) in f.dense.iter().zip(&self.dense) {
            for p in 0..5 {
                s[p] += f64::from(x * w[p]);
            }
        }
        for &(b, x) in &f.ngrams {
            if let Some(w) = self.ngrams.get(b as usize) {
                for p in 0..5 {
                    s[p] += f64::from(x * w[p]);
                }
            }
        }
        s
    }
}

/// The phase labeller: a linear classifier per unit, trained on labelled answers,
/// and a Viterbi pass over the phase order learned from the same answers.
///
/// Why this shape: the classifier reads what a sentence *does* (tense, stance,
/// discourse markers, what it means next to its neighbours), and the order model
/// lets a sentence with little evidence take its neighbours' phase while keeping
/// loops back possible. There is deliberately no prior on where in the answer a phase
/// sits: such a prior pulls a failure-heavy answer towards the target shape and hides
/// exactly what its speaker needs to hear.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseLabeller {
    pub spec: NgramSpec,
    /// With the sentence encoder's vectors.
    pub with_encoder: Head,
    /// From the words alone (no encoder installed, or `--no-encoder`).
    pub words_only: Head,
    /// Log-probability of each phase following another (rows: from).
    pub transitions: [[f64; 5]; 5],
    /// Log-probability of each phase opening an answer.
    pub start: [f64; 5],
    /// Log of each phase's share of the training units. The classifier's posteriors are
    /// divided by it (times `prior_weight`) so the order model is not fed the class
    /// frequencies twice.
    pub log_prior: [f64; 5],
    pub prior_weight: f64,
    /// Where run-ons start new units; without it (older model files) they are cut at
    /// clause openers by rule.
    pub boundaries: Option<BoundaryModel>,
    /// What the model was trained on (shown by `rehearse eval`).
    pub trained_on: String,
}

impl PhaseLabeller {
    /// The compiled-in labeller.
    pub fn builtin() -> &'static PhaseLabeller {
        static MODEL: std::sync::LazyLock<PhaseLabeller> = std::sync::LazyLock::new(|| {
            // Checked by a unit test; a broken built-in model is a build defect.
            PhaseLabeller::from_bytes(BUILTIN_MODEL)
                .unwrap_or_else(|e| panic!("models/phase-labeller.safetensors: {e}"))
        });
        &MODEL
    }

    /// The units the answer is labelled in: sentences cut at full stops (and, from
    /// speech, long pauses), run-ons cut where a new sentence starts.
    pub fn units(&self, tokens: &[Token], measured: bool) -> Vec<SentenceSpan> {
        units_cut_by(self.boundaries.as_ref(), tokens, measured)
    }

    /// The features of every unit: n-grams always, vectors when given (one per unit).
    pub fn features(&self, units: &[&[Token]], vectors: Option<&[Vec<f32>]>) -> Vec<UnitFeatures> {
        unit_features(units, vectors, self.spec)
    }

    /// Per unit, the log-probability of each phase from the classifier alone.
    pub fn unit_log_probs(&self, features: &[UnitFeatures]) -> Vec<[f64; 5]> {
        features
            .iter()
            .map(|f| {
                let head = if f.dense.is_empty() {
                    &self.words_only
                } else {
                    &self.with_encoder
                };
                let s = head.scores(f);
                let lse = log_sum_exp(&s);
                s.map(|x| x - lse)
            })
            .collect()
    }

    /// The most likely phase of every unit.
    pub fn label(&self, units: &[&[Token]], vectors: Option<&[Vec<f32>]>) -> Vec<Phase> {
        if units.is_empty() {
            return Vec::new();
        }
        let emissions: Vec<[f64; 5]> = self
            .unit_log_probs(&self.features(units, vectors))
            .into_iter()
            .map(|lp| std::array::from_fn(|p| lp[p] - self.prior_weight * self.log_prior[p]))
            .collect();
        viterbi(&emissions, &self.start, &self.transitions)
    }

    /// Reads a model written by [`PhaseLabeller::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PhaseLabeller, ModelError> {
        let (_, meta) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| ModelError(e.to_string()))?;
        let st =
            safetensors::SafeTensors::deserialize(bytes).map_err(|e| ModelError(e.to_string()))?;
        let meta = meta.metadata().clone().unwrap_or_default();
        let meta_f = |k: &str| -> Result<f64, ModelError> {
            meta.get(k)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| ModelError(format!("metadata {k} missing or not a number")))
        };
        let buckets = meta_f("ngram_buckets")? as usize;
        let tensor = |name: &str, rows: usize| -> Result<Vec<f32>, ModelError> {
            let t = st
                .tensor(name)
                .map_err(|e| ModelError(format!("{name}: {e}")))?;
            if t.dtype() != safetensors::Dtype::F32
                || t.shape().iter().product::<usize>() != rows * 5
            {
                return Err(ModelError(format!(
                    "{name} is {:?} {:?}, expected {rows}x5 f32",
                    t.dtype(),
                    t.shape()
                )));
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        };
        let rows = |v: Vec<f32>| -> Vec<[f32; 5]> {
            v.chunks_exact(5)
                .map(|c| [c[0], c[1], c[2], c[3], c[4]])
                .collect()
        };
        let five = |name: &str| -> Result<[f64; 5], ModelError> {
            let v = tensor(name, 1)?;
            Ok(std::array::from_fn(|i| f64::from(v[i])))
        };
        let head = |prefix: &str, dense: usize| -> Result<Head, ModelError> {
            let bias = tensor(&format!("{prefix}.bias"), 1)?;
            Ok(Head {
                dense: rows(tensor(&format!("{prefix}.dense"), dense)?),
                ngrams: rows(tensor(&format!("{prefix}.ngrams"), buckets)?),
                bias: [bias[0], bias[1], bias[2], bias[3], bias[4]],
            })
        };
        let t = tensor("transitions", 5)?;
        let m = PhaseLabeller {
            spec: NgramSpec {
                buckets,
                scale: meta_f("ngram_scale")? as f32,
            },
            with_encoder: head("with_encoder", DENSE_WITH_ENCODER)?,
            words_only: head("words_only", 0)?,
            transitions: std::array::from_fn(|r| std::array::from_fn(|c| f64::from(t[r * 5 + c]))),
            start: five("start")?,
            log_prior: five("log_prior")?,
            prior_weight: meta_f("prior_weight")?,
            boundaries: match (
                st.tensor("boundaries.weights"),
                st.tensor("boundaries.bias"),
            ) {
                (Ok(w), Ok(b)) => {
                    let floats = |t: &safetensors::tensor::TensorView| -> Vec<f32> {
                        t.data()
                            .chunks_exact(4)
                            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect()
                    };
                    let (weights, bias) = (floats(&w), floats(&b));
                    if w.dtype() != safetensors::Dtype::F32
                        || b.dtype() != safetensors::Dtype::F32
                        || weights.is_empty()
                        || bias.len() != 1
                        || !weights.iter().chain(&bias).all(|x| x.is_finite())
                    {
                        return Err(ModelError(
                            "boundaries: expected finite f32 weights and one bias".into(),
                        ));
                    }
                    Some(BoundaryModel {
                        weights,
                        bias: bias[0],
                    })
                }
                _ => None,
            },
            trained_on: meta.get("trained_on").cloned().unwrap_or_default(),
        };
        let finite = |xs: &[f32]| xs.iter().all(|x| x.is_finite());
        let heads_ok = [&m.with_encoder, &m.words_only]
            .iter()
            .all(|h| finite(&h.bias) && h.dense.iter().chain(&h.ngrams).all(|w| finite(w)));
        let order_ok = m
            .transitions
            .iter()
            .flatten()
            .chain(&m.start)
            .chain(&m.log_prior)
            .all(|x| x.is_finite() && *x <= 0.0);
        if !(heads_ok && order_ok && m.prior_weight.is_finite() && buckets > 0) {
            return Err(ModelError(
                "weights are not finite, or probabilities above 1".into(),
            ));
        }
        Ok(m)
    }

    /// The model as a safetensors file (weights f32, settings in the metadata).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        use safetensors::tensor::TensorView;
        let flat = |rows: &[[f32; 5]]| -> Vec<u8> {
            rows.iter()
                .flatten()
                .flat_map(|x| x.to_le_bytes())
                .collect()
        };
        let f64s =
            |xs: &[f64]| -> Vec<u8> { xs.iter().flat_map(|x| (*x as f32).to_le_bytes()).collect() };
        let mut data: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
        for (prefix, h) in [
            ("with_encoder", &self.with_encoder),
            ("words_only", &self.words_only),
        ] {
            data.push((
                format!("{prefix}.dense"),
                flat(&h.dense),
                vec![h.dense.len(), 5],
            ));
            data.push((
                format!("{prefix}.ngrams"),
                flat(&h.ngrams),
                vec![h.ngrams.len(), 5],
            ));
            data.push((format!("{prefix}.bias"), flat(&[h.bias]), vec![5]));
        }
        let t: Vec<f64> = self.transitions.iter().flatten().copied().collect();
        data.push(("transitions".into(), f64s(&t), vec![5, 5]));
        data.push(("start".into(), f64s(&self.start), vec![5]));
        data.push(("log_prior".into(), f64s(&self.log_prior), vec![5]));
        if let Some(b) = &self.boundaries {
            let bytes =
                |xs: &[f32]| -> Vec<u8> { xs.iter().flat_map(|x| x.to_le_bytes()).collect() };
            data.push((
                "boundaries.weights".into(),
                bytes(&b.weights),
                vec![b.weights.len()],
            ));
            data.push(("boundaries.bias".into(), bytes(&[b.bias]), vec![1]));
        }
        let views: Vec<(String, TensorView)> = data
            .iter()
            .map(|(n, d, shape)| {
                TensorView::new(safetensors::Dtype::F32, shape.clone(), d)
                    .map(|v| (n.clone(), v))
                    .map_err(|e| ModelError(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let meta: std::collections::HashMap<String, String> = [
            ("ngram_buckets", self.spec.buckets.to_string()),
            ("ngram_scale", self.spec.scale.to_string()),
            ("prior_weight", self.prior_weight.to_string()),
            ("trained_on", self.trained_on.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        safetensors::serialize(views, Some(meta)).map_err(|e| ModelError(e.to_string()))
    }
}

/// [`PhaseLabeller::units`] for a boundary model of its own (training cuts with the
/// model it is fitting); without one, run-ons are cut at clause openers by rule.
pub fn units_cut_by(
    boundaries: Option<&BoundaryModel>,
    tokens: &[Token],
    measured: bool,
) -> Vec<SentenceSpan> {
    let Some(model) = boundaries else {
        return phase_units(tokens, measured);
    };
    let sentences = split(
        tokens,
        SplitOptions {
            use_pauses: measured,
            soft_max_words: usize::MAX,
            hard_max_words: usize::MAX,
            ..SplitOptions::default()
        },
    );
    // Punctuated sentences stay whole (the writer or Whisper chose the stop);
    // run-ons, and sentences too long to be one step of a story, are cut.
    let mut out = Vec::with_capacity(sentences.len());
    for s in sentences {
        if tokens[s.last - 1].sentence_end && s.last - s.first <= MAX_PIECE_WORDS {
            out.push(s);
        } else {
            out.extend(model.split(tokens, vec![s]));
        }
    }
    out
}

fn log_sum_exp(xs: &[f64; 5]) -> f64 {
    let m = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// The most likely phase sequence under the order model.
pub fn viterbi(
    emissions: &[[f64; 5]],
    start: &[f64; 5],
    transitions: &[[f64; 5]; 5],
) -> Vec<Phase> {
    let n = emissions.len();
    if n == 0 {
        return Vec::new();
    }
    let mut score: [f64; 5] = std::array::from_fn(|p| start[p] + emissions[0][p]);
    let mut back = vec![[0usize; 5]; n];
    for t in 1..n {
        let mut next = [f64::NEG_INFINITY; 5];
        for to in 0..5 {
            for from in 0..5 {
                let s = score[from] + transitions[from][to];
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
    use crate::analysis::TEXTBOOK_ANSWER as TEXTBOOK;
    use crate::analysis::features::VECTOR_DIM;
    use crate::analysis::rubric::Rubric;
    use crate::analysis::text::{tokens_from_words, transcript_from_text};
    use crate::analysis::{
        InputInfo, InputKind, PhaseLabels, Timing, analyze, analyze_with, analyze_with_labeller,
        phase_units,
    };

    fn units(text: &str) -> (Vec<Token>, Vec<(usize, usize)>) {
        let t = tokens_from_words(&transcript_from_text(text, 150.0).words);
        let spans = phase_units(&t, false)
            .iter()
            .map(|s| (s.first, s.last))
            .collect();
        (t, spans)
    }

    fn label_with(model: &PhaseLabeller, text: &str, vectors: Option<&[Vec<f32>]>) -> Vec<Phase> {
        let (t, spans) = units(text);
        let u: Vec<&[Token]> = spans.iter().map(|&(a, b)| &t[a..b]).collect();
        model.label(&u, vectors)
    }

    #[test]
    fn the_built_in_model_loads_and_round_trips() {
        let m = PhaseLabeller::builtin();
        assert_eq!(m.with_encoder.dense.len(), DENSE_WITH_ENCODER);
        assert_eq!(m.words_only.ngrams.len(), m.spec.buckets);
        let again = PhaseLabeller::from_bytes(&m.to_bytes().expect("writes")).expect("reads");
        assert_eq!(&again, m);
    }

    #[test]
    fn a_textbook_answer_follows_the_five_phases() {
        assert_eq!(
            label_with(PhaseLabeller::builtin(), TEXTBOOK, None),
            Phase::ALL.to_vec()
        );
    }

    /// A Whisper-like run-on with no full stop is cut where its story moves on, and
    /// each piece gets its phase: one unit for the whole would have been one phase.
    #[test]
    fn a_run_on_is_cut_into_its_phases() {
        let text = "so i was the shift supervisor at a recycling depot and my job was to \
            check the trade loads before they tipped and that friday there was a queue of \
            lorries so i waved one through without looking and there were lithium batteries \
            in the cardboard and it started a fire in the baler so i hit the emergency stop \
            and got everyone out and we put it out with the extinguishers and since then i \
            check every trade load myself no matter how long the queue is";
        let m = PhaseLabeller::builtin();
        assert!(m.boundaries.is_some(), "the built-in model cuts run-ons");
        let t = tokens_from_words(&transcript_from_text(text, 150.0).words);
        let spans = m.units(&t, false);
        let opening = |s: &SentenceSpan| -> String {
            t[s.first..s.first + 3]
                .iter()
                .map(|w| w.norm.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let openings: Vec<String> = spans.iter().map(opening).collect();
        // Where the failure ends and the response starts is the model's call (it has
        // moved between retrainings); the task and the lesson start unmistakably.
        for expected in ["and my job", "and since then"] {
            assert!(openings.iter().any(|o| o == expected), "{openings:?}");
        }
        let units: Vec<&[Token]> = spans.iter().map(|s| &t[s.first..s.last]).collect();
        let phases = m.label(&units, None);
        let mut distinct = phases.clone();
        distinct.dedup();
        assert_eq!(distinct, Phase::ALL.to_vec(), "{openings:?}");
    }

    /// Situation and task do not count; an answer with no failure, response or
    /// learning has no share rather than a division by zero.
    #[test]
    fn the_failure_share_is_failure_over_what_follows_it() {
        assert_eq!(failure_share([9.0, 9.0, 1.0, 1.0, 2.0]), 0.25);
        assert_eq!(failure_share([5.0, 1.0, 0.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn empty_input_has_no_phases() {
        assert!(label_with(PhaseLabeller::builtin(), "", None).is_empty());
    }

    /// A model that knows nothing: every phase equally likely everywhere, except what
    /// a test gives it.
    fn blank() -> PhaseLabeller {
        let uniform = (0.2f64).ln();
        PhaseLabeller {
            spec: NgramSpec {
                buckets: 16,
                scale: 1.0,
            },
            with_encoder: Head {
                dense: vec![[0.0; 5]; DENSE_WITH_ENCODER],
                ngrams: vec![[0.0; 5]; 16],
                bias: [0.0; 5],
            },
            words_only: Head {
                dense: Vec::new(),
                ngrams: vec![[0.0; 5]; 16],
                bias: [0.0; 5],
            },
            transitions: [[uniform; 5]; 5],
            start: [uniform; 5],
            log_prior: [uniform; 5],
            prior_weight: 1.0,
            boundaries: None,
            trained_on: "test".into(),
        }
    }

    #[test]
    fn the_order_model_decides_what_the_words_leave_open() {
        // Evidence for failure in the first unit only (the bias of the first unit is
        // the same as the others', so use the order): failure may only follow itself.
        let mut m = blank();
        m.start = [
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
            0.0,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        m.transitions = [[f64::NEG_INFINITY; 5]; 5];
        m.transitions[2][2] = 0.0;
        assert_eq!(
            label_with(&m, "One. Two. Three.", None),
            vec![Phase::Failure; 3]
        );
        // A loop back is possible when the order model allows it and the words ask.
        let mut m = blank();
        m.words_only.bias = [0.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(label_with(&m, "One. Two.", None), vec![Phase::Learning; 2]);
    }

    #[test]
    fn vectors_move_a_unit_when_the_encoder_head_says_so() {
        let mut m = blank();
        // The first vector dimension of the unit itself speaks for failure.
        m.with_encoder.dense[0] = [0.0, 0.0, 5.0, 0.0, 0.0];
        m.with_encoder.bias = [0.0, 0.0, 0.0, 0.0, 1.0];
        let v = |x: f32| {
            let mut v = vec![0f32; VECTOR_DIM];
            v[0] = x;
            v[1] = (1.0 - x * x).sqrt();
            v
        };
        let got = label_with(&m, "One. Two.", Some(&[v(1.0), v(0.0)]));
        assert_eq!(got, vec![Phase::Failure, Phase::Learning]);
        // Without vectors the words-only head decides (here: no evidence, bias 0).
        let got = label_with(&m, "One. Two.", None);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn damaged_model_files_are_refused() {
        assert!(PhaseLabeller::from_bytes(b"not a model").is_err());
        let mut m = blank();
        m.words_only.ngrams[3][1] = f32::NAN;
        let bytes = m.to_bytes().expect("writes");
        let e = PhaseLabeller::from_bytes(&bytes).expect_err("NaN weights");
        assert!(e.to_string().contains("not finite"), "{e}");
        let mut m = blank();
        m.start[0] = 0.5; // a probability above 1
        assert!(PhaseLabeller::from_bytes(&m.to_bytes().expect("writes")).is_err());
    }

    /// Stands in for a real encoder: a sentence's vector marks which of a few made-up
    /// marker words it contains.
    struct MarkerEncoder;
    impl SentenceEncoder for MarkerEncoder {
        fn encode(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
            Ok(sentences
                .iter()
                .map(|s| {
                    let mut v = vec![0f32; VECTOR_DIM];
                    v[0] = f32::from(u8::from(s.to_lowercase().contains("walrus")));
                    v[1] = 1.0 - v[0];
                    v
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
            Ok(s.iter().map(|_| vec![f32::NAN; VECTOR_DIM]).collect())
        }
    }

    #[test]
    fn a_failing_encoder_leaves_the_word_labels_and_says_so() {
        let rubric = Rubric::builtin();
        let t = transcript_from_text(TEXTBOOK, 150.0);
        let input = InputInfo {
            path: "t".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        let broken = analyze_with(&t, input.clone(), &rubric, Some(&BrokenEncoder)).report;
        let plain = analyze(&t, input.clone(), &rubric).report;
        assert_eq!(broken.phase_labels, PhaseLabels::Cues);
        let phases =
            |r: &crate::analysis::Report| r.sentences.iter().map(|s| s.phase).collect::<Vec<_>>();
        assert_eq!(phases(&broken), phases(&plain));
        let nan = analyze_with(&t, input.clone(), &rubric, Some(&NanEncoder)).report;
        assert_eq!(nan.phase_labels, PhaseLabels::Cues);
        // A working encoder is used, and its vectors reach the labeller.
        let mut m = blank();
        m.with_encoder.dense[0] = [0.0, 0.0, 9.0, 0.0, 0.0];
        let text = "We met. The walrus escaped. We met again.";
        let a = analyze_with_labeller(
            &transcript_from_text(text, 150.0),
            input,
            &rubric,
            Some(&MarkerEncoder),
            &m,
        )
        .report;
        assert_eq!(a.phase_labels, PhaseLabels::CuesAndEncoder);
        assert_eq!(a.sentences[1].phase, Phase::Failure);
    }
}
