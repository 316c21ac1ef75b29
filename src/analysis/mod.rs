//! The coach: from a plain transcript (words with times) to a report against the
//! rubric. Knows nothing of audio or whisper.

pub mod boundaries;
pub mod checks;
pub mod cue;
pub mod features;
pub mod lexicon;
pub mod phases;
pub mod rubric;
pub mod sentences;
pub mod text;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::transcript::Transcript;
use lexicon::{Lexicons, Match};
pub use phases::{EncodeError, Phase, PhaseLabeller, SentenceEncoder, failure_share};
pub use rubric::Rubric;
use sentences::{SentenceSpan, SplitOptions, split};
use text::{Token, tokens_from_words};

pub const REPORT_SCHEMA: &str = "rehearse.report.v1";

/// A short answer in the textbook five-phase shape, shared by the unit tests.
#[cfg(test)]
pub(crate) const TEXTBOOK_ANSWER: &str = "I was a project coordinator at a small agency. I was responsible for the launch schedule. \
    I skipped the final review because I assumed the vendor had checked it, and the launch slipped two weeks. \
    I immediately called the client, apologized and rebuilt the plan with them that night. \
    Since then I always run a review checklist before every launch, and the last six launches shipped on time.";

/// Where the transcript came from, and how its times were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Audio,
    Text,
    Transcript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    Measured,
    Estimated,
}

impl Timing {
    /// How the human-readable reports qualify a length: `spoken` or `estimated`.
    pub fn word(self) -> &'static str {
        match self {
            Timing::Measured => "spoken",
            Timing::Estimated => "estimated",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputInfo {
    pub path: String,
    pub kind: InputKind,
    pub timing: Timing,
    /// The model and device that made the transcript (inputs that were audio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcribed: Option<Transcribed>,
}

/// Which recogniser turned the audio into words, and where it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcribed {
    pub model: String,
    /// `CPU`, `CUDA`, `Vulkan`, ...
    pub backend: String,
    /// The device's own name (`NVIDIA H200`, the CPU's model).
    pub device: String,
}

impl Transcribed {
    /// `CUDA (NVIDIA H200)`, or the backend alone when the device has no other name.
    pub fn device_text(&self) -> String {
        if self.device.is_empty() || self.device == self.backend {
            self.backend.clone()
        } else {
            format!("{} ({})", self.backend, self.device)
        }
    }
}

/// The coach's report: the `rehearse.report.v1` JSON contract (docs/report-schema.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub input: InputInfo,
    pub duration_s: f64,
    pub words: usize,
    pub wpm: f64,
    pub sentences: Vec<SentenceOut>,
    pub phases: PhaseTable,
    pub failure_share: f64,
    pub star: rubric::Star,
    pub fillers: LexiconStats,
    pub hedges: LexiconStats,
    pub flags: Flags,
    pub ownership: Ownership,
    pub quantified: Vec<Hit>,
    pub checks: Vec<checks::Check>,
    pub score: u32,
    /// How the score is made: check id → weight (from the rubric).
    pub score_weights: BTreeMap<String, f64>,
    /// The language the answer reads as, when it is reliably not English (the rubric's
    /// word lists and targets are for English answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// Set when a failed check capped the score below the weighted mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_cap: Option<checks::ScoreCap>,
    pub pace: Pace,
    pub rubric: RubricInfo,
    /// What labelled the phases: cue phrases and order alone, or with the sentence
    /// encoder's comparison to the rubric's examples.
    #[serde(default)]
    pub phase_labels: PhaseLabels,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseLabels {
    /// The trained labeller from the words alone (n-grams) and the phase order. The
    /// name is kept from report v1, when these were cue phrases.
    #[default]
    Cues,
    /// The same, plus the meaning of each sentence and its neighbours (sentence encoder).
    CuesAndEncoder,
}

impl PhaseLabels {
    /// One line for the human-readable reports.
    pub fn describe(self) -> &'static str {
        match self {
            PhaseLabels::Cues => {
                "phases labelled from the words and the usual order (no sentence encoder)"
            }
            PhaseLabels::CuesAndEncoder => {
                "phases labelled from the words, their meaning (sentence encoder) and the usual order"
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RubricInfo {
    pub name: String,
    pub version: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentenceOut {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub phase: Phase,
    pub words: usize,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct PhaseStat {
    pub seconds: f64,
    pub words: usize,
    pub share: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseTable {
    pub situation: PhaseStat,
    pub task: PhaseStat,
    pub failure: PhaseStat,
    pub response: PhaseStat,
    pub learning: PhaseStat,
}

impl PhaseTable {
    pub fn get(&self, p: Phase) -> &PhaseStat {
        match p {
            Phase::Situation => &self.situation,
            Phase::Task => &self.task,
            Phase::Failure => &self.failure,
            Phase::Response => &self.response,
            Phase::Learning => &self.learning,
        }
    }
    fn get_mut(&mut self, p: Phase) -> &mut PhaseStat {
        match p {
            Phase::Situation => &mut self.situation,
            Phase::Task => &mut self.task,
            Phase::Failure => &mut self.failure,
            Phase::Response => &mut self.response,
            Phase::Learning => &mut self.learning,
        }
    }
}

/// One piece of evidence: the words, when, and in which phase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    pub text: String,
    pub start: f64,
    pub end: f64,
    pub phase: Phase,
    /// Lexicon entry that matched (lower case).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// For hedges: honest reflection ("I might have caught it") rather than weak hedging.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reflective: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LexiconStats {
    pub total: usize,
    pub per_minute: f64,
    pub per_100_words: f64,
    /// Lower-case phrase → count.
    pub by_word: BTreeMap<String, usize>,
    /// Phase name → count.
    pub by_phase: BTreeMap<String, usize>,
    /// Fillers only: filled pauses (um, uh, er, ah, hmm) vs discourse markers (like,
    /// you know, I mean, basically, actually, literally).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled_pauses: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discourse_markers: Option<usize>,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flags {
    pub blame: Vec<Hit>,
    pub fake_failure: Vec<Hit>,
    pub over_apology: Vec<Hit>,
    pub catastrophic: Vec<Hit>,
    pub red_flag_topic: Vec<Hit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnershipLevel {
    High,
    Medium,
    Low,
}

/// Ownership of the failure: I vs we and passive voice, counted in the failure phase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ownership {
    pub i: usize,
    pub we: usize,
    pub passive: usize,
    pub passive_hits: Vec<Hit>,
    /// Whether any sentence states the speaker's own part ("I skipped…", "my fault").
    pub owns_mistake: bool,
    pub level: OwnershipLevel,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Pace {
    /// Words per minute in consecutive 30-second windows.
    pub windows: Vec<PaceWindow>,
    /// Every silence longer than the rubric's long pause.
    pub long_pauses: Vec<Pause>,
    /// The long silences inside a sentence: hesitations, reported apart from fillers.
    pub hesitations: Vec<Pause>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaceWindow {
    pub start: f64,
    pub end: f64,
    pub wpm: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pause {
    pub start: f64,
    pub end: f64,
    pub seconds: f64,
}

/// Everything the analysis computed, with the internals the reports need.
pub struct Analysis {
    pub report: Report,
    pub tokens: Vec<Token>,
    /// Phase of each token.
    pub token_phase: Vec<Phase>,
}

/// Runs the whole analysis with cue phrases alone (fast: no encoder).
pub fn analyze(transcript: &Transcript, input: InputInfo, rubric: &Rubric) -> Analysis {
    analyze_with(transcript, input, rubric, None)
}

/// Runs the whole analysis; the sentence encoder, when given, helps label the phases.
/// Should it fail, the phases come from the words alone and the report says so.
pub fn analyze_with(
    transcript: &Transcript,
    input: InputInfo,
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
) -> Analysis {
    analyze_with_labeller(transcript, input, rubric, encoder, PhaseLabeller::builtin())
}

/// The shortest clause a run-on sentence is cut into for labelling.
const RUN_ON_CLAUSE_WORDS: usize = 8;

/// The units the phases are labelled on by rule, for a model file without a learned
/// boundary model ([`PhaseLabeller::units`]): sentences, cut at punctuation, and where
/// timing is measured also at long pauses (speech recognisers punctuate unreliably);
/// run-ons (no full stop) further cut into clauses at clause openers.
pub fn phase_units(tokens: &[Token], measured: bool) -> Vec<SentenceSpan> {
    let sentences = split(
        tokens,
        SplitOptions {
            use_pauses: measured,
            ..SplitOptions::default()
        },
    );
    sentences::split_run_ons(tokens, sentences, RUN_ON_CLAUSE_WORDS)
}

/// The sentence encoder's vector of every unit, or `None` (with a warning) when it
/// fails: no vectors, the wrong number, or numbers that are not finite.
pub fn encode_units(encoder: &dyn SentenceEncoder, texts: &[String]) -> Option<Vec<Vec<f32>>> {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let checked = encoder.encode(&refs).and_then(|v| {
        if v.len() != texts.len() {
            Err(EncodeError(format!(
                "{} vectors for {} sentences",
                v.len(),
                texts.len()
            )))
        } else if v.iter().flatten().any(|x| !x.is_finite()) {
            Err(EncodeError(
                "it produced a vector that is not finite".into(),
            ))
        } else {
            Ok(v)
        }
    });
    checked
        .inspect_err(|e| log::warn!("{e}; phases labelled from the words alone"))
        .ok()
}

/// [`analyze_with`] with a given phase labeller (cross-validation trains its own).
pub fn analyze_with_labeller(
    transcript: &Transcript,
    input: InputInfo,
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    labeller: &PhaseLabeller,
) -> Analysis {
    let mut input = input;
    if input.transcribed.is_none() {
        input.transcribed = transcript.model.compute.as_ref().map(|c| Transcribed {
            model: transcript.model.name.clone(),
            backend: c.backend.clone(),
            device: c.device.clone(),
        });
    }
    let tokens = tokens_from_words(&transcript.words);
    let measured = input.timing == Timing::Measured;
    let labelled = label_phases(&tokens, measured, rubric, encoder, labeller);
    let shape = story_shape(&tokens, labelled.units, measured);
    let (duration_s, wpm) = pace_of_speech(tokens.len(), shape.span_s, measured, rubric);
    let at = HitMaker {
        tokens: &tokens,
        token_phase: &labelled.token_phase,
    };
    let lex = Lexicons::new(&rubric.lexicon);
    let habits = speech_habits(&at, &lex, rubric, duration_s / 60.0);
    let (flags, owned) = flags(&at, &lex, rubric, &habits.hedge_matches);
    let ownership = ownership(&at, &flags, &owned);
    let quantified = quantified(&at);
    let mut report = Report {
        schema: REPORT_SCHEMA.to_string(),
        input,
        duration_s,
        words: tokens.len(),
        wpm,
        sentences: shape.sentences,
        phases: shape.phases,
        failure_share: shape.failure_share,
        star: shape.star,
        fillers: habits.fillers,
        hedges: habits.hedges,
        flags,
        ownership,
        quantified,
        checks: Vec::new(),
        score: 0,
        score_weights: rubric.weights.clone(),
        score_cap: None,
        language: detect_language(&tokens),
        pace: pace(&tokens, rubric.targets.long_pause_s, measured),
        rubric: RubricInfo {
            name: rubric.name.clone(),
            version: rubric.version,
        },
        phase_labels: labelled.phase_labels,
    };
    let learning = checks::learning_specificity(&lex, &tokens, &labelled.token_phase);
    report.checks = checks::run(&report, rubric, &learning);
    (report.score, report.score_cap) =
        checks::capped_score(&report.checks, &rubric.weights, &rubric.score_caps);
    Analysis {
        report,
        tokens,
        token_phase: labelled.token_phase,
    }
}

/// The phase of every unit and token, and which evidence labelled them.
struct Labelled {
    /// Each unit's span, phase and text.
    units: Vec<(SentenceSpan, Phase, String)>,
    token_phase: Vec<Phase>,
    phase_labels: PhaseLabels,
}

/// Step 1: units (sentences, run-ons cut into clauses), their vectors when the encoder
/// is there and wanted, and the labeller's phase for each.
fn label_phases(
    tokens: &[Token],
    measured: bool,
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    labeller: &PhaseLabeller,
) -> Labelled {
    let spans = labeller.units(tokens, measured);
    let units: Vec<&[Token]> = spans.iter().map(|s| &tokens[s.first..s.last]).collect();
    let texts: Vec<String> = units.iter().map(|u| raw_text(u)).collect();
    let vectors = encoder
        .filter(|_| rubric.phases.use_encoder)
        .and_then(|enc| encode_units(enc, &texts));
    let phase_labels = if vectors.is_some() {
        PhaseLabels::CuesAndEncoder
    } else {
        PhaseLabels::Cues
    };
    let labels = labeller.label(&units, vectors.as_deref());
    let mut token_phase = vec![Phase::Situation; tokens.len()];
    for (s, p) in spans.iter().zip(&labels) {
        token_phase[s.first..s.last].fill(*p);
    }
    Labelled {
        units: spans
            .into_iter()
            .zip(labels)
            .zip(texts)
            .map(|((s, p), t)| (s, p, t))
            .collect(),
        token_phase,
        phase_labels,
    }
}

/// The story's shape: time, words and share per phase, the sentences, the failure
/// share and the STAR proportions.
struct Shape {
    phases: PhaseTable,
    sentences: Vec<SentenceOut>,
    failure_share: f64,
    star: rubric::Star,
    /// First word's start to last word's end.
    span_s: f64,
}

/// Step 2: a sentence owns the silence after it, so the phase times add up to the
/// speech span; shares are in spoken time when measured, in words for text (domain.md).
fn story_shape(
    tokens: &[Token],
    units: Vec<(SentenceSpan, Phase, String)>,
    measured: bool,
) -> Shape {
    let first_start = tokens.first().map(|t| t.start).unwrap_or(0.0);
    let last_end = tokens.last().map(|t| t.end).unwrap_or(0.0);
    let span_s = (last_end - first_start).max(0.0);
    let mut phases = PhaseTable::default();
    let mut sentences = Vec::with_capacity(units.len());
    let starts: Vec<f64> = units.iter().map(|(s, _, _)| s.start).collect();
    for (k, (s, p, text)) in units.into_iter().enumerate() {
        let until = starts.get(k + 1).copied().unwrap_or(s.end);
        let stat = phases.get_mut(p);
        stat.seconds += (until - s.start).max(0.0);
        stat.words += s.last - s.first;
        sentences.push(SentenceOut {
            start: s.start,
            end: s.end,
            text,
            phase: p,
            words: s.last - s.first,
        });
    }
    let total_words = tokens.len();
    let share_of = |st: &PhaseStat| {
        if measured {
            if span_s > 0.0 {
                st.seconds / span_s
            } else {
                0.0
            }
        } else if total_words > 0 {
            st.words as f64 / total_words as f64
        } else {
            0.0
        }
    };
    for p in Phase::ALL {
        let share = share_of(phases.get(p));
        phases.get_mut(p).share = share;
    }
    let failure_share = failure_share(Phase::ALL.map(|p| phases.get(p).share));
    let star = rubric::Star {
        S: phases.situation.share,
        T: phases.task.share,
        A: phases.failure.share + phases.response.share,
        R: phases.learning.share,
    };
    Shape {
        phases,
        sentences,
        failure_share,
        star,
        span_s,
    }
}

/// Step 3: the answer's length (spoken, or estimated from the words at the rubric's
/// text pace) and its words per minute.
fn pace_of_speech(words: usize, span_s: f64, measured: bool, rubric: &Rubric) -> (f64, f64) {
    let duration_s = if measured {
        span_s
    } else {
        words as f64 * 60.0 / rubric.targets.text_wpm
    };
    let minutes = duration_s / 60.0;
    let wpm = if minutes > 0.0 {
        words as f64 / minutes
    } else {
        0.0
    };
    (duration_s, wpm)
}

/// Turns lexicon matches into report hits, with their time and phase.
struct HitMaker<'a> {
    tokens: &'a [Token],
    token_phase: &'a [Phase],
}

impl HitMaker<'_> {
    fn phase_at(&self, i: usize) -> Phase {
        self.token_phase.get(i).copied().unwrap_or(Phase::Situation)
    }

    fn hit(&self, m: &Match) -> Hit {
        Hit {
            text: self.tokens[m.first..m.last]
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            start: self.tokens[m.first].start,
            end: self.tokens[m.last - 1].end,
            phase: self.phase_at(m.first),
            key: m.key.clone(),
            reflective: false,
        }
    }

    fn hits(&self, ms: Vec<Match>) -> Vec<Hit> {
        ms.iter().map(|m| self.hit(m)).collect()
    }
}

struct Habits {
    fillers: LexiconStats,
    hedges: LexiconStats,
    hedge_matches: Vec<Match>,
}

/// Step 4: fillers and hedges, counted per minute, per 100 words, per word and phase.
fn speech_habits(at: &HitMaker, lex: &Lexicons, rubric: &Rubric, minutes: f64) -> Habits {
    let total_words = at.tokens.len();
    let hedge_matches = lex.hedges(at.tokens);
    let filler_matches = lex.fillers(at.tokens, &hedge_matches);
    let stats = |ms: &[Match], reflective: &dyn Fn(&Match) -> bool| {
        let mut s = LexiconStats {
            total: ms.len(),
            ..Default::default()
        };
        s.per_minute = if minutes > 0.0 {
            ms.len() as f64 / minutes
        } else {
            0.0
        };
        s.per_100_words = if total_words > 0 {
            ms.len() as f64 * 100.0 / total_words as f64
        } else {
            0.0
        };
        for m in ms {
            *s.by_word.entry(m.key.clone()).or_default() += 1;
            *s.by_phase
                .entry(at.phase_at(m.first).name().to_string())
                .or_default() += 1;
            let mut h = at.hit(m);
            h.reflective = reflective(m);
            s.hits.push(h);
        }
        s
    };
    let mut fillers = stats(&filler_matches, &|_| false);
    let filled = filler_matches
        .iter()
        .filter(|m| rubric.lexicon.filled_pauses.contains(&m.key))
        .count();
    fillers.filled_pauses = Some(filled);
    fillers.discourse_markers = Some(filler_matches.len() - filled);
    let hedges = stats(&hedge_matches, &|m| {
        lex.is_reflective(at.tokens, m, at.phase_at(m.first))
    });
    Habits {
        fillers,
        hedges,
        hedge_matches,
    }
}

/// Step 5: blame, humble-brag, over-apology, dramatic language and risky topics, and
/// whether the speaker names a mistake of their own.
fn flags(
    at: &HitMaker,
    lex: &Lexicons,
    rubric: &Rubric,
    hedges: &[Match],
) -> (Flags, lexicon::OwnedMistake) {
    let tokens = at.tokens;
    let owned = lexicon::owns_a_mistake(tokens, hedges);
    let mut blame = at.hits(lex.blame(tokens));
    // Paraphrased blame is only blame when the speaker names no part of their own.
    if owned.owned && blame.len() < 2 {
        blame.retain(|h| rubric.lexicon.explicit_blame.contains(&h.key));
    }
    let phase_at = |i: usize| at.phase_at(i);
    let flags = Flags {
        blame,
        fake_failure: at.hits(lex.fake_failure(tokens)),
        over_apology: at.hits(lex.over_apology(tokens)),
        catastrophic: at.hits(lex.catastrophic(tokens)),
        red_flag_topic: at.hits(lex.red_flags(tokens, &phase_at)),
    };
    (flags, owned)
}

/// Step 6: ownership in the failure phase: "I" against "we" and the passive voice.
fn ownership(at: &HitMaker, flags: &Flags, owned: &lexicon::OwnedMistake) -> Ownership {
    let failure_idx: Vec<usize> = (0..at.tokens.len())
        .filter(|&i| at.phase_at(i) == Phase::Failure)
        .collect();
    let failure_tokens: Vec<Token> = failure_idx.iter().map(|&i| at.tokens[i].clone()).collect();
    let (i_count, we_count, passive) = lexicon::ownership_counts(&failure_tokens);
    let passive_hits: Vec<Hit> = passive
        .iter()
        .map(|&(a, b)| {
            at.hit(&Match {
                key: String::new(),
                first: failure_idx[a],
                last: failure_idx[b - 1] + 1,
            })
        })
        .collect();
    let level = if !flags.blame.is_empty() || !flags.fake_failure.is_empty() || !owned.owned {
        OwnershipLevel::Low
    } else if we_count > 2 * i_count || passive.len() * 3 > i_count.max(1) || owned.hedged {
        OwnershipLevel::Medium
    } else {
        OwnershipLevel::High
    };
    Ownership {
        i: i_count,
        we: we_count,
        passive: passive.len(),
        passive_hits,
        owns_mistake: owned.owned,
        level,
    }
}

/// Step 7: numbers in the failure, response and learning (the impact and the result).
fn quantified(at: &HitMaker) -> Vec<Hit> {
    lexicon::quantities(at.tokens)
        .into_iter()
        .filter(|(a, _)| {
            matches!(
                at.phase_at(*a),
                Phase::Failure | Phase::Response | Phase::Learning
            )
        })
        .map(|(a, b)| {
            at.hit(&Match {
                key: String::new(),
                first: a,
                last: b,
            })
        })
        .collect()
}

/// A language other than English that an answer reliably reads as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-3 code (`fra`, `cmn`).
    pub code: String,
    /// In English ("French").
    pub name: String,
    /// whatlang's confidence, 0–1.
    pub confidence: f64,
}

/// Answers with fewer letters than this are too short to tell their language (letters,
/// not words: Chinese writes no spaces).
const LANGUAGE_MIN_LETTERS: usize = 40;

/// The answer's language when it is reliably not English (whatlang: trigram profiles of
/// 69 languages). `None` for English, and for text too short or mixed to tell.
fn detect_language(tokens: &[Token]) -> Option<Language> {
    let text = raw_text(tokens);
    if text.chars().filter(|c| c.is_alphabetic()).count() < LANGUAGE_MIN_LETTERS {
        return None;
    }
    let info = whatlang::detect(&text)?;
    (info.is_reliable() && info.lang() != whatlang::Lang::Eng).then(|| Language {
        code: info.lang().code().to_string(),
        name: info.lang().eng_name().to_string(),
        confidence: info.confidence(),
    })
}

/// Words as written, with their attached punctuation.
pub fn raw_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn pace(tokens: &[Token], long_pause_s: f64, measured: bool) -> Pace {
    let mut p = Pace::default();
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return p;
    };
    let mut start = first.start;
    while start < last.end {
        let end = (start + 30.0).min(last.end);
        let n = tokens
            .iter()
            .filter(|t| t.start >= start && t.start < end)
            .count();
        let minutes = (end - start) / 60.0;
        if minutes > 0.05 {
            p.windows.push(PaceWindow {
                start,
                end,
                wpm: n as f64 / minutes,
            });
        }
        start = end;
    }
    if !measured {
        return p;
    }
    for w in tokens.windows(2) {
        let gap = w[1].start - w[0].end;
        if gap > long_pause_s {
            let pause = Pause {
                start: w[0].end,
                end: w[1].start,
                seconds: gap,
            };
            // Mid-sentence (no full stop before it): a hesitation.
            if !w[0].sentence_end {
                p.hesitations.push(pause.clone());
            }
            p.long_pauses.push(pause);
        }
    }
    p
}
