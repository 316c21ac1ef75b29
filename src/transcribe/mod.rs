//! Speech to text on the device: model management and the whisper.cpp engine.

pub mod download;
pub mod engine;
pub mod import;
pub mod models;
pub mod stream;

pub use engine::{DecodeOptions, Engine, EngineError};
pub use models::{ModelError, ModelStore, ResolvedModel};

/// An initial prompt written the way people speak, fillers included: Whisper imitates
/// the style of its prompt, so it keeps more "um"/"uh" (see docs/accuracy.md).
pub const FILLER_PROMPT: &str = "Um, so, uh, I was, like, you know, working on it, and, er, hmm, I mean, it was basically, um, fine.";
