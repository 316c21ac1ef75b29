//! Smaller whisper.cpp models: the 2-D weight matrices of a ggml model rewritten in one
//! of ggml's block-quantized types (ggml's own `ggml_quantize_chunk` does the maths).
//! The file layout is whisper.cpp's (models/import.rs describes it); what is quantized
//! follows whisper.cpp's quantize tool: every 2-D tensor except the positional
//! embeddings, whose rows must stay exact.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use half::f16;
use whisper_rs_sys as sys;

use crate::fsutil;

/// ggml's file magic ("ggml", little-endian).
const MAGIC: u32 = 0x6767_6d6c;
/// ggml stores the quantization version in the header's ftype as `ftype + 1000 * v`.
const QNT_VERSION: i32 = 2;
const QNT_VERSION_FACTOR: i32 = 1000;
/// Tensors whisper.cpp's quantize tool leaves alone.
const KEEP: [&str; 4] = [
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
];

/// The block types offered (ggml's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantType {
    Q8_0,
    Q5_1,
    Q5_0,
    Q4_1,
    Q4_0,
}

impl QuantType {
    const ALL: [(QuantType, &'static str); 5] = [
        (QuantType::Q8_0, "q8_0"),
        (QuantType::Q5_1, "q5_1"),
        (QuantType::Q5_0, "q5_0"),
        (QuantType::Q4_1, "q4_1"),
        (QuantType::Q4_0, "q4_0"),
    ];

    /// ggml's tensor type and the matching whole-file type (`ggml_ftype`).
    fn ggml(self) -> (sys::ggml_type, i32) {
        match self {
            QuantType::Q8_0 => (sys::ggml_type_GGML_TYPE_Q8_0, 7),
            QuantType::Q5_1 => (sys::ggml_type_GGML_TYPE_Q5_1, 9),
            QuantType::Q5_0 => (sys::ggml_type_GGML_TYPE_Q5_0, 8),
            QuantType::Q4_1 => (sys::ggml_type_GGML_TYPE_Q4_1, 3),
            QuantType::Q4_0 => (sys::ggml_type_GGML_TYPE_Q4_0, 2),
        }
    }
}

impl FromStr for QuantType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(t, _)| *t)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "{s:?} is not a quantization type: use one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for QuantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::ALL.iter().find(|(t, _)| t == self).map(|(_, n)| *n);
        f.write_str(name.unwrap_or("?"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
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
    #[error("{path} is not a whisper.cpp f16/f32 model: {what}")]
    Format { path: PathBuf, what: String },
    #[error("{path} would overwrite the model it is made from; choose another output")]
    SameFile { path: PathBuf },
}

#[derive(Debug, Clone)]
pub struct QuantizeSummary {
    pub ty: QuantType,
    pub tensors: usize,
    pub quantized: usize,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl fmt::Display for QuantizeSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        write!(
            f,
            "{} of {} tensors in {}: {:.0} MiB -> {:.0} MiB",
            self.quantized,
            self.tensors,
            self.ty,
            mib(self.bytes_in),
            mib(self.bytes_out)
        )
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl Reader<'_> {
    fn err(&self, what: impl Into<String>) -> QuantizeError {
        QuantizeError::Format {
            path: self.path.to_path_buf(),
            what: format!("{} (at byte {})", what.into(), self.pos),
        }
    }
    fn take(&mut self, n: usize) -> Result<&[u8], QuantizeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(self.err("the file ends early"));
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn i32(&mut self) -> Result<i32, QuantizeError> {
        let b = self.take(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn count(&mut self, what: &str) -> Result<usize, QuantizeError> {
        let n = self.i32()?;
        usize::try_from(n).map_err(|_| self.err(format!("{what} is negative ({n})")))
    }
}

/// Writes `input` with its weight matrices in `ty` to `output` (atomically).
pub fn quantize_model(
    input: &Path,
    output: &Path,
    ty: QuantType,
) -> Result<QuantizeSummary, QuantizeError> {
    if same_file::is_same_file(input, output).unwrap_or(false) {
        return Err(QuantizeError::SameFile {
            path: output.to_path_buf(),
        });
    }
    let buf = std::fs::read(input).map_err(|source| QuantizeError::Read {
        path: input.to_path_buf(),
        source,
    })?;
    let mut r = Reader {
        buf: &buf,
        pos: 0,
        path: input,
    };
    let mut out: Vec<u8> = Vec::with_capacity(buf.len() / 2);
    let magic = r.take(4)?;
    if u32::from_le_bytes([magic[0], magic[1], magic[2], magic[3]]) != MAGIC {
        return Err(r.err("no ggml magic number"));
    }
    out.extend_from_slice(magic);
    // Ten hyper-parameters, then the file type.
    out.extend_from_slice(r.take(40)?);
    let ftype = r.i32()?;
    if ftype % QNT_VERSION_FACTOR > 1 {
        return Err(r.err("it is already quantized"));
    }
    let (ggml_type, file_type) = ty.ggml();
    out.extend_from_slice(&(file_type + QNT_VERSION * QNT_VERSION_FACTOR).to_le_bytes());
    // Mel filters, then the vocabulary: copied as they are.
    let start = r.pos;
    let (n_mel, n_fft) = (r.count("n_mel")?, r.count("n_fft")?);
    r.take(n_mel.saturating_mul(n_fft).saturating_mul(4))?;
    let n_vocab = r.count("n_vocab")?;
    for _ in 0..n_vocab {
        let len = r.count("a token's length")?;
        r.take(len)?;
    }
    out.extend_from_slice(&buf[start..r.pos]);

    let (mut tensors, mut quantized) = (0, 0);
    while r.pos < buf.len() {
        let n_dims = r.count("n_dims")?;
        let name_len = r.count("a tensor name's length")?;
        let ttype = r.i32()?;
        if !(1..=4).contains(&n_dims) {
            return Err(r.err(format!("a tensor has {n_dims} dimensions")));
        }
        let mut ne = Vec::with_capacity(n_dims);
        for _ in 0..n_dims {
            ne.push(r.count("a dimension")?);
        }
        let name = String::from_utf8_lossy(r.take(name_len)?).into_owned();
        let n: usize = ne.iter().product();
        let width = match ttype {
            0 => 4,
            1 => 2,
            t => return Err(r.err(format!("tensor {name} has ggml type {t}, not f32 or f16"))),
        };
        let data = r.take(n.saturating_mul(width))?;
        tensors += 1;
        let quantize = n_dims == 2 && !KEEP.contains(&name.as_str()) && ne[0] % 32 == 0;
        if !quantize {
            out.extend_from_slice(&(n_dims as i32).to_le_bytes());
            out.extend_from_slice(&(name_len as i32).to_le_bytes());
            out.extend_from_slice(&ttype.to_le_bytes());
            ne.iter()
                .for_each(|d| out.extend_from_slice(&(*d as i32).to_le_bytes()));
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            continue;
        }
        let floats: Vec<f32> = if width == 4 {
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        } else {
            data.chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect()
        };
        let (per_row, rows) = (ne[0] as i64, (n / ne[0]) as i64);
        // SAFETY: `dst` has room for `rows` rows of `ggml_type` (ggml_row_size), `src`
        // holds rows × per_row floats, and these types need no importance matrix.
        let packed = unsafe {
            let size = sys::ggml_row_size(ggml_type, per_row) * rows as usize;
            let mut dst = vec![0u8; size];
            let written = sys::ggml_quantize_chunk(
                ggml_type,
                floats.as_ptr(),
                dst.as_mut_ptr().cast(),
                0,
                rows,
                per_row,
                std::ptr::null(),
            );
            dst.truncate(written);
            dst
        };
        quantized += 1;
        out.extend_from_slice(&(n_dims as i32).to_le_bytes());
        out.extend_from_slice(&(name_len as i32).to_le_bytes());
        out.extend_from_slice(&(ggml_type as i32).to_le_bytes());
        ne.iter()
            .for_each(|d| out.extend_from_slice(&(*d as i32).to_le_bytes()));
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);
    }
    if quantized == 0 {
        return Err(r.err("it holds no weight matrices"));
    }
    fsutil::write_atomic(output, &out).map_err(|source| QuantizeError::Write {
        path: output.to_path_buf(),
        source,
    })?;
    Ok(QuantizeSummary {
        ty,
        tensors,
        quantized,
        bytes_in: buf.len() as u64,
        bytes_out: out.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_by_ggml_name_and_bad_ones_list_the_choices() {
        assert_eq!("Q8_0".parse(), Ok(QuantType::Q8_0));
        assert_eq!(QuantType::Q5_1.to_string(), "q5_1");
        let e = "q3".parse::<QuantType>().unwrap_err();
        assert!(e.contains("q8_0, q5_1"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_a_model_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("tmp");
        let bad = dir.path().join("notes.bin");
        std::fs::write(&bad, b"hello, this is not a model").expect("write");
        let e = quantize_model(&bad, &dir.path().join("q.bin"), QuantType::Q8_0).unwrap_err();
        assert!(e.to_string().contains("no ggml magic number"), "{e}");
        let e = quantize_model(&bad, &bad, QuantType::Q8_0).unwrap_err();
        assert!(e.to_string().contains("overwrite"), "{e}");
    }
}
