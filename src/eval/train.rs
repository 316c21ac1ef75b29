//! Training the phase labeller on labelled answers, and measuring it by
//! cross-validation: every answer is labelled by a model trained without its author.
//!
//! The classifier is multinomial logistic regression (L2-regularised, fitted with
//! candle's AdamW on the whole set at once), the order model is counted from the
//! training labels with add-one smoothing. Training is deterministic: the same
//! corpus gives the same model file.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use super::corpus::Item;
use crate::analysis::boundaries::{BoundaryModel, gap_features};
use crate::analysis::features::{DENSE_WITH_ENCODER, NgramSpec, UnitFeatures, unit_features};
use crate::analysis::phases::{Head, PhaseLabeller, units_cut_by};
use crate::analysis::text::{tokens_from_words, transcript_from_text};
use crate::analysis::{Phase, Rubric, SentenceEncoder, encode_units, raw_text};

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("training failed: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("nothing to train on: no labelled units")]
    Empty,
    #[error("{0}")]
    Model(#[from] crate::analysis::phases::ModelError),
}

/// Settings of a training run (the defaults are what the built-in model used).
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub spec: NgramSpec,
    /// Inverse regularisation strength, as scikit-learn's `C`: the loss is the mean
    /// cross-entropy plus |W|² / (2·C·units).
    pub c: f64,
    pub steps: usize,
    pub learning_rate: f64,
    pub prior_weight: f64,
}

impl TrainOptions {
    /// Full-batch AdamW at the set learning rate; the L2 penalty is in the loss.
    fn optimiser(&self, vars: Vec<Var>) -> Result<AdamW, TrainError> {
        Ok(AdamW::new(
            vars,
            ParamsAdamW {
                lr: self.learning_rate,
                weight_decay: 0.0,
                ..Default::default()
            },
        )?)
    }

    /// The weight of |W|² in a loss averaged over `n` examples: 1 / (2·C·n).
    fn l2(&self, n: usize) -> f64 {
        1.0 / (2.0 * self.c * n as f64)
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            spec: NgramSpec {
                buckets: 1 << 14,
                scale: 3.0,
            },
            c: 100.0,
            steps: 400,
            learning_rate: 0.05,
            prior_weight: 1.0,
        }
    }
}

/// One answer cut into the labeller's units, with each unit's features and its gold
/// phase (the phase of most of its words).
pub struct PreparedAnswer {
    pub id: String,
    /// Who wrote it: cross-validation holds out one author at a time.
    pub author: String,
    pub with_encoder: Vec<UnitFeatures>,
    pub words_only: Vec<UnitFeatures>,
    pub gold: Vec<Phase>,
}

/// Cuts every answer into units as the analysis does and computes their features.
pub fn prepare(
    items: &[&Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    spec: NgramSpec,
    boundaries: Option<&BoundaryModel>,
) -> Vec<PreparedAnswer> {
    items
        .iter()
        .map(|item| {
            let t = transcript_from_text(&item.text(), rubric.targets.text_wpm);
            let tokens = tokens_from_words(&t.words);
            let spans = units_cut_by(boundaries, &tokens, false);
            let units: Vec<&[crate::analysis::text::Token]> =
                spans.iter().map(|s| &tokens[s.first..s.last]).collect();
            let texts: Vec<String> = units.iter().map(|u| raw_text(u)).collect();
            let vectors = encoder.and_then(|e| encode_units(e, &texts));
            let gold_words = item.word_phases();
            let gold = spans
                .iter()
                .map(|s| {
                    let mut votes = [0usize; 5];
                    for p in gold_words[s.first.min(gold_words.len())..s.last.min(gold_words.len())]
                        .iter()
                        .flatten()
                    {
                        votes[p.index()] += 1;
                    }
                    let best = (0..5).max_by_key(|&p| (votes[p], 5 - p)).unwrap_or(0);
                    Phase::ALL[best]
                })
                .collect();
            PreparedAnswer {
                id: item.id.clone(),
                author: item.author().to_string(),
                with_encoder: vectors
                    .as_deref()
                    .map(|v| unit_features(&units, Some(v), spec))
                    .unwrap_or_default(),
                words_only: unit_features(&units, None, spec),
                gold,
            }
        })
        .collect()
}

/// Trains both heads and the order model on `answers`. Without encoder features
/// (none of the answers has them) the encoder head is left empty and unused.
pub fn train(
    answers: &[&PreparedAnswer],
    opts: &TrainOptions,
    trained_on: &str,
) -> Result<PhaseLabeller, TrainError> {
    let gold: Vec<Phase> = answers
        .iter()
        .flat_map(|a| a.gold.iter().copied())
        .collect();
    if gold.is_empty() {
        return Err(TrainError::Empty);
    }
    let plain: Vec<&UnitFeatures> = answers.iter().flat_map(|a| &a.words_only).collect();
    let words_only = fit_head(&plain, &gold, 0, opts)?;
    let rich: Vec<&UnitFeatures> = answers.iter().flat_map(|a| &a.with_encoder).collect();
    let with_encoder = if rich.len() == gold.len() {
        fit_head(&rich, &gold, DENSE_WITH_ENCODER, opts)?
    } else {
        Head {
            dense: vec![[0.0; 5]; DENSE_WITH_ENCODER],
            ngrams: words_only.ngrams.clone(),
            bias: words_only.bias,
        }
    };
    let mut start = [1.0f64; 5];
    let mut trans = [[1.0f64; 5]; 5];
    let mut count = [1.0f64; 5];
    for a in answers {
        if let Some(first) = a.gold.first() {
            start[first.index()] += 1.0;
        }
        for w in a.gold.windows(2) {
            trans[w[0].index()][w[1].index()] += 1.0;
        }
        for p in &a.gold {
            count[p.index()] += 1.0;
        }
    }
    let log_norm = |xs: [f64; 5]| {
        let s: f64 = xs.iter().sum();
        xs.map(|x| (x / s).ln())
    };
    Ok(PhaseLabeller {
        spec: opts.spec,
        with_encoder,
        words_only,
        transitions: trans.map(log_norm),
        start: log_norm(start),
        log_prior: log_norm(count),
        prior_weight: opts.prior_weight,
        boundaries: None,
        trained_on: trained_on.to_string(),
    })
}

/// Multinomial logistic regression from `units` (dense width `dense`) to `gold`.
fn fit_head(
    units: &[&UnitFeatures],
    gold: &[Phase],
    dense: usize,
    opts: &TrainOptions,
) -> Result<Head, TrainError> {
    let dev = Device::Cpu;
    let n = units.len();
    let buckets = opts.spec.buckets;
    let y = Tensor::from_vec(
        gold.iter().map(|p| p.index() as u32).collect::<Vec<_>>(),
        n,
        &dev,
    )?;
    // The n-grams as (unit, bucket, value) triples: logits gather the rows of their
    // buckets and add them up per unit.
    let (mut unit_of, mut bucket_of, mut value) = (Vec::new(), Vec::new(), Vec::new());
    for (k, u) in units.iter().enumerate() {
        for &(b, v) in &u.ngrams {
            unit_of.push(k as u32);
            bucket_of.push(b);
            value.push(v);
        }
    }
    let nnz = value.len();
    let unit_of = Tensor::from_vec(unit_of, nnz, &dev)?;
    let bucket_of = Tensor::from_vec(bucket_of, nnz, &dev)?;
    let value = Tensor::from_vec(value, (nnz, 1), &dev)?;
    let x = (dense > 0)
        .then(|| {
            let flat: Vec<f32> = units
                .iter()
                .flat_map(|u| {
                    let mut row = u.dense.clone();
                    row.resize(dense, 0.0);
                    row
                })
                .collect();
            Tensor::from_vec(flat, (n, dense), &dev)
        })
        .transpose()?;
    let w_ngrams = Var::zeros((buckets, 5), DType::F32, &dev)?;
    let w_dense = Var::zeros((dense.max(1), 5), DType::F32, &dev)?;
    let bias = Var::zeros(5, DType::F32, &dev)?;
    let mut vars = vec![w_ngrams.clone(), bias.clone()];
    if dense > 0 {
        vars.push(w_dense.clone());
    }
    let mut opt = opts.optimiser(vars)?;
    let l2 = opts.l2(n);
    let zeros = Tensor::zeros((n, 5), DType::F32, &dev)?;
    for _ in 0..opts.steps {
        let gathered = w_ngrams
            .as_tensor()
            .index_select(&bucket_of, 0)?
            .broadcast_mul(&value)?;
        let mut logits = zeros
            .index_add(&unit_of, &gathered, 0)?
            .broadcast_add(bias.as_tensor())?;
        let mut penalty = w_ngrams.as_tensor().sqr()?.sum_all()?;
        if let Some(x) = &x {
            logits = (logits + x.matmul(w_dense.as_tensor())?)?;
            penalty = (penalty + w_dense.as_tensor().sqr()?.sum_all()?)?;
        }
        let loss = (candle_nn::loss::cross_entropy(&logits, &y)? + (penalty * l2)?)?;
        opt.backward_step(&loss)?;
    }
    let rows = |t: &Tensor| -> Result<Vec<[f32; 5]>, TrainError> {
        Ok(t.to_vec2::<f32>()?
            .into_iter()
            .map(|r| [r[0], r[1], r[2], r[3], r[4]])
            .collect())
    };
    let b = bias.as_tensor().to_vec1::<f32>()?;
    Ok(Head {
        dense: if dense > 0 {
            rows(w_dense.as_tensor())?
        } else {
            Vec::new()
        },
        ngrams: rows(w_ngrams.as_tensor())?,
        bias: [b[0], b[1], b[2], b[3], b[4]],
    })
}

/// Where each item's segments start: the token index of every segment but the first.
fn segment_starts(item: &Item) -> Vec<usize> {
    let mut at = 0;
    let mut starts = Vec::new();
    for (k, s) in item.sentences.iter().enumerate() {
        if k > 0 {
            starts.push(at);
        }
        at += crate::analysis::text::count_words(&s.text);
    }
    starts
}

/// Fits the boundary model on every gap inside the items' text that no full stop
/// already ends: positive where the labelled answer starts a new segment.
pub fn fit_boundaries(
    items: &[&Item],
    rubric: &Rubric,
    opts: &TrainOptions,
) -> Result<BoundaryModel, TrainError> {
    let dev = Device::Cpu;
    let buckets = opts.spec.buckets;
    let (mut gap_of, mut bucket_of, mut target) = (Vec::new(), Vec::new(), Vec::new());
    for item in items {
        let t = transcript_from_text(&item.text(), rubric.targets.text_wpm);
        let tokens = tokens_from_words(&t.words);
        let starts = segment_starts(item);
        for i in 1..tokens.len() {
            if tokens[i - 1].sentence_end {
                continue;
            }
            let gap = target.len() as u32;
            for b in gap_features(&tokens, i, buckets) {
                gap_of.push(gap);
                bucket_of.push(b);
            }
            target.push(f32::from(u8::from(starts.binary_search(&i).is_ok())));
        }
    }
    let n = target.len();
    if n == 0 {
        return Err(TrainError::Empty);
    }
    let nnz = gap_of.len();
    let gap_of = Tensor::from_vec(gap_of, nnz, &dev)?;
    let bucket_of = Tensor::from_vec(bucket_of, nnz, &dev)?;
    let target = Tensor::from_vec(target, (n, 1), &dev)?;
    let w = Var::zeros((buckets, 1), DType::F32, &dev)?;
    let bias = Var::zeros(1, DType::F32, &dev)?;
    let mut opt = opts.optimiser(vec![w.clone(), bias.clone()])?;
    let l2 = opts.l2(n);
    let zeros = Tensor::zeros((n, 1), DType::F32, &dev)?;
    for _ in 0..opts.steps {
        let logits = zeros
            .index_add(&gap_of, &w.as_tensor().index_select(&bucket_of, 0)?, 0)?
            .broadcast_add(bias.as_tensor())?;
        let fit = candle_nn::loss::binary_cross_entropy_with_logit(&logits, &target)?;
        let loss = (fit + (w.as_tensor().sqr()?.sum_all()? * l2)?)?;
        opt.backward_step(&loss)?;
    }
    Ok(BoundaryModel {
        weights: w.as_tensor().flatten_all()?.to_vec1::<f32>()?,
        bias: bias.as_tensor().to_vec1::<f32>()?[0],
    })
}

/// The whole labeller (boundary model, heads and order model) trained on `items`.
pub fn fit(
    items: &[&Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    opts: &TrainOptions,
    trained_on: &str,
) -> Result<PhaseLabeller, TrainError> {
    let boundaries = fit_boundaries(items, rubric, opts)?;
    let prepared = prepare(items, rubric, encoder, opts.spec, Some(&boundaries));
    let refs: Vec<&PreparedAnswer> = prepared.iter().collect();
    let mut model = train(&refs, opts, trained_on)?;
    model.boundaries = Some(boundaries);
    Ok(model)
}

/// Cross-validation by author: authors are dealt round-robin (in sorted order) into
/// `folds` groups, and each group's answers are labelled by a model trained on every
/// other group's. Returns, per author, the model that did not see them.
/// `extra` answers join every fold's training set and are never held out (to measure
/// what more training data does for the same held-out authors).
pub fn cross_validate(
    items: &[Item],
    extra: &[Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    opts: &TrainOptions,
    folds: usize,
) -> Result<Vec<(String, std::sync::Arc<PhaseLabeller>)>, TrainError> {
    let mut authors: Vec<&str> = items.iter().map(|a| a.author()).collect();
    authors.sort_unstable();
    authors.dedup();
    let folds = folds.clamp(2, authors.len().max(2));
    let fold_of = |author: &str| authors.iter().position(|a| *a == author).unwrap_or(0) % folds;
    let mut out = Vec::new();
    for k in 0..folds {
        let rest: Vec<&Item> = items
            .iter()
            .filter(|a| fold_of(a.author()) != k)
            .chain(extra)
            .collect();
        let held: Vec<&str> = authors
            .iter()
            .copied()
            .filter(|a| fold_of(a) == k)
            .collect();
        let model = std::sync::Arc::new(fit(
            &rest,
            rubric,
            encoder,
            opts,
            &format!("all but authors {}", held.join(", ")),
        )?);
        out.extend(held.into_iter().map(|a| (a.to_string(), model.clone())));
    }
    Ok(out)
}

/// Phase accuracy of `items` when each is labelled by a model trained on the other
/// authors' answers (authors split into `folds` groups), so never on its own author's;
/// `extra` answers are added to every training set and not scored.
pub fn cross_validated_accuracy(
    items: &[Item],
    extra: &[Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    folds: usize,
) -> Result<super::corpus::PhaseAccuracy, TrainError> {
    let opts = TrainOptions::default();
    let models = cross_validate(items, extra, rubric, encoder, &opts, folds)?;
    let model_of = |item: &Item| -> &crate::analysis::PhaseLabeller {
        models
            .iter()
            .find(|(a, _)| a == item.author())
            .map(|(_, m)| m.as_ref())
            .unwrap_or_else(|| crate::analysis::PhaseLabeller::builtin())
    };
    Ok(super::corpus::phase_accuracy_by(
        items, rubric, encoder, &model_of,
    ))
}

/// Trains the labeller on every item and returns the model file's bytes.
pub fn train_model(
    items: &[Item],
    encoder: &dyn SentenceEncoder,
    trained_on: &str,
) -> Result<(Vec<u8>, String), TrainError> {
    let refs: Vec<&Item> = items.iter().collect();
    let model = fit(
        &refs,
        &Rubric::builtin(),
        Some(encoder),
        &TrainOptions::default(),
        trained_on,
    )?;
    Ok((model.to_bytes()?, model.trained_on.clone()))
}
