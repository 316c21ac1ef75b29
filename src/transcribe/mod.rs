//! Speech to text on the device: model management and the whisper.cpp engine.

pub mod download;
pub mod engine;
pub mod import;
pub mod models;

pub use engine::{DecodeOptions, Engine, EngineError};
pub use models::{ModelError, ModelStore, ResolvedModel};
