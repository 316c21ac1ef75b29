//! The cohort table: one row per input, as CSV or JSON Lines, and the merge of the
//! tables written by separate shards.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Outcome of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Scored (now or by an earlier run whose report is still up to date).
    Ok,
    /// Could not be scored; `error` says why.
    Error,
}

/// One line of the summary. Field names are the CSV header; never rename them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub path: String,
    pub status: Status,
    /// True when an earlier run's report was reused (same audio, model and rubric).
    pub reused: bool,
    pub duration_s: Option<f64>,
    pub words: Option<u64>,
    pub wpm: Option<f64>,
    pub failure_share: Option<f64>,
    pub star_s: Option<f64>,
    pub star_t: Option<f64>,
    pub star_a: Option<f64>,
    pub star_r: Option<f64>,
    pub fillers_per_min: Option<f64>,
    pub hedges_per_min: Option<f64>,
    /// Red-flag kinds found, `;`-separated (blame;catastrophic).
    pub flags: String,
    pub score: Option<u32>,
    /// The report JSON, relative to the output folder.
    pub report: String,
    pub error: String,
    /// Where the recogniser ran: `CPU (AMD EPYC)`, `CUDA (NVIDIA H200)`; empty for text.
    #[serde(default)]
    pub backend: String,
}

fn round(x: Option<f64>, places: i32) -> Option<f64> {
    let f = 10f64.powi(places);
    x.map(|v| (v * f).round() / f)
}

impl Row {
    pub fn error(path: &Path, message: impl Into<String>) -> Row {
        Row {
            path: path.display().to_string(),
            status: Status::Error,
            reused: false,
            duration_s: None,
            words: None,
            wpm: None,
            failure_share: None,
            star_s: None,
            star_t: None,
            star_a: None,
            star_r: None,
            fillers_per_min: None,
            hedges_per_min: None,
            flags: String::new(),
            score: None,
            report: String::new(),
            error: message.into(),
            backend: String::new(),
        }
    }

    /// A row from a report as saved (`rehearse.report.v1` JSON): the same code path
    /// for fresh reports and reused ones, so the table never depends on which.
    pub fn from_report(path: &Path, report_rel: &Path, report: &serde_json::Value) -> Row {
        let f = |ptr: &str| report.pointer(ptr).and_then(|v| v.as_f64());
        let flags = report
            .get("flags")
            .and_then(|f| f.as_object())
            .map(|m| {
                m.iter()
                    .filter(|(_, hits)| hits.as_array().is_some_and(|a| !a.is_empty()))
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        Row {
            path: path.display().to_string(),
            status: Status::Ok,
            reused: false,
            duration_s: round(f("/duration_s"), 2),
            words: report.get("words").and_then(|v| v.as_u64()),
            wpm: round(f("/wpm"), 1),
            failure_share: round(f("/failure_share"), 3),
            star_s: round(f("/star/S"), 3),
            star_t: round(f("/star/T"), 3),
            star_a: round(f("/star/A"), 3),
            star_r: round(f("/star/R"), 3),
            fillers_per_min: round(f("/fillers/per_minute"), 2),
            hedges_per_min: round(f("/hedges/per_minute"), 2),
            flags,
            score: report
                .get("score")
                .and_then(|v| v.as_u64())
                .map(|s| s as u32),
            report: report_rel.display().to_string(),
            error: String::new(),
            backend: report
                .pointer("/input/transcribed")
                .and_then(|t| {
                    serde_json::from_value::<crate::analysis::Transcribed>(t.clone()).ok()
                })
                .map(|t| t.device_text())
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryFormat {
    Csv,
    Jsonl,
}

impl SummaryFormat {
    pub fn extension(self) -> &'static str {
        match self {
            SummaryFormat::Csv => "csv",
            SummaryFormat::Jsonl => "jsonl",
        }
    }

    pub fn from_path(path: &Path) -> Option<SummaryFormat> {
        match path.extension()?.to_str()? {
            "csv" => Some(SummaryFormat::Csv),
            "jsonl" | "ndjson" => Some(SummaryFormat::Jsonl),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}, line {line}: not a rehearse summary row: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}: not a summary file (expected .csv or .jsonl)")]
    UnknownFormat(PathBuf),
    #[error("{0}: no summary.csv or summary.jsonl here (is it a `rehearse batch --out` folder?)")]
    NoSummaries(PathBuf),
    #[error("writing the summary: {0}")]
    Write(#[from] io::Error),
}

/// The summary files that `inputs` name: a file as given; for a folder (a `batch
/// --out` folder), its summary*.csv and summary*.jsonl, sorted.
pub fn find(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, SummaryError> {
    let mut files = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            files.push(input.clone());
            continue;
        }
        let read = |source| SummaryError::Read {
            path: input.clone(),
            source,
        };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(input).map_err(read)? {
            let path = entry.map_err(read)?.path();
            let named = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("summary"));
            if named && SummaryFormat::from_path(&path).is_some() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(SummaryError::NoSummaries(input.clone()));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Serializes rows; a header for CSV.
pub fn render(rows: &[Row], format: SummaryFormat) -> Result<Vec<u8>, SummaryError> {
    let mut buf = Vec::new();
    match format {
        SummaryFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut buf);
            for row in rows {
                w.serialize(row).map_err(io::Error::other)?;
            }
            w.flush()?;
        }
        SummaryFormat::Jsonl => {
            for row in rows {
                serde_json::to_writer(&mut buf, row).map_err(io::Error::other)?;
                buf.push(b'\n');
            }
        }
    }
    Ok(buf)
}

/// Reads a summary written by `rehearse batch` (either format).
pub fn read(path: &Path) -> Result<Vec<Row>, SummaryError> {
    let format =
        SummaryFormat::from_path(path).ok_or_else(|| SummaryError::UnknownFormat(path.into()))?;
    let file = std::fs::File::open(path).map_err(|source| SummaryError::Read {
        path: path.into(),
        source,
    })?;
    let mut rows = Vec::new();
    match format {
        SummaryFormat::Csv => {
            let mut r = csv::Reader::from_reader(file);
            for (i, row) in r.deserialize::<Row>().enumerate() {
                rows.push(row.map_err(|e| SummaryError::Parse {
                    path: path.into(),
                    line: i + 2,
                    message: e.to_string(),
                })?);
            }
        }
        SummaryFormat::Jsonl => {
            for (i, line) in io::BufReader::new(file).lines().enumerate() {
                let line = line.map_err(|source| SummaryError::Read {
                    path: path.into(),
                    source,
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                rows.push(
                    serde_json::from_str(&line).map_err(|e| SummaryError::Parse {
                        path: path.into(),
                        line: i + 1,
                        message: e.to_string(),
                    })?,
                );
            }
        }
    }
    Ok(rows)
}

/// Combines shard summaries: rows sorted by path; when the same path appears in two
/// summaries (a shard re-run elsewhere), an ok row beats an error row.
pub fn merge(mut tables: Vec<Vec<Row>>) -> Vec<Row> {
    let mut all: Vec<Row> = tables.drain(..).flatten().collect();
    all.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then((a.status == Status::Error).cmp(&(b.status == Status::Error)))
    });
    all.dedup_by(|later, first| later.path == first.path);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_row(path: &str, score: u32) -> Row {
        let report = serde_json::json!({
            "duration_s": 151.234, "words": 390, "wpm": 154.71, "failure_share": 0.1234,
            "star": {"S": 0.15, "T": 0.1, "A": 0.25, "R": 0.5},
            "fillers": {"per_minute": 1.234}, "hedges": {"per_minute": 0.5},
            "flags": {"blame": [{"text": "they"}], "catastrophic": []},
            "score": score
        });
        Row::from_report(Path::new(path), Path::new("x.json"), &report)
    }

    #[test]
    fn rows_round_trip_through_both_formats() {
        let rows = vec![
            ok_row("a, with comma.wav", 80),
            Row::error(
                Path::new("b.mp3"),
                "b.mp3: the audio data is damaged\n  Fix: …",
            ),
        ];
        assert_eq!(rows[0].flags, "blame");
        assert_eq!(rows[0].failure_share, Some(0.123));
        let dir = tempfile::tempdir().expect("tmp");
        for format in [SummaryFormat::Csv, SummaryFormat::Jsonl] {
            let path = dir.path().join(format!("s.{}", format.extension()));
            std::fs::write(&path, render(&rows, format).expect("render")).expect("write");
            assert_eq!(read(&path).expect("read"), rows, "{format:?}");
        }
    }

    #[test]
    fn merge_prefers_ok_rows_and_sorts() {
        let merged = merge(vec![
            vec![ok_row("z.wav", 1), Row::error(Path::new("a.wav"), "bad")],
            vec![ok_row("a.wav", 2)],
        ]);
        let paths: Vec<_> = merged.iter().map(|r| (r.path.as_str(), r.status)).collect();
        assert_eq!(paths, vec![("a.wav", Status::Ok), ("z.wav", Status::Ok)]);
    }
}
