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
    pub lexicon: Lexicon,
    pub phases: PhaseSettings,
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

    fn validate(&self) -> Result<(), String> {
        let t = &self.targets;
        if !(t.duration_short_s <= t.duration_min_s
            && t.duration_min_s <= t.duration_max_s
            && t.duration_max_s <= t.duration_long_s)
        {
            return Err("targets: need duration_short_s <= duration_min_s <= duration_max_s <= duration_long_s".into());
        }
        if !(0.0..=1.0).contains(&t.failure_share_target)
            || t.failure_share_acceptable < t.failure_share_target
        {
            return Err(
                "targets: failure_share_target must be in 0..1 and <= failure_share_acceptable"
                    .into(),
            );
        }
        if t.text_wpm <= 0.0 {
            return Err("targets: text_wpm must be positive".into());
        }
        if self.weights.values().any(|w| *w < 0.0 || !w.is_finite()) {
            return Err("weights: every weight must be a non-negative number".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let e =
            Rubric::from_override_str("[targets\n", Path::new("mine.toml")).expect_err("syntax");
        assert!(e.to_string().contains("not valid TOML"), "{e}");
        let e =
            Rubric::from_override_str("[targets]\nduration_min_s = 500.0\n", Path::new("m.toml"))
                .expect_err("order");
        assert!(e.to_string().contains("duration_short_s"), "{e}");
    }
}
