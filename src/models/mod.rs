//! Model files, for the recogniser and the sentence encoder alike: where they live,
//! which one is chosen, how they are checked, downloaded and imported. `transcribe`
//! and `embed` depend on this module; it depends on neither.

pub mod download;
pub mod import;
mod install;
mod store;

pub use install::{DownloadProgress, ImportTarget, InstallError, Installed};
pub use store::*;
