//! Settings and where things live, decided in one place. A setting comes from the
//! first of: a command-line flag, the environment, the config file, the measured
//! default. Every front end builds a [`RecogniserSettings`] from its flags and this
//! module does the merge, so the precedence cannot differ between commands.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::transcribe::GpuChoice;

/// Environment variables a user can set.
pub const ENV_MODEL: &str = "REHEARSE_MODEL";
pub const ENV_MODELS_DIR: &str = "REHEARSE_MODELS_DIR";
pub const ENV_CONFIG: &str = "REHEARSE_CONFIG";
pub const ENV_BASE_URL: &str = "REHEARSE_MODEL_BASE_URL";
pub const ENV_GPU: &str = "REHEARSE_GPU";

/// Widest beam allowed: whisper.cpp has 8 decoders (wider fails with its "error -4").
pub const MAX_BEAM: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {what}")]
    BadFile { path: PathBuf, what: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{from} = 0: at least 1 thread is needed")]
    NoThreads { from: String },
    #[error("{from} = {value}: the beam size must be 1 to {MAX_BEAM} (1 is greedy decoding)")]
    Beam { from: String, value: u32 },
    #[error("{from}: {what}")]
    Gpu { from: String, what: String },
}

/// The per-user directories (XDG on Linux), found once.
pub struct Dirs;

impl Dirs {
    fn project() -> Option<directories::ProjectDirs> {
        directories::ProjectDirs::from("", "", "rehearse")
    }

    /// `$REHEARSE_CONFIG`, else `config.toml` in the user's config directory.
    pub fn config_file() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(ENV_CONFIG) {
            return Some(PathBuf::from(p));
        }
        Self::project().map(|d| d.config_dir().join("config.toml"))
    }

    /// Where models go when neither `$REHEARSE_MODELS_DIR` nor a source checkout says.
    pub fn user_models() -> PathBuf {
        Self::project()
            .map(|d| d.data_dir().join("models"))
            .unwrap_or_else(|| PathBuf::from("models"))
    }

    /// Where takes are kept by default.
    pub fn takes() -> PathBuf {
        Self::project()
            .map(|d| d.data_dir().join("takes"))
            .unwrap_or_else(|| PathBuf::from("takes"))
    }
}

/// User settings read from the config file (`~/.config/rehearse/config.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub model: Option<String>,
    pub threads: Option<u32>,
    pub beam_size: Option<u32>,
    /// `auto`, `off` or a GPU's number.
    pub gpu: Option<String>,
}

impl UserConfig {
    /// Loads the config file if there is one; a missing file is an empty config.
    pub fn load() -> Result<(Option<PathBuf>, UserConfig), ConfigError> {
        let Some(path) = Dirs::config_file() else {
            return Ok((None, UserConfig::default()));
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let cfg = toml::from_str(&text).map_err(|e| ConfigError::BadFile {
                    path: path.clone(),
                    what: e.to_string(),
                })?;
                Ok((Some(path), cfg))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((None, UserConfig::default())),
            Err(source) => Err(ConfigError::Io { path, source }),
        }
    }
}

/// What a user asked of the recogniser on the command line (all optional: the rest
/// comes from the environment, the config file and measured defaults).
#[derive(Debug, Clone, Default)]
pub struct RecogniserSettings {
    /// A model name or a path to a ggml file.
    pub model: Option<String>,
    pub threads: Option<u32>,
    pub beam_size: Option<u32>,
    /// `Some("")` asks for no prompt at all.
    pub prompt: Option<String>,
    pub gpu: Option<GpuChoice>,
}

/// [`RecogniserSettings`] after the merge: what a run uses, and the notes a user
/// should see about it (a thread count cut to the machine's cores).
#[derive(Debug, Clone)]
pub struct Merged {
    /// The model's name or path, and which source chose it ("--model flag", …).
    pub model: Option<(String, String)>,
    pub threads: Option<u32>,
    pub beam_size: Option<u32>,
    pub prompt: Option<Option<String>>,
    /// The device choice and where it came from (`--gpu`, `$REHEARSE_GPU`, the file).
    pub gpu: (GpuChoice, String),
    pub notes: Vec<String>,
}

impl RecogniserSettings {
    /// Merges flag > environment > config file; `None` fields are left to the
    /// measured defaults of the engine.
    pub fn merge(
        &self,
        config: &UserConfig,
        config_path: Option<&Path>,
    ) -> Result<Merged, ConfigError> {
        let from = |flag: bool, key: &str| match (flag, config_path) {
            (true, _) | (false, None) => format!("--{key}"),
            (false, Some(p)) => format!("{} in {}", key.replace('-', "_"), p.display()),
        };
        let env_model = std::env::var(ENV_MODEL).ok().filter(|s| !s.is_empty());
        let model = if let Some(f) = &self.model {
            Some((f.clone(), "--model flag".to_string()))
        } else if let Some(e) = env_model {
            Some((e, format!("${ENV_MODEL}")))
        } else {
            config.model.clone().map(|m| {
                let where_ = config_path
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                (m, format!("config file {where_}"))
            })
        };
        let mut notes = Vec::new();
        let threads = match self.threads.or(config.threads) {
            Some(t) => Some(checked_threads(
                t,
                &from(self.threads.is_some(), "threads"),
                &mut notes,
            )?),
            None => None,
        };
        let beam_size = match self.beam_size.or(config.beam_size) {
            Some(b) if !(1..=MAX_BEAM).contains(&b) => {
                return Err(ConfigError::Beam {
                    from: from(self.beam_size.is_some(), "beam-size"),
                    value: b,
                });
            }
            b => b,
        };
        let env_gpu = std::env::var(ENV_GPU).ok().filter(|s| !s.is_empty());
        let gpu = if let Some(g) = self.gpu {
            (g, "--gpu".to_string())
        } else if let Some(e) = env_gpu {
            let from = format!("${ENV_GPU}");
            let g = e.parse().map_err(|what| ConfigError::Gpu {
                from: from.clone(),
                what,
            })?;
            (g, from)
        } else if let Some(c) = &config.gpu {
            let from = from(false, "gpu");
            let g = c.parse().map_err(|what| ConfigError::Gpu {
                from: from.clone(),
                what,
            })?;
            (g, from)
        } else {
            (GpuChoice::Auto, "the default".to_string())
        };
        Ok(Merged {
            model,
            threads,
            beam_size,
            prompt: self
                .prompt
                .as_ref()
                .map(|p| (!p.is_empty()).then(|| p.clone())),
            gpu,
            notes,
        })
    }
}

/// A thread count from a flag or the config file: 0 is refused, and more than the
/// machine's cores is cut to them with a note (more threads than cores made
/// whisper.cpp's workers spin against each other: 1000 threads ran for minutes).
pub fn checked_threads(t: u32, from: &str, notes: &mut Vec<String>) -> Result<u32, ConfigError> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1);
    if t == 0 {
        return Err(ConfigError::NoThreads { from: from.into() });
    }
    if t > cores {
        notes.push(format!(
            "{from} = {t}, but this machine has {cores} cores; using {cores}"
        ));
        return Ok(cores);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_beats_the_config_file_and_bad_values_name_their_source() {
        let cfg = UserConfig {
            model: Some("base.en".into()),
            threads: Some(1),
            beam_size: Some(9),
            gpu: None,
        };
        let path = Path::new("/home/u/.config/rehearse/config.toml");
        let flags = RecogniserSettings {
            model: Some("tiny.en".into()),
            beam_size: Some(2),
            ..Default::default()
        };
        let m = flags.merge(&cfg, Some(path)).expect("merge");
        assert_eq!(m.model.as_ref().map(|m| m.0.as_str()), Some("tiny.en"));
        assert_eq!((m.threads, m.beam_size), (Some(1), Some(2)));
        let e = RecogniserSettings::default()
            .merge(&cfg, Some(path))
            .expect_err("beam 9 in the file");
        assert!(
            e.to_string().starts_with("beam_size in /home/u/.config"),
            "{e}"
        );
        let zero = RecogniserSettings {
            threads: Some(0),
            ..Default::default()
        };
        assert!(zero.merge(&cfg, None).is_err());
    }

    #[test]
    fn too_many_threads_are_cut_to_the_cores_with_a_note() {
        let mut notes = Vec::new();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        assert_eq!(
            checked_threads(1000, "--threads", &mut notes).expect("cut"),
            cores
        );
        assert_eq!(notes.len(), 1);
    }
}
