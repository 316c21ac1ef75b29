//! Import a Whisper model shipped in CTranslate2 format (as registry packages carry it)
//! into whisper.cpp's ggml format.
//!
//! Why: the usual model hub is not reachable everywhere (CI, air-gapped machines), but
//! package registries are, and some packages carry Whisper weights converted for
//! faster-whisper. The conversion is a pure re-layout plus f16→f32 widening where
//! whisper.cpp wants f32; it is deterministic, so the result can be checksummed.
//!
//! Source layout (CTranslate2 binary format v6, `WhisperSpec`): little-endian; a `u32`
//! version, the spec name and a `u32` revision, then `u32` variable count and for each
//! variable its name, `u8` rank, `u32` dims, `u8` dtype, `u32` byte count and the bytes;
//! then `u32` alias count and (alias, target) name pairs. Strings are a `u16` length
//! followed by that many bytes, the last one a NUL.
//!
//! Target layout (whisper.cpp's legacy ggml file): magic, eleven `i32` hyper-parameters,
//! the 80×201 mel filter bank, the byte-level vocabulary, then tensors as
//! (`i32` n_dims, `i32` name length, `i32` type, dims innermost first, name, data).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use half::f16;

use crate::fsutil;

/// What can go wrong while importing a CTranslate2 model.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a CTranslate2 Whisper model: {what}")]
    Format { path: PathBuf, what: String },
    #[error(
        "{path}: tensor {name} is stored as {dtype}; only float16/float32/bfloat16 models can be imported \
         (quantized int8 models cannot be turned back into whisper.cpp weights)"
    )]
    Quantized {
        path: PathBuf,
        name: String,
        dtype: &'static str,
    },
    #[error("{path}: the model has no tensor {name}; it does not look like a Whisper model")]
    MissingTensor { path: PathBuf, name: String },
}

/// Summary of an import, for the user and for tests.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub output: PathBuf,
    pub bytes: u64,
    pub tensors: usize,
    pub n_vocab: i32,
    pub multilingual: bool,
    pub encoder_layers: i32,
    pub decoder_layers: i32,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.multilingual {
            "multilingual"
        } else {
            "English-only"
        };
        write!(
            f,
            "imported {} tensors ({} encoder + {} decoder layers, {} vocabulary, {kind}) → {} ({} bytes)",
            self.tensors,
            self.encoder_layers,
            self.decoder_layers,
            self.n_vocab,
            self.output.display(),
            self.bytes,
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ct2Type {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl Ct2Type {
    fn from_id(id: u8) -> Option<Self> {
        Some(match id {
            0 => Ct2Type::F32,
            1 => Ct2Type::I8,
            2 => Ct2Type::I16,
            3 => Ct2Type::I32,
            4 => Ct2Type::F16,
            5 => Ct2Type::Bf16,
            _ => return None,
        })
    }
    fn size(self) -> usize {
        match self {
            Ct2Type::I8 => 1,
            Ct2Type::I16 | Ct2Type::F16 | Ct2Type::Bf16 => 2,
            Ct2Type::F32 | Ct2Type::I32 => 4,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Ct2Type::F32 => "float32",
            Ct2Type::I8 => "int8",
            Ct2Type::I16 => "int16",
            Ct2Type::I32 => "int32",
            Ct2Type::F16 => "float16",
            Ct2Type::Bf16 => "bfloat16",
        }
    }
}

struct Variable<'a> {
    dims: Vec<usize>,
    dtype: Ct2Type,
    data: &'a [u8],
}

/// A parsed CTranslate2 model: variables by name, aliases resolved.
struct Ct2Model<'a> {
    path: PathBuf,
    vars: HashMap<String, Variable<'a>>,
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn err(&self, what: impl Into<String>) -> ImportError {
        ImportError::Format {
            path: self.path.to_path_buf(),
            what: what.into(),
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImportError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                self.err(format!(
                    "truncated at byte {} (wanted {n} more bytes)",
                    self.pos
                ))
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, ImportError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ImportError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, ImportError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Result<String, ImportError> {
        let n = self.u16()? as usize;
        let raw = self.take(n)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| self.err("a variable name is not UTF-8"))
    }
}

fn parse_ct2<'a>(buf: &'a [u8], path: &'a Path) -> Result<Ct2Model<'a>, ImportError> {
    let mut c = Cursor { buf, pos: 0, path };
    let version = c.u32()?;
    if !(5..=6).contains(&version) {
        return Err(c.err(format!("binary format version {version}, expected 5 or 6")));
    }
    let spec = c.string()?;
    if spec != "WhisperSpec" {
        return Err(c.err(format!("model spec is {spec:?}, expected \"WhisperSpec\"")));
    }
    let _revision = c.u32()?;
    let count = c.u32()? as usize;
    let mut vars = HashMap::with_capacity(count);
    for _ in 0..count {
        let name = c.string()?;
        let rank = c.u8()? as usize;
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(c.u32()? as usize);
        }
        let type_id = c.u8()?;
        let dtype = Ct2Type::from_id(type_id)
            .ok_or_else(|| c.err(format!("{name}: unknown data type id {type_id}")))?;
        let nbytes = c.u32()? as usize;
        let expected = dims.iter().product::<usize>() * dtype.size();
        if nbytes != expected {
            return Err(c.err(format!(
                "{name}: {nbytes} bytes stored but shape {dims:?} of {} needs {expected}",
                dtype.name()
            )));
        }
        let data = c.take(nbytes)?;
        vars.insert(name, Variable { dims, dtype, data });
    }
    let aliases = c.u32()? as usize;
    for _ in 0..aliases {
        let alias = c.string()?;
        let target = c.string()?;
        if let Some(v) = vars.get(&target) {
            let v = Variable {
                dims: v.dims.clone(),
                dtype: v.dtype,
                data: v.data,
            };
            vars.insert(alias, v);
        }
    }
    Ok(Ct2Model {
        path: path.to_path_buf(),
        vars,
    })
}

impl<'a> Ct2Model<'a> {
    fn get(&self, name: &str) -> Result<&Variable<'a>, ImportError> {
        self.vars
            .get(name)
            .ok_or_else(|| ImportError::MissingTensor {
                path: self.path.clone(),
                name: name.to_string(),
            })
    }

    fn floats(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>), ImportError> {
        let v = self.get(name)?;
        let data = match v.dtype {
            Ct2Type::F32 => v
                .data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Ct2Type::F16 => v
                .data
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            Ct2Type::Bf16 => v
                .data
                .chunks_exact(2)
                .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            other => {
                return Err(ImportError::Quantized {
                    path: self.path.clone(),
                    name: name.to_string(),
                    dtype: other.name(),
                });
            }
        };
        Ok((v.dims.clone(), data))
    }

    /// An integer scalar such as `encoder/num_heads`, if present.
    fn scalar(&self, name: &str) -> Option<i64> {
        let v = self.vars.get(name)?;
        let b = v.data;
        Some(match v.dtype {
            Ct2Type::I8 => *b.first()? as i8 as i64,
            Ct2Type::I16 => i16::from_le_bytes([*b.first()?, *b.get(1)?]) as i64,
            Ct2Type::I32 => i32::from_le_bytes(b.get(..4)?.try_into().ok()?) as i64,
            _ => return None,
        })
    }

    fn count_layers(&self, prefix: &str) -> i32 {
        let mut n = 0;
        while self
            .vars
            .keys()
            .any(|k| k.starts_with(&format!("{prefix}/layer_{n}/")))
        {
            n += 1;
        }
        n
    }
}

/// Storage type of an output tensor, as whisper.cpp checks it.
#[derive(Clone, Copy)]
enum GgmlType {
    F32 = 0,
    F16 = 1,
}

struct OutTensor {
    name: String,
    /// Shape in PyTorch order (outermost first); written innermost first.
    shape: Vec<usize>,
    ty: GgmlType,
    data: Vec<f32>,
}

fn tensor(name: &str, shape: Vec<usize>, ty: GgmlType, data: Vec<f32>) -> OutTensor {
    OutTensor {
        name: name.to_string(),
        shape,
        ty,
        data,
    }
}

/// Splits a fused projection (rows stacked) into `parts` equal row blocks.
fn split_rows(dims: &[usize], data: &[f32], parts: usize) -> Vec<(Vec<usize>, Vec<f32>)> {
    let rows = dims[0] / parts;
    let row_len: usize = dims[1..].iter().product();
    (0..parts)
        .map(|i| {
            let mut d = dims.to_vec();
            d[0] = rows;
            (
                d,
                data[i * rows * row_len..(i + 1) * rows * row_len].to_vec(),
            )
        })
        .collect()
}

/// Adds the tensors of one attention block. `fused` says which CTranslate2 linears hold
/// what: self-attention fuses Q/K/V in `linear_0`; cross-attention has Q in `linear_0`
/// and fused K/V in `linear_1`. The key projection has no bias in Whisper (CTranslate2
/// stores a zero one, which is dropped).
fn attention(
    m: &Ct2Model,
    out: &mut Vec<OutTensor>,
    src: &str,
    dst: &str,
    cross: bool,
) -> Result<(), ImportError> {
    use GgmlType::*;
    let (qkv_w, qkv_b, out_lin) = if cross {
        let (qd, qw) = m.floats(&format!("{src}/linear_0/weight"))?;
        let (qbd, qb) = m.floats(&format!("{src}/linear_0/bias"))?;
        let (kvd, kvw) = m.floats(&format!("{src}/linear_1/weight"))?;
        let (kvbd, kvb) = m.floats(&format!("{src}/linear_1/bias"))?;
        let mut w = vec![(qd, qw)];
        w.extend(split_rows(&kvd, &kvw, 2));
        let mut b = vec![(qbd, qb)];
        b.extend(split_rows(&kvbd, &kvb, 2));
        (w, b, "linear_2")
    } else {
        let (d, w) = m.floats(&format!("{src}/linear_0/weight"))?;
        let (bd, b) = m.floats(&format!("{src}/linear_0/bias"))?;
        (split_rows(&d, &w, 3), split_rows(&bd, &b, 3), "linear_1")
    };
    let [q, k, v] = <[_; 3]>::try_from(qkv_w).map_err(|_| ImportError::Format {
        path: m.path.clone(),
        what: format!("{src}: attention projection could not be split"),
    })?;
    let [qb, _kb, vb] = <[_; 3]>::try_from(qkv_b).map_err(|_| ImportError::Format {
        path: m.path.clone(),
        what: format!("{src}: attention bias could not be split"),
    })?;
    out.push(tensor(&format!("{dst}.query.weight"), q.0, F16, q.1));
    out.push(tensor(&format!("{dst}.query.bias"), qb.0, F32, qb.1));
    out.push(tensor(&format!("{dst}.key.weight"), k.0, F16, k.1));
    out.push(tensor(&format!("{dst}.value.weight"), v.0, F16, v.1));
    out.push(tensor(&format!("{dst}.value.bias"), vb.0, F32, vb.1));
    let (d, w) = m.floats(&format!("{src}/{out_lin}/weight"))?;
    out.push(tensor(&format!("{dst}.out.weight"), d, F16, w));
    let (d, b) = m.floats(&format!("{src}/{out_lin}/bias"))?;
    out.push(tensor(&format!("{dst}.out.bias"), d, F32, b));
    Ok(())
}

fn layer_norm(
    m: &Ct2Model,
    out: &mut Vec<OutTensor>,
    src: &str,
    dst: &str,
) -> Result<(), ImportError> {
    let (d, g) = m.floats(&format!("{src}/gamma"))?;
    out.push(tensor(&format!("{dst}.weight"), d, GgmlType::F32, g));
    let (d, b) = m.floats(&format!("{src}/beta"))?;
    out.push(tensor(&format!("{dst}.bias"), d, GgmlType::F32, b));
    Ok(())
}

fn linear(m: &Ct2Model, out: &mut Vec<OutTensor>, src: &str, dst: &str) -> Result<(), ImportError> {
    let (d, w) = m.floats(&format!("{src}/weight"))?;
    out.push(tensor(&format!("{dst}.weight"), d, GgmlType::F16, w));
    let (d, b) = m.floats(&format!("{src}/bias"))?;
    out.push(tensor(&format!("{dst}.bias"), d, GgmlType::F32, b));
    Ok(())
}

fn mlp(m: &Ct2Model, out: &mut Vec<OutTensor>, src: &str, dst: &str) -> Result<(), ImportError> {
    linear(m, out, &format!("{src}/linear_0"), &format!("{dst}.mlp.0"))?;
    linear(m, out, &format!("{src}/linear_1"), &format!("{dst}.mlp.2"))?;
    layer_norm(
        m,
        out,
        &format!("{src}/layer_norm"),
        &format!("{dst}.mlp_ln"),
    )
}

/// Maps the CTranslate2 variables to whisper.cpp's tensors, in OpenAI's state-dict order.
fn map_tensors(
    m: &Ct2Model,
    enc_layers: i32,
    dec_layers: i32,
) -> Result<Vec<OutTensor>, ImportError> {
    use GgmlType::*;
    let mut out = Vec::new();
    let (d, pe) = m.floats("encoder/position_encodings/encodings")?;
    out.push(tensor("encoder.positional_embedding", d, F32, pe));
    for conv in ["conv1", "conv2"] {
        let (d, w) = m.floats(&format!("encoder/{conv}/weight"))?;
        out.push(tensor(&format!("encoder.{conv}.weight"), d, F16, w));
        // whisper.cpp reads conv biases as [n, 1] f32 tensors.
        let (d, b) = m.floats(&format!("encoder/{conv}/bias"))?;
        out.push(tensor(
            &format!("encoder.{conv}.bias"),
            vec![d[0], 1],
            F32,
            b,
        ));
    }
    for i in 0..enc_layers {
        let src = format!("encoder/layer_{i}");
        let dst = format!("encoder.blocks.{i}");
        attention(
            m,
            &mut out,
            &format!("{src}/self_attention"),
            &format!("{dst}.attn"),
            false,
        )?;
        layer_norm(
            m,
            &mut out,
            &format!("{src}/self_attention/layer_norm"),
            &format!("{dst}.attn_ln"),
        )?;
        mlp(m, &mut out, &format!("{src}/ffn"), &dst)?;
    }
    layer_norm(m, &mut out, "encoder/layer_norm", "encoder.ln_post")?;

    let (d, pe) = m.floats("decoder/position_encodings/encodings")?;
    out.push(tensor("decoder.positional_embedding", d, F32, pe));
    let (d, emb) = m.floats("decoder/embeddings/weight")?;
    out.push(tensor("decoder.token_embedding.weight", d, F16, emb));
    for i in 0..dec_layers {
        let src = format!("decoder/layer_{i}");
        let dst = format!("decoder.blocks.{i}");
        attention(
            m,
            &mut out,
            &format!("{src}/self_attention"),
            &format!("{dst}.attn"),
            false,
        )?;
        layer_norm(
            m,
            &mut out,
            &format!("{src}/self_attention/layer_norm"),
            &format!("{dst}.attn_ln"),
        )?;
        attention(
            m,
            &mut out,
            &format!("{src}/attention"),
            &format!("{dst}.cross_attn"),
            true,
        )?;
        layer_norm(
            m,
            &mut out,
            &format!("{src}/attention/layer_norm"),
            &format!("{dst}.cross_attn_ln"),
        )?;
        mlp(m, &mut out, &format!("{src}/ffn"), &dst)?;
    }
    layer_norm(m, &mut out, "decoder/layer_norm", "decoder.ln")?;
    Ok(out)
}

/// The inverse of GPT-2's `bytes_to_unicode`: each printable stand-in character back
/// to the byte it represents.
fn byte_decoder() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (b'!' as u32..=b'~' as u32).collect();
    printable.extend(0xA1..=0xAC);
    printable.extend(0xAE..=0xFF);
    let mut map = HashMap::with_capacity(256);
    let mut extra = 0;
    for b in 0u32..256 {
        let ch = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            256 + extra - 1
        };
        if let Some(c) = char::from_u32(ch) {
            map.insert(c, b as u8);
        }
    }
    map
}

/// Regular (non-special) vocabulary entries as raw bytes: everything before
/// `<|endoftext|>`, each line decoded from GPT-2's byte-level alphabet.
fn read_vocabulary(path: &Path, text: &str) -> Result<Vec<Vec<u8>>, ImportError> {
    let decoder = byte_decoder();
    let mut tokens = Vec::new();
    // Split on '\n' only: the byte-level alphabet never contains a raw newline, but
    // other Unicode line breaks are legitimate token characters.
    for line in text.split('\n') {
        if line == "<|endoftext|>" {
            return Ok(tokens);
        }
        let bytes = line
            .chars()
            .map(|c| decoder.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| ImportError::Format {
                path: path.to_path_buf(),
                what: format!(
                    "vocabulary entry {} ({line:?}) is not byte-level BPE",
                    tokens.len()
                ),
            })?;
        tokens.push(bytes);
    }
    Err(ImportError::Format {
        path: path.to_path_buf(),
        what: "no <|endoftext|> entry; not a Whisper vocabulary".into(),
    })
}

/// The Slaney-style mel filter bank Whisper was trained with (librosa's
/// `filters.mel(sr=16000, n_fft=400, n_mels=N)`), computed rather than shipped, with
/// librosa's float32 rounding points so the values match `mel_filters.npz`.
pub fn mel_filters(n_mels: usize) -> Vec<f32> {
    const SR: f64 = 16000.0;
    const N_FFT: usize = 400;
    let n_freqs = N_FFT / 2 + 1;
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = (6.4f64).ln() / 27.0;
    let hz_to_mel = |f: f64| {
        if f >= min_log_hz {
            min_log_mel + (f / min_log_hz).ln() / logstep
        } else {
            f / f_sp
        }
    };
    let mel_to_hz = |m: f64| {
        if m >= min_log_mel {
            min_log_hz * (logstep * (m - min_log_mel)).exp()
        } else {
            f_sp * m
        }
    };
    let fft_freqs: Vec<f64> = (0..n_freqs)
        .map(|i| i as f64 * (SR / 2.0) / (n_freqs - 1) as f64)
        .collect();
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(SR / 2.0));
    let mel_f: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
        .collect();
    let mut weights = vec![0f32; n_mels * n_freqs];
    for i in 0..n_mels {
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (j, &f) in fft_freqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / (mel_f[i + 1] - mel_f[i]);
            let upper = (mel_f[i + 2] - f) / (mel_f[i + 2] - mel_f[i + 1]);
            // numpy's maximum(0, -0.0) keeps the negative zero; so do we, bit for bit.
            let m = lower.min(upper);
            let w = if m < 0.0 { 0.0 } else { m } as f32;
            weights[i * n_freqs + j] = (w as f64 * enorm) as f32;
        }
    }
    weights
}

fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `model.bin` from `dir`, or the concatenation of `model.bin.part1`, `part2`, …
/// when the weights were split across packages.
pub fn read_model_bin(dirs: &[PathBuf]) -> Result<(PathBuf, Vec<u8>), ImportError> {
    for dir in dirs {
        let whole = dir.join("model.bin");
        if whole.is_file() {
            return Ok((whole.clone(), read(&whole)?));
        }
    }
    let mut parts = Vec::new();
    for n in 1.. {
        let name = format!("model.bin.part{n}");
        match dirs.iter().map(|d| d.join(&name)).find(|p| p.is_file()) {
            Some(p) => parts.push(p),
            None => break,
        }
    }
    if parts.is_empty() {
        let shown = dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ImportError::Read {
            path: PathBuf::from(shown),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no model.bin (or model.bin.part1, part2, …) there",
            ),
        });
    }
    let mut all = Vec::new();
    for p in &parts {
        all.extend_from_slice(&read(p)?);
    }
    Ok((parts[0].clone(), all))
}

/// Converts the CTranslate2 Whisper model found in `dirs` (one folder, or several when
/// the weights are split across packages) to a ggml file at `output`, atomically.
pub fn import_ct2(dirs: &[PathBuf], output: &Path) -> Result<ImportSummary, ImportError> {
    let (bin_path, bin) = read_model_bin(dirs)?;
    let model = parse_ct2(&bin, &bin_path)?;
    let vocab_path = dirs
        .iter()
        .map(|d| d.join("vocabulary.txt"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            dirs.first()
                .cloned()
                .unwrap_or_default()
                .join("vocabulary.txt")
        });
    let vocab_text = String::from_utf8(read(&vocab_path)?).map_err(|_| ImportError::Format {
        path: vocab_path.clone(),
        what: "vocabulary.txt is not UTF-8".into(),
    })?;
    let tokens = read_vocabulary(&vocab_path, &vocab_text)?;

    let enc_layers = model.count_layers("encoder");
    let dec_layers = model.count_layers("decoder");
    let emb = model.get("decoder/embeddings/weight")?;
    let n_vocab = emb.dims[0] as i32;
    let n_text_state = *emb.dims.get(1).unwrap_or(&0) as i32;
    let enc_pe = model.get("encoder/position_encodings/encodings")?;
    let n_audio_ctx = enc_pe.dims[0] as i32;
    let n_audio_state = *enc_pe.dims.get(1).unwrap_or(&0) as i32;
    let n_text_ctx = model.get("decoder/position_encodings/encodings")?.dims[0] as i32;
    let n_mels = *model.get("encoder/conv1/weight")?.dims.get(1).unwrap_or(&0) as i32;
    // Every Whisper size uses 64-wide attention heads; prefer the stored count.
    let heads = |key: &str, state: i32| model.scalar(key).map(|h| h as i32).unwrap_or(state / 64);
    let n_audio_head = heads("encoder/num_heads", n_audio_state);
    let n_text_head = heads("decoder/num_heads", n_text_state);
    if enc_layers == 0 || dec_layers == 0 || n_mels == 0 || n_audio_state == 0 {
        return Err(ImportError::Format {
            path: bin_path,
            what: "no encoder/decoder layers found".into(),
        });
    }

    let tensors = map_tensors(&model, enc_layers, dec_layers)?;
    let mut w = fsutil::AtomicFile::create(output).map_err(|source| ImportError::Write {
        path: output.to_path_buf(),
        source,
    })?;
    let werr = |source| ImportError::Write {
        path: output.to_path_buf(),
        source,
    };
    let put = |w: &mut fsutil::AtomicFile, v: i32| w.write_all(&v.to_le_bytes());

    put(&mut w, 0x6767_6d6c).map_err(werr)?; // "ggml"
    for v in [
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head,
        enc_layers,
        n_text_ctx,
        n_text_state,
        n_text_head,
        dec_layers,
        n_mels,
        1, // ftype: mostly f16
    ] {
        put(&mut w, v).map_err(werr)?;
    }
    let filters = mel_filters(n_mels as usize);
    put(&mut w, n_mels).map_err(werr)?;
    put(&mut w, 201).map_err(werr)?;
    let mut buf = Vec::with_capacity(filters.len() * 4);
    for f in &filters {
        buf.extend_from_slice(&f.to_le_bytes());
    }
    w.write_all(&buf).map_err(werr)?;
    put(&mut w, tokens.len() as i32).map_err(werr)?;
    for t in &tokens {
        put(&mut w, t.len() as i32).map_err(werr)?;
        w.write_all(t).map_err(werr)?;
    }
    for t in &tensors {
        put(&mut w, t.shape.len() as i32).map_err(werr)?;
        put(&mut w, t.name.len() as i32).map_err(werr)?;
        put(&mut w, t.ty as i32).map_err(werr)?;
        for &d in t.shape.iter().rev() {
            put(&mut w, d as i32).map_err(werr)?;
        }
        w.write_all(t.name.as_bytes()).map_err(werr)?;
        buf.clear();
        match t.ty {
            GgmlType::F32 => t
                .data
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_le_bytes())),
            GgmlType::F16 => t
                .data
                .iter()
                .for_each(|x| buf.extend_from_slice(&f16::from_f32(*x).to_le_bytes())),
        }
        w.write_all(&buf).map_err(werr)?;
    }
    let bytes = w.commit().map_err(werr)?;
    Ok(ImportSummary {
        output: output.to_path_buf(),
        bytes,
        tensors: tensors.len(),
        n_vocab,
        multilingual: n_vocab >= 51865,
        encoder_layers: enc_layers,
        decoder_layers: dec_layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_decoder_covers_all_bytes_once() {
        let d = byte_decoder();
        assert_eq!(d.len(), 256);
        assert_eq!(d[&'Ġ'], b' ');
        assert_eq!(d[&'Ċ'], b'\n');
        assert_eq!(d[&'a'], b'a');
        let mut seen: Vec<u8> = d.values().copied().collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 256);
    }

    #[test]
    fn vocabulary_stops_at_end_of_text_and_decodes_bytes() {
        let text = "!\nĠthe\nĊ\n<|endoftext|>\n<|startoftranscript|>";
        let toks = read_vocabulary(Path::new("v.txt"), text).expect("parse");
        assert_eq!(toks, vec![b"!".to_vec(), b" the".to_vec(), b"\n".to_vec()]);
        assert!(read_vocabulary(Path::new("v.txt"), "a\nb").is_err());
    }

    #[test]
    fn mel_filters_have_librosa_shape_and_known_values() {
        let f = mel_filters(80);
        assert_eq!(f.len(), 80 * 201);
        // Slaney normalisation: each triangle integrates to about the same area, and
        // the first filter peaks at the second FFT bin (40 Hz bins, first centre ~33 Hz).
        assert!((f[1] - 0.024_862_59).abs() < 1e-7, "got {}", f[1]);
        // Bit-exact with `mel_80` in openai-whisper's assets/mel_filters.npz (SHA-256 of
        // its little-endian f32 bytes), so imported models match converted ones.
        use sha2::Digest;
        let bytes: Vec<u8> = f.iter().flat_map(|x| x.to_le_bytes()).collect();
        let digest = sha2::Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e"
        );
        for row in f.chunks(201) {
            assert!(row.iter().all(|&x| x >= 0.0));
            assert!(row.iter().any(|&x| x > 0.0));
        }
    }

    #[test]
    fn truncated_or_foreign_files_are_rejected_with_the_reason() {
        let p = Path::new("model.bin");
        let err = parse_ct2(&[6, 0, 0], p).err().expect("must fail");
        assert!(err.to_string().contains("truncated"), "{err}");
        let mut other = 6u32.to_le_bytes().to_vec();
        other.extend_from_slice(&5u16.to_le_bytes());
        other.extend_from_slice(b"Spec\0");
        let err = parse_ct2(&other, p).err().expect("must fail");
        assert!(err.to_string().contains("WhisperSpec"), "{err}");
        let err = parse_ct2(&99u32.to_le_bytes(), p).err().expect("must fail");
        assert!(err.to_string().contains("version 99"), "{err}");
    }
}
