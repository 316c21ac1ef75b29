//! The sentence encoder that lets the phase model compare sentences by meaning.
//!
//! all-MiniLM-L6-v2 (a 6-layer BERT with 384-wide sentence vectors, 23M parameters)
//! is run with candle once, at install time, over every token of its vocabulary; the
//! resulting table of token vectors ([`StaticEncoder`], Model2Vec-style distillation)
//! encodes a sentence as the mean of its tokens' rows. For a whole answer that is
//! about 250 times faster than running the transformer per sentence ([`MiniLm`]), and
//! on the dev corpus it labels phases as well (docs/accuracy.md).
//!
//! It is optional: without its files the analysis labels phases from cues alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use half::f16;

use crate::analysis::{EncodeError, SentenceEncoder};
use crate::models::{InstallState, ModelStore};

/// The model was trained on inputs of at most this many tokens; longer ones are cut.
const MAX_TOKENS: usize = 256;
/// Width of the model's vectors.
const DIM: usize = 384;
/// Vocabulary tokens run through the model at once while distilling.
const DISTILL_BATCH: usize = 512;
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
    cache: VectorCache,
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
            cache: VectorCache::default(),
        })
    }

    /// The model's vector for every token of its vocabulary on its own (`[CLS] token
    /// [SEP]`, mean-pooled): the table a [`StaticEncoder`] encodes with.
    /// `progress(done, total)` is called after each batch.
    pub fn distill(
        &self,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<f16>, EncoderError> {
        let err = |why: String| EncoderError::Load {
            path: PathBuf::from("(distilling)"),
            why,
        };
        let id = |t: &str| {
            self.tokenizer
                .token_to_id(t)
                .ok_or_else(|| err(format!("the vocabulary has no {t}")))
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        let vocab = self.tokenizer.get_vocab_size(true);
        let mut table = Vec::with_capacity(vocab * DIM);
        let dev = &Device::Cpu;
        for start in (0..vocab).step_by(DISTILL_BATCH) {
            let end = (start + DISTILL_BATCH).min(vocab);
            let run = || -> candle_core::Result<Vec<f32>> {
                let ids: Vec<u32> = (start as u32..end as u32)
                    .flat_map(|t| [cls, t, sep])
                    .collect();
                let ids = Tensor::from_vec(ids, (end - start, 3), dev)?;
                let hidden = self.model.forward(&ids, &ids.zeros_like()?, None)?;
                hidden.mean(1)?.flatten_all()?.to_vec1::<f32>()
            };
            let rows = run().map_err(|e| err(e.to_string()))?;
            table.extend(rows.into_iter().map(f16::from_f32));
            progress(end, vocab);
        }
        Ok(table)
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

/// The vectors of sentences an encoder has seen (the rubric's examples recur in every
/// answer), bounded: past [`CACHE_MAX`] it starts afresh.
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

/// Sentences as the mean of their tokens' vectors, from a table distilled from
/// all-MiniLM-L6-v2 ([`MiniLm::distill`]); kept as f16 (23 MB).
pub struct StaticEncoder {
    tokenizer: Tokenizer,
    table: Vec<f16>,
    cache: VectorCache,
}

impl std::fmt::Debug for StaticEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticEncoder")
    }
}

impl StaticEncoder {
    /// The table's file, beside the model it was distilled from.
    pub const TABLE: &'static str = "static.safetensors";
    /// The table's SHA-256, written when it is built.
    const TABLE_SHA256: &'static str = "static.safetensors.sha256";

    /// Whether the store's encoder still needs its table built (about a minute).
    pub fn needs_build(store: &ModelStore) -> bool {
        !store.encoder_dir().join(Self::TABLE).is_file()
    }

    /// Loads the installed encoder; builds its table first if it is missing.
    pub fn from_store(
        store: &ModelStore,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<StaticEncoder, EncoderError> {
        let dir = store.encoder_dir();
        let name = store.manifest.encoder.name.clone();
        // The installed files, verified once per version of each (the table alone is
        // not an installation: its tokenizer lives beside it).
        match store.encoder_state(false) {
            InstallState::Missing => return Err(EncoderError::NotInstalled { name, dir }),
            InstallState::Corrupt { why } => return Err(EncoderError::Damaged { name, dir, why }),
            _ => {}
        }
        if Self::needs_build(store) || !Self::table_intact(store, &dir) {
            let model = MiniLm::from_store(store)?;
            Self::build(&model, &dir, progress)?;
            let mut stamps = store.stamps();
            stamps.record(&dir.join(Self::TABLE));
        }
        Self::load(&dir)
    }

    /// Whether the table is the one built here: unchanged since its checksum was last
    /// verified, or matching the checksum written beside it when it was built. A
    /// damaged table is built again (it is derived from the verified model).
    fn table_intact(store: &ModelStore, dir: &Path) -> bool {
        let table = dir.join(Self::TABLE);
        if store.stamps().is_current(&table) {
            return true;
        }
        let recorded = std::fs::read_to_string(dir.join(Self::TABLE_SHA256)).ok();
        let intact = recorded.is_some_and(|want| {
            crate::fsutil::sha256_file(&table).is_ok_and(|got| got == want.trim())
        });
        if intact {
            store.stamps().record(&table);
        } else {
            log::warn!(
                "the sentence encoder's token table in {} is damaged or unverifiable; building it again",
                dir.display()
            );
        }
        intact
    }

    /// Distils `model` and writes the table into `dir` (atomically).
    pub fn build(
        model: &MiniLm,
        dir: &Path,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), EncoderError> {
        let table = model.distill(progress)?;
        let path = dir.join(Self::TABLE);
        let err = |why: String| EncoderError::Load {
            path: path.clone(),
            why,
        };
        let rows = table.len() / DIM;
        let t =
            Tensor::from_vec(table, (rows, DIM), &Device::Cpu).map_err(|e| err(e.to_string()))?;
        let bytes =
            safetensors::serialize([("token_vectors", t)], None).map_err(|e| err(e.to_string()))?;
        crate::fsutil::write_atomic(&path, &bytes).map_err(|e| err(e.to_string()))?;
        let sum = {
            use sha2::Digest;
            crate::fsutil::hex(&sha2::Sha256::digest(&bytes))
        };
        crate::fsutil::write_atomic(&dir.join(Self::TABLE_SHA256), sum.as_bytes())
            .map_err(|e| err(e.to_string()))
    }

    /// Loads `tokenizer.json` and the table from `dir`.
    pub fn load(dir: &Path) -> Result<StaticEncoder, EncoderError> {
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| EncoderError::Load {
                path: tokenizer_path.clone(),
                why: e.to_string(),
            })?;
        tokenizer.with_padding(None);
        let path = dir.join(Self::TABLE);
        let bad = |why: String| EncoderError::Load {
            path: path.clone(),
            why,
        };
        let mut tensors =
            candle_core::safetensors::load(&path, &Device::Cpu).map_err(|e| bad(e.to_string()))?;
        let t = tensors
            .remove("token_vectors")
            .ok_or_else(|| bad("no token_vectors tensor".into()))?;
        let vocab = tokenizer.get_vocab_size(true);
        if t.dims() != [vocab, DIM] || t.dtype() != DType::F16 {
            return Err(bad(format!(
                "table is {:?} {:?}, expected [{vocab}, {DIM}] f16",
                t.dims(),
                t.dtype()
            )));
        }
        let table = t
            .flatten_all()
            .and_then(|t| t.to_vec1::<f16>())
            .map_err(|e| bad(e.to_string()))?;
        Ok(StaticEncoder {
            tokenizer,
            table,
            cache: VectorCache::default(),
        })
    }

    fn encode_one(&self, text: &str) -> Result<Vec<f32>, EncodeError> {
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| EncodeError(e.to_string()))?;
        let mut sum = vec![0f32; DIM];
        let mut n = 0usize;
        for &id in enc.get_ids() {
            let Some(row) = self.table.get(id as usize * DIM..(id as usize + 1) * DIM) else {
                continue;
            };
            for (s, x) in sum.iter_mut().zip(row) {
                *s += x.to_f32();
            }
            n += 1;
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        // No tokens (an empty sentence): the zero vector, similar to nothing.
        if n > 0 && norm > 0.0 {
            sum.iter_mut().for_each(|x| *x /= norm);
        }
        Ok(sum)
    }
}

impl SentenceEncoder for StaticEncoder {
    fn encode(&self, sentences: &[&str]) -> Result<Vec<Vec<f32>>, EncodeError> {
        // Tokenizing is most of the cost; the cache spares the examples that every
        // answer is compared with.
        self.cache.encode(sentences, &mut |todo| {
            todo.iter().map(|s| self.encode_one(s)).collect()
        })
    }
}
