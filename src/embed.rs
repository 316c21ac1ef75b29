//! The sentence encoder: all-MiniLM-L6-v2 (a 6-layer BERT with 384-wide sentence
//! vectors, 23M parameters) run on the CPU with candle. The phase model compares each
//! sentence of an answer with the rubric's example sentences through it.
//!
//! It is optional: without its files the analysis labels phases from cues alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::analysis::{EncodeError, SentenceEncoder};
use crate::transcribe::models::{InstallState, ModelStore};

/// The model was trained on inputs of at most this many tokens; longer ones are cut.
const MAX_TOKENS: usize = 256;
/// Sentences encoded in one forward pass (similar lengths are batched together).
const BATCH: usize = 8;
/// Vectors kept between calls (the rubric's examples, the answers of a batch); past
/// this the cache starts afresh, so a long batch does not grow without bound.
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

/// all-MiniLM-L6-v2, loaded, with the vectors of sentences it has already seen
/// (the rubric's examples are encoded once per process).
pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    cache: Mutex<HashMap<String, Vec<f32>>>,
}

impl std::fmt::Debug for MiniLm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MiniLm")
    }
}

impl MiniLm {
    /// Loads the encoder installed in the model store, after a quick check of its files
    /// (sizes; `rehearse model list --verify` checks the SHA-256s).
    pub fn from_store(store: &ModelStore) -> Result<MiniLm, EncoderError> {
        let name = store.manifest.encoder.name.clone();
        let dir = store.encoder_dir();
        match store.encoder_state(false) {
            InstallState::Missing => Err(EncoderError::NotInstalled { name, dir }),
            InstallState::Corrupt { why } => Err(EncoderError::Damaged { name, dir, why }),
            _ => MiniLm::load(&dir),
        }
    }

    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`.
    pub fn load(dir: &Path) -> Result<MiniLm, EncoderError> {
        let load_err = |path: PathBuf, why: String| EncoderError::Load { path, why };
        let config_path = dir.join("config.json");
        let config: Config = std::fs::read_to_string(&config_path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            .map_err(|why| load_err(config_path.clone(), why))?;
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
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Forgets the vectors of sentences seen so far (benchmarks measure a cold start).
    pub fn clear_cache(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }

    /// Mean-pooled, unit-length vectors of a batch of sentences (what
    /// sentence-transformers computes for this model).
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

impl SentenceEncoder for MiniLm {
    fn encode<'a>(&self, sentences: &[&'a str]) -> Result<Vec<Vec<f32>>, EncodeError> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| EncodeError("an earlier encoding panicked".into()))?;
        // Unique, shortest first, so each batch pads little.
        let unique = |mut v: Vec<&'a str>| {
            v.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
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
        for chunk in todo.chunks(BATCH) {
            let vecs = self.encode_batch(chunk).map_err(EncodeError)?;
            for (s, v) in chunk.iter().zip(vecs) {
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
