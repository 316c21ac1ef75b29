//! The plain transcript: the one type that crosses from transcription into analysis.
//!
//! It is the `rehearse.transcript.v1` JSON contract (see `docs/transcript-schema.md`).
//! Nothing here knows about audio or whisper: the analysis is testable on text alone.

use serde::{Deserialize, Serialize};

/// Schema tag written into every transcript file.
pub const TRANSCRIPT_SCHEMA: &str = "rehearse.transcript.v1";

/// A transcript: segments as the recogniser grouped them, and words with times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub schema: String,
    pub model: ModelInfo,
    /// Length of the audio that was transcribed, in seconds.
    pub duration_s: f64,
    pub segments: Vec<Segment>,
    pub words: Vec<Word>,
    /// What the recogniser wrote over silence or non-speech ("you.", "Thank you."):
    /// kept for inspection, never counted as speech.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_speech: Vec<Word>,
}

impl Transcript {
    /// One line per segment: `[00:01.20 → 00:04.56] text`.
    pub fn timestamped(&self) -> String {
        fn clock(s: f64) -> String {
            let cs = (s * 100.0).round() as u64;
            format!("{:02}:{:02}.{:02}", cs / 6000, (cs / 100) % 60, cs % 100)
        }
        self.segments
            .iter()
            .map(|s| {
                format!(
                    "[{} → {}] {}\n",
                    clock(s.start),
                    clock(s.end),
                    s.text.trim()
                )
            })
            .collect()
    }

    /// Why `name` gave no words, when it gave none.
    pub fn no_speech_note(&self, name: &str) -> Option<String> {
        if !self.words.is_empty() {
            return None;
        }
        let dropped = match self.not_speech.len() {
            0 => String::new(),
            n => format!("; {n} words written over silence were left out"),
        };
        Some(format!(
            "no speech found in {name} (silence, noise or music only){dropped}"
        ))
    }
}

/// Which model and settings produced a transcript (for reproducibility).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ModelInfo {
    /// Manifest name (`tiny.en`) or the file stem of a custom model.
    pub name: String,
    /// File name of the weights.
    pub file: String,
    /// `whisper.cpp`, or `text` for transcripts made from written drafts.
    pub engine: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beam_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_prompt: Option<String>,
    /// The backend and device that transcribed (`CPU`, `CUDA` on `NVIDIA H200`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<Compute>,
}

/// A stretch of text with its start and end, in seconds from the start of the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// One spoken word with its time span and the recogniser's confidence `p` (0–1).
///
/// `text` carries attached punctuation as the recogniser wrote it (`"failed."`),
/// without leading white space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub p: f32,
}

impl Transcript {
    /// An empty transcript carrying the schema tag.
    pub fn new(model: ModelInfo, duration_s: f64) -> Self {
        Transcript {
            schema: TRANSCRIPT_SCHEMA.to_string(),
            model,
            duration_s,
            segments: Vec::new(),
            words: Vec::new(),
            not_speech: Vec::new(),
        }
    }

    /// The whole text, segments joined by single spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            let t = seg.text.trim();
            if t.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_the_contract_field_names() {
        let mut t = Transcript::new(
            ModelInfo {
                name: "tiny.en".into(),
                file: "ggml-tiny.en.bin".into(),
                engine: "whisper.cpp".into(),
                ..Default::default()
            },
            1.5,
        );
        t.segments.push(Segment {
            start: 0.0,
            end: 1.5,
            text: " Hello there.".into(),
        });
        t.words.push(Word {
            start: 0.0,
            end: 0.5,
            text: "Hello".into(),
            p: 0.9,
        });
        let json = serde_json::to_value(&t).expect("serialise");
        for key in ["schema", "model", "duration_s", "segments", "words"] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["schema"], TRANSCRIPT_SCHEMA);
        assert_eq!(json["words"][0]["p"], 0.9f32 as f64);
        let back: Transcript = serde_json::from_value(json).expect("parse");
        assert_eq!(back, t);
        assert_eq!(back.text(), "Hello there.");
    }
}

/// Which backend and device a transcription ran on (kept in transcripts and reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Compute {
    /// `CPU`, `CUDA`, `Vulkan`, ...
    pub backend: String,
    /// The device's own description (`NVIDIA H200`; the CPU's model name).
    pub device: String,
}

impl std::fmt::Display for Compute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.device.is_empty() || self.device == self.backend {
            f.write_str(&self.backend)
        } else {
            write!(f, "{} ({})", self.backend, self.device)
        }
    }
}
