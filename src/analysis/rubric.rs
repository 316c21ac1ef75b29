//! The rubric: targets, score weights, lexicons and phase cues, as data.
//!
//! The built-in rubric (`rubrics/failure.toml`) is compiled in; a user's file is
//! merged over it key by key, so it only needs the values it changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const BUILTIN: &str = include_str!("../../rubrics/failure.toml");

#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    #[error("cannot read rubric {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("rubric {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("rubric {path}: {message}\n  See rubrics/failure.toml for every key and its meaning")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub name: String,
    pub version: u32,
    pub targets: Targets,
    /// Check id → weight in the overall score.
    pub weights: BTreeMap<String, f64>,
    /// Check id → the highest score when that check fails.
    #[serde(default)]
    pub score_caps: BTreeMap<String, f64>,
    pub lexicon: Lexicon,
    pub phases: PhaseSettings,
    pub drills: Drills,
}

/// The timing drills' lengths and prompts (`rehearse drill`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drills {
    pub star_length_s: f64,
    pub slot_tolerance: f64,
    pub learning_min_s: f64,
    pub learning_max_s: f64,
    /// Phrases that make a last sentence forward-looking (the learning drill).
    pub forward_markers: Vec<String>,
    pub clean_length_s: f64,
    /// The prompt of each STAR slot.
    pub prompts: StarPrompts,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct StarPrompts {
    pub S: String,
    pub T: String,
    pub A: String,
    pub R: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub duration_min_s: f64,
    pub duration_max_s: f64,
    pub duration_short_s: f64,
    pub duration_long_s: f64,
    pub failure_share_target: f64,
    pub failure_share_acceptable: f64,
    pub star: Star,
    pub star_tolerance: f64,
    pub wpm_low: f64,
    pub wpm_high: f64,
    pub long_pause_s: f64,
    pub fillers_per_min_warn: f64,
    pub fillers_per_min_fail: f64,
    pub hedges_per_100w_warn: f64,
    pub hedges_per_100w_fail: f64,
    pub text_wpm: f64,
}

/// STAR shares: Situation, Task, Action (failure + response), Result (learning).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
#[allow(non_snake_case)]
pub struct Star {
    pub S: f64,
    pub T: f64,
    pub A: f64,
    pub R: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    pub filled_pauses: Vec<String>,
    pub discourse_markers: Vec<String>,
    pub hedges: Vec<String>,
    pub reflective_hedges: Vec<String>,
    pub blame: Vec<String>,
    /// Phrases of `blame` that are blame however much the speaker owns elsewhere.
    pub explicit_blame: Vec<String>,
    pub fake_failure: Vec<String>,
    pub over_apology: Vec<String>,
    pub catastrophic: Vec<String>,
    pub catastrophic_exceptions: Vec<String>,
    pub red_flag_topic: Vec<String>,
    pub red_flag_recency: Vec<String>,
    pub specific_learning: Vec<String>,
    pub generic_learning: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseSettings {
    /// Whether the phase labeller reads the sentence encoder's vectors (when installed).
    pub use_encoder: bool,
}

/// Keys of rubric version 1 that the trained phase labeller replaced.
const RETIRED_PHASE_KEYS: &[&str] = &["encoder_weight", "cues", "examples"];

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The first phase-cue key of the old rubric format in a user's file, if any.
fn retired_phase_key(over: &toml::Value) -> Option<String> {
    let phases = over.get("phases")?.as_table()?;
    for (k, v) in phases {
        if RETIRED_PHASE_KEYS.contains(&k.as_str()) {
            return Some(format!("phases.{k}"));
        }
        if let Some(t) = v.as_table()
            && let Some(inner) = t
                .keys()
                .find(|k2| RETIRED_PHASE_KEYS.contains(&k2.as_str()))
        {
            return Some(format!("phases.{k}.{inner}"));
        }
    }
    None
}

impl Rubric {
    /// The compiled-in rubric for the failure question.
    pub fn builtin() -> Rubric {
        // Checked by a unit test; a broken built-in rubric is a build defect.
        toml::from_str(BUILTIN).unwrap_or_else(|e| panic!("rubrics/failure.toml: {e}"))
    }

    /// The user's rubric merged over the built-in one, or the built-in one.
    pub fn load(path: Option<&Path>) -> Result<Rubric, RubricError> {
        path.map_or_else(|| Ok(Rubric::builtin()), Rubric::load_override)
    }

    /// The built-in rubric with a user's file merged over it.
    pub fn load_override(path: &Path) -> Result<Rubric, RubricError> {
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_override_str(&text, path)
    }

    pub fn from_override_str(text: &str, path: &Path) -> Result<Rubric, RubricError> {
        let over: toml::Value = toml::from_str(text).map_err(|e| RubricError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut base: toml::Value = toml::from_str(BUILTIN).map_err(|e| RubricError::Syntax {
            path: PathBuf::from("built-in"),
            message: e.to_string(),
        })?;
        if let Some(key) = retired_phase_key(&over) {
            return Err(RubricError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "{key} is no longer used: the phases are labelled by a classifier trained on labelled answers (docs/accuracy.md). Remove it; `[phases] use_encoder = false` labels from the words alone"
                ),
            });
        }
        merge(&mut base, over);
        let rubric: Rubric =
            base.try_into()
                .map_err(|e: toml::de::Error| RubricError::Invalid {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
        rubric.validate().map_err(|message| RubricError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(rubric)
    }

    /// Every number finite and in its range, and the orderings that make the checks
    /// coherent. The message names the key and the allowed range.
    fn validate(&self) -> Result<(), String> {
        // An explicit-blame phrase is found through the blame list, so it must be on it.
        if let Some(p) = self
            .lexicon
            .explicit_blame
            .iter()
            .find(|p| !self.lexicon.blame.contains(p))
        {
            return Err(format!(
                "lexicon.explicit_blame: {p:?} is not in lexicon.blame; add it there too"
            ));
        }
        let t = &self.targets;
        // (key, value, lowest, highest): the ranges a coaching target can sensibly take.
        let d = &self.drills;
        let ranges: [(&str, f64, f64, f64); 24] = [
            ("drills.star_length_s", d.star_length_s, 10.0, 3_600.0),
            ("drills.slot_tolerance", d.slot_tolerance, 0.0, 1.0),
            ("drills.learning_min_s", d.learning_min_s, 5.0, 3_600.0),
            ("drills.learning_max_s", d.learning_max_s, 5.0, 3_600.0),
            ("drills.clean_length_s", d.clean_length_s, 5.0, 3_600.0),
            (
                "targets.duration_short_s",
                t.duration_short_s,
                0.0,
                36_000.0,
            ),
            ("targets.duration_min_s", t.duration_min_s, 0.0, 36_000.0),
            ("targets.duration_max_s", t.duration_max_s, 1.0, 36_000.0),
            ("targets.duration_long_s", t.duration_long_s, 1.0, 36_000.0),
            (
                "targets.failure_share_target",
                t.failure_share_target,
                0.0,
                1.0,
            ),
            (
                "targets.failure_share_acceptable",
                t.failure_share_acceptable,
                0.0,
                1.0,
            ),
            ("targets.star.S", t.star.S, 0.0, 1.0),
            ("targets.star.T", t.star.T, 0.0, 1.0),
            ("targets.star.A", t.star.A, 0.0, 1.0),
            ("targets.star.R", t.star.R, 0.0, 1.0),
            ("targets.star_tolerance", t.star_tolerance, 0.01, 1.0),
            ("targets.wpm_low", t.wpm_low, 1.0, 1000.0),
            ("targets.wpm_high", t.wpm_high, 1.0, 1000.0),
            ("targets.long_pause_s", t.long_pause_s, 0.1, 60.0),
            (
                "targets.fillers_per_min_warn",
                t.fillers_per_min_warn,
                0.0,
                1000.0,
            ),
            (
                "targets.fillers_per_min_fail",
                t.fillers_per_min_fail,
                0.0,
                1000.0,
            ),
            (
                "targets.hedges_per_100w_warn",
                t.hedges_per_100w_warn,
                0.0,
                100.0,
            ),
            (
                "targets.hedges_per_100w_fail",
                t.hedges_per_100w_fail,
                0.0,
                100.0,
            ),
            ("targets.text_wpm", t.text_wpm, 30.0, 600.0),
        ];
        for (key, v, lo, hi) in ranges {
            if !(v.is_finite() && (lo..=hi).contains(&v)) {
                return Err(format!("{key} = {v}: must be a number from {lo} to {hi}"));
            }
        }
        let order: [(&str, bool); 7] = [
            (
                "drills: need learning_min_s <= learning_max_s",
                d.learning_min_s <= d.learning_max_s,
            ),
            (
                "targets: need duration_short_s <= duration_min_s <= duration_max_s <= duration_long_s",
                t.duration_short_s <= t.duration_min_s
                    && t.duration_min_s <= t.duration_max_s
                    && t.duration_max_s <= t.duration_long_s,
            ),
            (
                "targets: need failure_share_target <= failure_share_acceptable",
                t.failure_share_target <= t.failure_share_acceptable,
            ),
            ("targets: need wpm_low < wpm_high", t.wpm_low < t.wpm_high),
            (
                "targets: need fillers_per_min_warn <= fillers_per_min_fail",
                t.fillers_per_min_warn <= t.fillers_per_min_fail,
            ),
            (
                "targets: need hedges_per_100w_warn <= hedges_per_100w_fail",
                t.hedges_per_100w_warn <= t.hedges_per_100w_fail,
            ),
            (
                "targets.star: S + T + A + R must add up to 1 (shares of the whole answer)",
                ((t.star.S + t.star.T + t.star.A + t.star.R) - 1.0).abs() <= 0.01,
            ),
        ];
        if let Some((message, _)) = order.iter().find(|(_, ok)| !ok) {
            return Err((*message).to_string());
        }
        for (key, w) in &self.weights {
            if !(w.is_finite() && (0.0..=1000.0).contains(w)) {
                return Err(format!(
                    "weights.{key} = {w}: must be a number from 0 to 1000"
                ));
            }
        }
        for (key, c) in &self.score_caps {
            if !(c.is_finite() && (0.0..=100.0).contains(c)) {
                return Err(format!(
                    "score_caps.{key} = {c}: must be a number from 0 to 100"
                ));
            }
        }
        if self.weights.values().all(|w| *w == 0.0) {
            return Err(
                "weights: all are 0, so the score would mean nothing; give at least one check a weight above 0"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_blame_must_be_on_the_blame_list() {
        let p = Path::new("mine.toml");
        let e = Rubric::from_override_str("[lexicon]\nexplicit_blame = [\"the intern did it\"]", p)
            .expect_err("not on the blame list");
        assert!(e.to_string().contains("lexicon.explicit_blame"), "{e}");
        let ok =
            "[lexicon]\nblame = [\"the intern did it\"]\nexplicit_blame = [\"the intern did it\"]";
        assert!(Rubric::from_override_str(ok, p).is_ok());
    }

    #[test]
    fn builtin_rubric_is_valid() {
        let r = Rubric::builtin();
        assert!(r.validate().is_ok());
        assert_eq!(r.targets.duration_min_s, 120.0);
        assert!(
            (r.targets.star.S + r.targets.star.T + r.targets.star.A + r.targets.star.R - 1.0).abs()
                < 1e-9
        );
    }

    #[test]
    fn an_override_changes_only_what_it_names() {
        let r = Rubric::from_override_str(
            "[targets]\nduration_max_s = 150.0\n[weights]\npace = 0\n",
            Path::new("mine.toml"),
        )
        .expect("merge");
        assert_eq!(r.targets.duration_max_s, 150.0);
        assert_eq!(r.targets.duration_min_s, 120.0);
        assert_eq!(r.weights["pace"], 0.0);
        assert_eq!(r.weights["blame"], 10.0);
    }

    #[test]
    fn bad_overrides_are_explained() {
        let e = Rubric::from_override_str("[targets]\nduraton_max_s = 1\n", Path::new("mine.toml"))
            .expect_err("typo");
        assert!(
            e.to_string().contains("duraton_max_s") && e.to_string().contains("mine.toml"),
            "{e}"
        );
        let e = Rubric::from_override_str(
            "[phases.failure]\ncues = [\"oops\"]\n",
            Path::new("old.toml"),
        )
        .expect_err("retired key");
        assert!(
            e.to_string().contains("phases.failure.cues") && e.to_string().contains("use_encoder"),
            "{e}"
        );
        for (bad, key) in [
            ("[targets]\ntext_wpm = nan\n", "targets.text_wpm = NaN"),
            ("[targets]\ntext_wpm = inf\n", "targets.text_wpm = inf"),
            (
                "[targets]\nfillers_per_min_warn = -1.0\n",
                "targets.fillers_per_min_warn = -1",
            ),
            (
                "[targets]\nhedges_per_100w_fail = -2.0\n",
                "targets.hedges_per_100w_fail = -2",
            ),
            (
                "[targets]\nlong_pause_s = -1.0\n",
                "targets.long_pause_s = -1",
            ),
            (
                "[targets]\nstar_tolerance = -0.1\n",
                "targets.star_tolerance = -0.1",
            ),
            ("[weights]\nblame = nan\n", "weights.blame = NaN"),
        ] {
            let e = Rubric::from_override_str(bad, Path::new("m.toml")).expect_err(bad);
            assert!(
                e.to_string().contains(key) && e.to_string().contains("must be a number from"),
                "{bad}: {e}"
            );
        }
        let zero: String = Rubric::builtin()
            .weights
            .keys()
            .map(|k| format!("{k} = 0\n"))
            .collect();
        let e = Rubric::from_override_str(&format!("[weights]\n{zero}"), Path::new("m.toml"))
            .expect_err("all-zero weights");
        assert!(e.to_string().contains("all are 0"), "{e}");
        let e =
            Rubric::from_override_str("[targets\n", Path::new("mine.toml")).expect_err("syntax");
        assert!(e.to_string().contains("not valid TOML"), "{e}");
        let e =
            Rubric::from_override_str("[targets]\nduration_min_s = 500.0\n", Path::new("m.toml"))
                .expect_err("order");
        assert!(e.to_string().contains("duration_short_s"), "{e}");
    }
}
