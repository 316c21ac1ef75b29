//! Speech to text on the device: the whisper.cpp engine (the only module that names
//! whisper-rs) and streaming transcription.

pub mod backend;
pub mod engine;
pub mod quantize;
mod recogniser;
pub mod stream;

pub use backend::{Compute, GpuChoice};
pub use engine::{DecodeOptions, Engine, EngineError};
pub use recogniser::{LoadError, Recogniser};

/// The log target whisper.cpp's own messages arrive under (through whisper-rs's hooks),
/// so the CLI can quieten them without naming the binding.
pub const ENGINE_LOG_TARGET: &str = "whisper_rs";

/// An initial prompt written the way people speak, fillers included: Whisper imitates
/// the style of its prompt, so it keeps more "um"/"uh" (see docs/accuracy.md).
pub const FILLER_PROMPT: &str = "Um, so, uh, I was, like, you know, working on it, and, er, hmm, I mean, it was basically, um, fine.";
