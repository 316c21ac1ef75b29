//! Rehearsal takes on disk: one folder per take with the audio, the transcript and
//! the report. Folders are never reused and files are never overwritten; a take cut
//! off by a crash is repaired on the next start.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::audio::take::repair_wav;

pub const AUDIO: &str = "audio.wav";
pub const TRANSCRIPT: &str = "transcript.json";
pub const REPORT: &str = "report.json";
/// Beside a drill round's audio: its plan and result (`drill::Round`).
pub const DRILL: &str = "drill.json";
/// A take's HTML page (`rehearse takes --html`).
pub const PAGE: &str = "report.html";
/// The progress page in the takes folder (`rehearse takes --html`).
pub const PROGRESS_PAGE: &str = "progress.html";

#[derive(Debug, thiserror::Error)]
pub enum TakesError {
    #[error("takes folder {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no take {which:?} in {dir}; `rehearse takes` lists them by number and id")]
    NotFound { which: String, dir: PathBuf },
    #[error(
        "take {id} has no report yet (it was cut off before scoring); `rehearse takes show {id}` scores it"
    )]
    Unscored { id: String },
    #[error(
        "{path}: not a report this version can read ({why}); `rehearse takes show` scores the take again"
    )]
    BadReport { path: PathBuf, why: String },
}

/// Where takes live: `--takes-dir`, else the user's data directory.
#[derive(Debug, Clone)]
pub struct TakeStore {
    pub dir: PathBuf,
}

/// Saves a take's transcript and report beside its audio (each written atomically).
pub fn save_scored(dir: &Path, scored: &crate::coach::Scored) -> Result<(), TakesError> {
    let io = |path: PathBuf| move |source| TakesError::Io { path, source };
    let json = |v: serde_json::Result<String>| {
        v.map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    };
    for (name, text) in [
        (
            TRANSCRIPT,
            json(serde_json::to_string_pretty(&scored.transcript)),
        ),
        (
            REPORT,
            json(serde_json::to_string_pretty(&scored.analysis.report)),
        ),
    ] {
        let path = dir.join(name);
        text.and_then(|t| crate::fsutil::write_atomic(&path, t.as_bytes()))
            .map_err(io(path.clone()))?;
    }
    Ok(())
}

/// What `rehearse takes --html` wrote.
#[derive(Debug)]
pub struct PagesWritten {
    pub progress: PathBuf,
    pub takes: usize,
    /// Takes left without a page, and why.
    pub skipped: Vec<String>,
}

impl std::fmt::Display for PagesWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {} ({} takes, each scored one with its page)",
            self.progress.display(),
            self.takes
        )?;
        for why in &self.skipped {
            write!(f, "\n  no page: {why}")?;
        }
        Ok(())
    }
}

/// A summary line of a take for `rehearse takes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TakeSummary {
    pub id: String,
    pub path: PathBuf,
    pub seconds: Option<f64>,
    pub score: Option<u32>,
    pub failure_share: Option<f64>,
    pub fillers_per_minute: Option<f64>,
    #[serde(default)]
    pub hedges_per_100_words: Option<f64>,
    /// Audio present but no report: interrupted before scoring.
    pub unscored: bool,
    /// The drill this take was a round of ("star", "clock"), if any.
    pub drill: Option<String>,
}

impl TakeStore {
    pub fn new(dir: Option<PathBuf>) -> TakeStore {
        TakeStore {
            dir: dir.unwrap_or_else(crate::config::Dirs::takes),
        }
    }

    fn io(&self, source: std::io::Error) -> TakesError {
        TakesError::Io {
            path: self.dir.clone(),
            source,
        }
    }

    /// A new, empty take folder named by the local time; a suffix keeps names unique.
    pub fn create(&self) -> Result<(String, PathBuf), TakesError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.io(e))?;
        let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
        for n in 0..1000 {
            let id = if n == 0 {
                stamp.clone()
            } else {
                format!("{stamp}-{n}")
            };
            let path = self.dir.join(&id);
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok((id, path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(self.io(e)),
            }
        }
        Err(self.io(std::io::Error::other("no free take name")))
    }

    /// Every take, oldest first.
    pub fn list(&self) -> Result<Vec<TakeSummary>, TakesError> {
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(self.io(e)),
        };
        let mut dirs: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(AUDIO).is_file())
            .collect();
        dirs.sort();
        for path in dirs {
            out.push(summarize(&path));
        }
        Ok(out)
    }

    /// Finds a take by its number in `list` (1-based) or by its id.
    pub fn find(&self, which: &str) -> Result<Option<TakeSummary>, TakesError> {
        let all = self.list()?;
        if let Ok(n) = which.parse::<usize>()
            && n >= 1
            && n <= all.len()
        {
            return Ok(all.into_iter().nth(n - 1));
        }
        Ok(all.into_iter().find(|t| t.id == which))
    }

    /// Like [`TakeStore::find`], but a take that is not there is an error.
    pub fn get(&self, which: &str) -> Result<TakeSummary, TakesError> {
        self.find(which)?.ok_or_else(|| TakesError::NotFound {
            which: which.to_string(),
            dir: self.dir.clone(),
        })
    }

    /// The take's saved report.
    pub fn report(&self, take: &TakeSummary) -> Result<crate::analysis::Report, TakesError> {
        let path = take.path.join(REPORT);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(TakesError::Unscored {
                    id: take.id.clone(),
                });
            }
            Err(source) => return Err(TakesError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|e| TakesError::BadReport {
            path,
            why: e.to_string(),
        })
    }

    /// `rehearse takes --html`: each scored take's page beside its audio
    /// (`report.html`, linking `audio.wav`; written when missing or older than the
    /// report), and the progress page at `out`, linking them. A take whose report
    /// cannot be read gets no page and is named in the result; the others go on.
    pub fn write_html(
        &self,
        out: &Path,
        rubric: &crate::analysis::Rubric,
    ) -> Result<PagesWritten, TakesError> {
        use crate::report::html::{Html, Recording, link, progress_page};
        let all = self.list()?;
        let mut links = Vec::with_capacity(all.len());
        let mut skipped = Vec::new();
        for t in &all {
            let page = t.path.join(PAGE);
            let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            if !t.unscored && modified(&page) < modified(&t.path.join(REPORT)) {
                match self.report(t) {
                    Ok(report) => {
                        let html = Html {
                            audio: Recording::Linked(AUDIO.into()),
                        }
                        .page(&report);
                        crate::fsutil::write_atomic(&page, html.as_bytes()).map_err(|source| {
                            TakesError::Io {
                                path: page.clone(),
                                source,
                            }
                        })?;
                    }
                    Err(e) => skipped.push(e.to_string()),
                }
            }
            links.push(page.is_file().then(|| link(&page, Some(out))));
        }
        let html = progress_page(&all, &links, rubric);
        crate::fsutil::write_atomic(out, html.as_bytes()).map_err(|source| TakesError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(PagesWritten {
            progress: out.to_path_buf(),
            takes: all.len(),
            skipped,
        })
    }

    /// `rehearse takes compare A B`: what changed from take A to take B.
    pub fn compare(
        &self,
        a: &str,
        b: &str,
    ) -> Result<crate::report::compare::Comparison, TakesError> {
        let (ta, tb) = (self.get(a)?, self.get(b)?);
        let (ra, rb) = (self.report(&ta)?, self.report(&tb)?);
        Ok(crate::report::compare::Comparison::between(
            &ta.id, &ra, &tb.id, &rb,
        ))
    }

    /// The comparison's page, to be written at `page` (`None`: standard output),
    /// linking each take's own page where `rehearse takes --html` wrote one.
    pub fn compare_page(
        &self,
        c: &crate::report::compare::Comparison,
        page: Option<&Path>,
    ) -> String {
        let link = |id: &str| {
            let own = self.dir.join(id).join(PAGE);
            own.is_file().then(|| crate::report::html::link(&own, page))
        };
        crate::report::html::compare_page(c, [link(&c.a.name), link(&c.b.name)])
    }

    /// Rewrites the header of every take whose audio was cut off; returns the repaired ones.
    pub fn repair_all(&self) -> Result<Vec<PathBuf>, TakesError> {
        let mut fixed = Vec::new();
        for t in self.list()? {
            let audio = t.path.join(AUDIO);
            if matches!(repair_wav(&audio), Ok(true)) {
                fixed.push(audio);
            }
        }
        Ok(fixed)
    }
}

fn summarize(path: &Path) -> TakeSummary {
    let id = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report: Option<serde_json::Value> = std::fs::read_to_string(path.join(REPORT))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let seconds = report
        .as_ref()
        .and_then(|r| r["duration_s"].as_f64())
        .or_else(|| {
            hound::WavReader::open(path.join(AUDIO))
                .ok()
                .map(|r| r.duration() as f64 / r.spec().sample_rate.max(1) as f64)
        });
    TakeSummary {
        id,
        path: path.to_path_buf(),
        seconds,
        score: report
            .as_ref()
            .and_then(|r| r["score"].as_u64())
            .map(|s| s as u32),
        failure_share: report.as_ref().and_then(|r| r["failure_share"].as_f64()),
        fillers_per_minute: report
            .as_ref()
            .and_then(|r| r["fillers"]["per_minute"].as_f64()),
        hedges_per_100_words: report
            .as_ref()
            .and_then(|r| r["hedges"]["per_100_words"].as_f64()),
        unscored: report.is_none(),
        drill: std::fs::read_to_string(path.join(DRILL))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|d| d["kind"].as_str().map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, InputKind, Rubric, Timing, analyze};

    fn take(store: &TakeStore, id: &str, report: &str) -> PathBuf {
        let dir = store.dir.join(id);
        std::fs::create_dir_all(&dir).expect("take folder");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(dir.join(AUDIO), spec).expect("wav");
        for _ in 0..1600 {
            w.write_sample(0i16).expect("sample");
        }
        w.finalize().expect("finalize");
        std::fs::write(dir.join(REPORT), report).expect("report");
        dir
    }

    #[test]
    fn the_progress_page_goes_on_past_a_take_whose_report_is_unreadable() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = TakeStore::new(Some(tmp.path().to_path_buf()));
        let t = transcript_from_text(
            "I led the billing launch. I missed a currency bug and charged 140 customers twice. I refunded them that night. Since then I test every currency before a release.",
            150.0,
        );
        let info = InputInfo {
            path: "audio.wav".into(),
            kind: InputKind::Audio,
            timing: Timing::Estimated,
            transcribed: None,
        };
        let report = analyze(&t, info, &Rubric::builtin()).report;
        let good = take(
            &store,
            "20260101-090000",
            &serde_json::to_string(&report).expect("json"),
        );
        let bad = take(
            &store,
            "20260102-090000",
            r#"{"score": 50, "duration_s": 30}"#,
        );
        let out = tmp.path().join("progress.html");
        let done = store.write_html(&out, &Rubric::builtin()).expect("written");
        assert_eq!(done.takes, 2);
        assert!(good.join(PAGE).is_file());
        assert!(!bad.join(PAGE).exists());
        assert_eq!(done.skipped.len(), 1, "{done}");
        assert!(done.skipped[0].contains("20260102-090000"), "{done}");
        let page = std::fs::read_to_string(&out).expect("progress page");
        assert!(
            page.contains("href=\"20260101-090000/report.html\""),
            "links the good take's page"
        );
        assert!(!page.contains("20260102-090000/report.html"));
    }
}
