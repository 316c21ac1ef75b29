//! rehearse: an on-device speech coach for "Tell me about a time you failed".
//!
//! The pipeline, one module per stage:
//! [`audio`] (decode, resample) → [`transcribe`] (whisper.cpp engine, models) →
//! [`transcript`] (the plain words-with-times type) → analysis → report → CLI.
//! The analysis only ever sees a [`transcript::Transcript`]; the optional sentence
//! encoder ([`embed`]) reaches it only as vectors, through `analysis::SentenceEncoder`.

pub mod analysis;
pub mod audio;
pub mod batch;
pub mod coach;
pub mod config;
pub mod doctor;
pub mod drill;
pub mod embed;
pub mod eval;
pub mod fsutil;
pub mod models;
pub mod rehearsal;
pub mod report;
pub mod takes;
pub mod transcribe;
pub mod transcript;
pub mod ui;
