//! The sentence encoder that lets the phase model compare sentences by meaning.
//!
//! all-MiniLM-L6-v2 (a 6-layer BERT with 384-wide sentence vectors, 23M parameters),
//! run with candle. The coach reads the mean of its **first layer's** token states
//! ([`Depth::PHASES`]): each token already seen in the context of its sentence, at a
//! sixth of the full model's cost. In cross-validation that labelled phases as well as
//! all six layers and better than a table of context-free token vectors
//! (docs/accuracy.md), and a 3-minute answer encodes within the analysis budget.
//!
//! It is optional: without its files the analysis labels phases from the words alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::analysis::{EncodeError, SentenceEncoder};
use crate::models::{InstallState, ModelStore};

/// The model was trained on inputs of at most this many tokens; longer ones are cut.
const MAX_TOKENS: usize = 256;
/// Sentences encoded in one forward pass (similar lengths are batched together).
const BATCH: usize = 8;
/// Vectors kept between calls; past this the cache starts afresh, so a long batch
/// does not grow without bound.
const CACHE_MAX: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error(
        "the sentence encoder is not installed in {dir}.\n  Fix: run `rehearse model download {name}`, or offline `scripts/setup`"
    )]
    NotInstalled { name: String, dir: PathBuf },
    #[error(
        "the sentence encoder in {dir} is damaged: {why}.\n  Fix: delete the folder and run `rehearse model download {name}` (or `scripts/setup`)"
    )]
    Damaged {
        name: String,
        dir: PathBuf,
        why: String,
    },
    #[error(
        "cannot load the sentence encoder from {path}: {why}.\n  Fix: delete its folder and run `rehearse model download all-minilm-l6-v2` (or `scripts/setup`)"
    )]
    Load { path: PathBuf, why: String },
}

/// How many of the model's layers run before the token states are pooled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// All of them: the vectors sentence-transformers computes for this model.
    Full,
    /// The first `n` only.
    Layers(usize),
}

impl Depth {
    /// What the phase model was trained on (`rehearse eval train`), so what the coach
    /// encodes with.
    pub const PHASES: Depth = Depth::Layers(1);
}

/// all-MiniLM-L6-v2 (to a [`Depth`]), loaded, with the vectors of sentences it has
/// already seen.
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    cache: VectorCache,
    layers: usize,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MiniLm")
    }
}

impl MiniLm {
    /// Loads the encoder installed in the model store, after a quick check of its files
    /// (sizes; `rehearse model list --verify` checks the SHA-256s).
    pub fn from_store(store: &ModelStore, depth: Depth) -> Result<MiniLm, EncoderError> {
        let name = store.manifest.encoder.name.clone();
        let dir = store.encoder_dir();
        match store.encoder_state(false) {
            InstallState::Missing => Err(EncoderError::NotInstalled { name, dir }),
            InstallState::Corrupt { why } => Err(EncoderError::Damaged { name, dir, why }),
            _ => MiniLm::load(&dir, depth),
        }
    }

    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`, the
    /// layers `depth` asks for only.
    pub fn load(dir: &Path, depth: Depth) -> Result<MiniLm, EncoderError> {
        let load_err = |path: PathBuf, why: String| EncoderError::Load { path, why };
        let config_path = dir.join("config.json");
        let mut config: Config = std::fs::read_to_string(&config_path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .map_err(|why| load_err(config_path.clone(), why))?;
        if let Depth::Layers(n) = depth {
            if n == 0 || n > config.num_hidden_layers {
                let why = format!("asked for {n} layers of {}", config.num_hidden_layers);
                return Err(load_err(config_path, why));
            }
            config.num_hidden_layers = n;
        }
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| load_err(tokenizer_path.clone(), e.to_string()))?;
        // The file pads every input to 128 tokens; pad each batch to its longest instead.
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| load_err(tokenizer_path.clone(), e.to_string()))?;
        let weights = dir.join("model.safetensors");
        // SAFETY: the file is mapped read-only only while candle copies the tensors out of
        // it into its own buffers (the mapping is dropped with `vb` below); it is the
        // store's installed, size-checked file, which nothing rewrites in that time.
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(
                std::slice::from_ref(&weights),
                DType::F32,
                &Device::Cpu,
            )
        }
        .map_err(|e| load_err(weights.clone(), e.to_string()))?;
        let model = BertModel::load(vb, &config).map_err(|e| load_err(weights, e.to_string()))?;
        Ok(MiniLm {
            model,
            tokenizer,
            cache: VectorCache::default(),
            layers: config.num_hidden_layers,
        })
    }

    /// Mean-pooled, unit-length vectors of a batch of sentences (at [`Depth::Full`],
    /// what sentence-transformers computes for this model).
    fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| e.to_string())?;
        let rows = enc.len();
        let width = enc.first().map(|e| e.get_ids().len()).unwrap_or(0);
        let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            enc.iter().flat_map(|e| f(e).iter().copied()).collect()
        };
        let dev = &Device::Cpu;
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(flat(&|e| e.get_ids()), (rows, width), dev)?;
            let types = ids.zeros_like()?;
            let mask = Tensor::from_vec(flat(&|e| e.get_attention_mask()), (rows, width), dev)?;
            let hidden = self.model.forward(&ids, &types, Some(&mask))?; // rows × width × 384
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?.clamp(1.0, f64::MAX)?;
            let mean = summed.broadcast_div(&counts)?;
            let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
            mean.broadcast_div(&norm)?.to_vec2::<f32>()
        };
        run().map_err(|e| e.to_string())
    }
}

impl MiniLm {
    /// How many of the model's layers run: its vectors differ with each count.
    pub fn layers(&self) -> usize {
        self.layers
    }

    /// Forgets the sentences already encoded, so the next call pays for them again
    /// (what a benchmark of a fresh answer measures).
    pub fn clear_cache(&self) {
        if let Ok(mut cache) = self.cache.0.lock() {
            cache.clear();
        }
    }
}

impl SentenceEncoder for MiniLm {
    fn encode(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
        self.cache.encode(sentences, &mut |todo| {
            let mut out = Vec::with_capacity(todo.len());
            for chunk in todo.chunks(BATCH) {
                out.extend(self.encode_batch(chunk).map_err(EncodeError)?);
            }
            Ok(out)
        })
    }
}

/// One vector per sentence.
type Vectors = Vec<Vec<f32>>;

/// The vectors of sentences an encoder has seen (training reads the same sentences
/// fold after fold), bounded: past [`CACHE_MAX`] it starts afresh.
#[derive(Default)]
struct VectorCache(Mutex<HashMap<String, Vec<f32>>>);

impl VectorCache {
    /// Vectors for `sentences`, calling `missing` once with those not cached (unique,
    /// shortest first, so batches of similar length pad little).
    fn encode<'a>(
        &self,
        sentences: &[&'a str],
        missing: &mut dyn FnMut(&[&'a str]) -> Result<Vectors, EncodeError>,
    ) -> Result<Vectors, EncodeError> {
        let mut cache = self
            .0
            .lock()
            .map_err(|_| EncodeError("an earlier encoding panicked".into()))?;
        let unique = |mut v: Vec<&'a str>| {
            v.sort_by(|a, b| (a.len(), *a).cmp(&(b.len(), *b)));
            v.dedup();
            v
        };
        let mut todo = unique(
            sentences
                .iter()
                .copied()
                .filter(|s| !cache.contains_key(*s))
                .collect(),
        );
        if cache.len() + todo.len() > CACHE_MAX {
            cache.clear();
            todo = unique(sentences.to_vec());
        }
        if !todo.is_empty() {
            let vecs = missing(&todo)?;
            for (s, v) in todo.iter().zip(vecs) {
                cache.insert((*s).to_string(), v);
            }
        }
        sentences
            .iter()
            .map(|s| {
                cache
                    .get(*s)
                    .cloned()
                    .ok_or_else(|| EncodeError(format!("no vector for {s:?}")))
            })
            .collect()
    }
}
