//! The recogniser a run uses: the chosen model, checked and loaded, with the decoding
//! options the settings merge settled on.

use std::path::PathBuf;

use super::backend::Plan;
use super::{DecodeOptions, Engine, EngineError};
use crate::config::{ConfigError, Merged, RecogniserSettings, UserConfig};
use crate::models::{ModelError, ModelStore, ResolvedModel};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the recogniser was not loaded")]
    NotLoaded,
}

/// A loaded model and how to decode with it.
pub struct Recogniser {
    pub engine: Engine,
    pub opts: DecodeOptions,
    /// The weights' file (its content identifies a batch's reports).
    pub model_path: PathBuf,
    /// What the user should be told about the settings (a thread count cut to the cores).
    pub notes: Vec<String>,
    /// Whether the thread count was asked for (flag or config file) rather than measured.
    pub threads_asked: bool,
}

impl Recogniser {
    /// Which model the settings choose, and why (nothing is checked or loaded).
    pub fn resolve(
        settings: &RecogniserSettings,
    ) -> Result<(ModelStore, ResolvedModel), LoadError> {
        Self::choose(settings).map(|(store, resolved, _)| (store, resolved))
    }

    fn choose(
        settings: &RecogniserSettings,
    ) -> Result<(ModelStore, ResolvedModel, Merged), LoadError> {
        let store = ModelStore::discover();
        let (cfg_path, cfg) = UserConfig::load()?;
        let merged = settings.merge(&cfg, cfg_path.as_deref())?;
        let resolved = store.resolve(
            merged
                .model
                .as_ref()
                .map(|(m, why)| (m.as_str(), why.as_str())),
        )?;
        Ok((store, resolved, merged))
    }

    /// Resolves the model (flag > environment > config file > built-in default),
    /// verifies it, loads it and settles the decoding options.
    pub fn load(settings: &RecogniserSettings) -> Result<Recogniser, LoadError> {
        let (store, resolved, merged) = Self::choose(settings)?;
        store.check(&resolved)?;
        log::info!("model: {} ({})", resolved.path.display(), resolved.reason);
        let (choice, from) = &merged.gpu;
        let mut plan = Plan::new(*choice, from).map_err(EngineError::from)?;
        let engine = Engine::load(&resolved.path, &resolved.name, &mut plan)?;
        let mut notes = merged.notes;
        notes.extend(plan.fallback_line());
        let mut opts = DecodeOptions::default();
        let threads_asked = merged.threads.is_some();
        if let Some(t) = merged.threads {
            opts.threads = t;
        }
        if let Some(b) = merged.beam_size {
            opts.beam_size = b;
        }
        if let Some(p) = merged.prompt {
            opts.initial_prompt = p;
        }
        Ok(Recogniser {
            engine,
            opts,
            model_path: resolved.path,
            notes,
            threads_asked,
        })
    }
}
