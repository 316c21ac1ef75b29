//! The one way to score an answer. Every front end (`score`, `practice`, `batch`,
//! `eval`, and the drills to come) builds a [`Coach`] once and hands it [`Input`]s:
//! a file of any kind, a text, a transcript or audio samples. The coach transcribes
//! what needs it, analyses, and returns the [`Scored`] answer; front ends only print.

pub mod input;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::analysis::{
    Analysis, InputInfo, InputKind, Rubric, SentenceEncoder, Timing, analyze, analyze_with,
};
use crate::config::RecogniserSettings;
use crate::embed::MiniLm;
use crate::transcribe::stream::{LONG_FILE_S, transcribe_file_in_pieces};
use crate::transcribe::{LoadError, Recogniser};
use crate::transcript::Transcript;

#[derive(Debug, thiserror::Error)]
pub enum CoachError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot open {name}: {source}")]
    Open {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {name}: {source}")]
    Read {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name} is not UTF-8 text")]
    NotUtf8 { name: String },
    #[error("{name} is not valid JSON: {what}")]
    NotJson { name: String, what: String },
    #[error(
        "{name} is not a transcript: expected \"schema\": \"{}\" (made by `rehearse transcribe --json`)",
        crate::transcript::TRANSCRIPT_SCHEMA
    )]
    NotTranscript { name: String },
    #[error("{name}: transcript fields are malformed: {what}")]
    MalformedTranscript { name: String, what: String },
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    #[error("transcribing {name}: {source}")]
    Transcribe {
        name: String,
        #[source]
        source: crate::transcribe::stream::FileError,
    },
    #[error("{name}: no words found: nothing to score (silent recording or empty file?)")]
    NoWords { name: String },
}

/// Something to score. Audio samples are 16 kHz mono.
pub enum Input<'a> {
    /// A recording of any supported format, a written draft (.txt, .md) or a saved
    /// transcript (.json); the kind is told from the extension or the first bytes.
    File(&'a Path),
    /// A written draft.
    Text(&'a str),
    /// A transcript made earlier (times measured unless it was made from text).
    Transcript(Box<Transcript>),
    /// Audio already decoded (a batch's reader, a take).
    Samples(&'a [f32]),
}

/// Whisper's progress on the current input, 0–100. whisper.cpp keeps the closure it
/// is given, hence `'static`.
pub type Progress = Option<Box<dyn FnMut(i32)>>;

/// A scored answer: the analysis, the transcript it was made from, and notes for the
/// user (a repaired WAV header, a thread count cut to the cores).
pub struct Scored {
    pub analysis: Analysis,
    pub transcript: Transcript,
    pub notes: Vec<String>,
}

/// The rubric, the sentence encoder and the recogniser one run scores with. The
/// recogniser is loaded the first time audio needs it, so a text never waits for
/// (or needs) a model.
pub struct Coach {
    rubric: Rubric,
    encoder: Option<Arc<MiniLm>>,
    settings: RecogniserSettings,
    recogniser: OnceLock<Recogniser>,
}

impl Coach {
    pub fn new(
        rubric: Rubric,
        encoder: Option<Arc<MiniLm>>,
        settings: RecogniserSettings,
    ) -> Coach {
        Coach {
            rubric,
            encoder,
            settings,
            recogniser: OnceLock::new(),
        }
    }

    /// A coach with the rubric of `rubric_file` (the built-in one when `None`).
    pub fn with_rubric(
        rubric_file: Option<&Path>,
        encoder: Option<Arc<MiniLm>>,
        settings: RecogniserSettings,
    ) -> Result<Coach, crate::analysis::rubric::RubricError> {
        Ok(Coach::new(Rubric::load(rubric_file)?, encoder, settings))
    }

    pub fn rubric(&self) -> &Rubric {
        &self.rubric
    }

    /// The encoder as the analysis takes it.
    pub fn sentence_encoder(&self) -> Option<&dyn SentenceEncoder> {
        self.encoder.as_deref().map(|e| e as &dyn SentenceEncoder)
    }

    pub fn encoder(&self) -> Option<&MiniLm> {
        self.encoder.as_deref()
    }

    /// The recogniser, loaded (model resolved, verified and read) on first use.
    pub fn recogniser(&self) -> Result<&Recogniser, LoadError> {
        if let Some(r) = self.recogniser.get() {
            return Ok(r);
        }
        let r = Recogniser::load(&self.settings)?;
        Ok(self.recogniser.get_or_init(|| r))
    }

    /// The recogniser, to adjust its options before the coach is shared (a batch sets
    /// threads per worker).
    pub fn recogniser_mut(&mut self) -> Result<&mut Recogniser, LoadError> {
        self.recogniser()?;
        self.recogniser.get_mut().ok_or(LoadError::NotLoaded)
    }

    /// Decodes and transcribes a recording. Long ones (or of unknown length, such as
    /// standard input) go in pieces as they decode, so memory does not grow with them.
    /// `name` is how errors and notes call the file.
    pub fn transcribe_file(
        &self,
        path: &Path,
        name: &str,
        mut progress: Progress,
    ) -> Result<(Transcript, Vec<String>), CoachError> {
        let rec = self.recogniser()?;
        let mut notes = rec.notes.clone();
        let failed = |source| CoachError::Transcribe {
            name: name.to_string(),
            source,
        };
        let long = crate::audio::duration_hint(path).is_none_or(|d| d > LONG_FILE_S);
        let transcript = if long {
            let (info, t) =
                transcribe_file_in_pieces(&rec.engine, &rec.opts, path, &mut |done, total| {
                    if let Some(p) = progress.as_mut() {
                        p((done * 100).checked_div(total).unwrap_or(0) as i32);
                    }
                })
                .map_err(|e| match e {
                    crate::transcribe::stream::FileError::Audio(a) => CoachError::Audio(a),
                    e => failed(e),
                })?;
            notes.extend(info.notes);
            t
        } else {
            let audio = crate::audio::decode_file_16k(path, &mut |_, _| {})?;
            notes.extend(audio.notes);
            rec.engine
                .transcribe(&audio.samples, &rec.opts, progress)
                .map_err(|e| failed(e.into()))?
        };
        Ok((transcript, notes))
    }

    /// Scores one input; `name` is how the report and errors call it (a path, `-`).
    pub fn score(
        &self,
        input: Input,
        name: &str,
        progress: Progress,
    ) -> Result<Scored, CoachError> {
        let mut notes = Vec::new();
        let (transcript, kind, timing) = match input {
            Input::File(path) => match input::kind_of(path)? {
                InputKind::Audio => {
                    let (t, n) = self.transcribe_file(path, name, progress)?;
                    notes = n;
                    (t, InputKind::Audio, Timing::Measured)
                }
                InputKind::Text => {
                    let text = input::read_text(path, name)?;
                    (
                        self.text_transcript(&text),
                        InputKind::Text,
                        Timing::Estimated,
                    )
                }
                InputKind::Transcript => {
                    let t = input::read_transcript(path, name)?;
                    let timing = timing_of(&t);
                    (t, InputKind::Transcript, timing)
                }
            },
            Input::Text(text) => (
                self.text_transcript(text),
                InputKind::Text,
                Timing::Estimated,
            ),
            Input::Transcript(t) => {
                let timing = timing_of(&t);
                (*t, InputKind::Transcript, timing)
            }
            Input::Samples(samples) => {
                let rec = self.recogniser()?;
                notes = rec.notes.clone();
                let t = rec
                    .engine
                    .transcribe(samples, &rec.opts, progress)
                    .map_err(|e| CoachError::Transcribe {
                        name: name.to_string(),
                        source: e.into(),
                    })?;
                (t, InputKind::Audio, Timing::Measured)
            }
        };
        if transcript.words.is_empty() {
            return Err(CoachError::NoWords {
                name: name.to_string(),
            });
        }
        let info = InputInfo {
            path: name.to_string(),
            kind,
            timing,
            transcribed: None,
        };
        let analysis = self.analyze(&transcript, info);
        Ok(Scored {
            analysis,
            transcript,
            notes,
        })
    }

    /// The analysis of a transcript made from audio just now (a take's).
    pub fn score_heard(&self, transcript: Transcript, name: &str) -> Result<Scored, CoachError> {
        if transcript.words.is_empty() {
            return Err(CoachError::NoWords {
                name: name.to_string(),
            });
        }
        let info = InputInfo {
            path: name.to_string(),
            kind: InputKind::Audio,
            timing: Timing::Measured,
            transcribed: None,
        };
        Ok(Scored {
            analysis: self.analyze(&transcript, info),
            transcript,
            notes: Vec::new(),
        })
    }

    /// The full analysis, phases labelled with the sentence encoder when there is one.
    pub fn analyze(&self, transcript: &Transcript, info: InputInfo) -> Analysis {
        analyze_with(
            transcript,
            info,
            &self.rubric,
            self.encoder.as_deref().map(|e| e as &dyn SentenceEncoder),
        )
    }

    /// A quick analysis from the words alone, for what is heard during a take (the
    /// live cue): about a millisecond, no encoder.
    pub fn glance(&self, transcript: &Transcript) -> Analysis {
        let info = InputInfo {
            path: String::new(),
            kind: InputKind::Audio,
            timing: Timing::Measured,
            transcribed: None,
        };
        analyze(transcript, info, &self.rubric)
    }

    fn text_transcript(&self, text: &str) -> Transcript {
        crate::analysis::text::transcript_from_text(text, self.rubric.targets.text_wpm)
    }
}

/// A transcript made from text keeps estimated timing.
fn timing_of(t: &Transcript) -> Timing {
    if t.model.engine == "text" {
        Timing::Estimated
    } else {
        Timing::Measured
    }
}
