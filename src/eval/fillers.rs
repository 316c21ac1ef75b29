//! Filler recall: how many of an answer's known fillers survive transcription.

use std::collections::BTreeMap;

use super::corpus::Item;
use crate::analysis::Report;

/// Filled pauses, which recognisers tend to drop.
pub const FILLED: &[&str] = &["um", "uh", "er", "ah", "hmm"];

/// Recall of one answer: expected vs found counts, per filler key.
#[derive(Debug, Clone, Default)]
pub struct FillerRecall {
    pub expected_filled: usize,
    pub found_filled: usize,
    pub expected_markers: usize,
    pub found_markers: usize,
}

impl FillerRecall {
    pub fn add(&mut self, other: &FillerRecall) {
        self.expected_filled += other.expected_filled;
        self.found_filled += other.found_filled;
        self.expected_markers += other.expected_markers;
        self.found_markers += other.found_markers;
    }
    pub fn filled_recall(&self) -> f64 {
        ratio(self.found_filled, self.expected_filled)
    }
    pub fn marker_recall(&self) -> f64 {
        ratio(self.found_markers, self.expected_markers)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Per key, found counts are capped at the expected count (extra hits are not recall).
pub fn recall(item: &Item, report: &Report) -> FillerRecall {
    let mut r = FillerRecall::default();
    let got: &BTreeMap<String, usize> = &report.fillers.by_word;
    for (key, &want) in &item.expect.fillers {
        let found = got.get(key).copied().unwrap_or(0).min(want);
        if FILLED.contains(&key.as_str()) {
            r.expected_filled += want;
            r.found_filled += found;
        } else {
            r.expected_markers += want;
            r.found_markers += found;
        }
    }
    r
}

/// The text without filled pauses, for a word error rate of the content words.
pub fn without_filled_pauses(text: &str) -> String {
    super::normalize_words(text)
        .into_iter()
        .filter(|w| !FILLED.contains(&w.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One prompt's results over a set of renderings.
#[derive(Debug, Clone, Default)]
pub struct PromptResult {
    /// The prompt ("" = none).
    pub prompt: String,
    pub answers: usize,
    pub recall: FillerRecall,
    /// Mean word error rate of the content words (fillers left out).
    pub content_wer: f64,
    /// Time spent scoring (transcription and analysis).
    pub seconds: f64,
}

/// The comparison of prompts as a Markdown table.
pub fn markdown(results: &[PromptResult]) -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "| prompt | answers | filled-pause recall (um/uh/er) | marker recall (like, you know, …) | content WER | decode s |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        let label = if r.prompt.is_empty() {
            "(none)".to_string()
        } else {
            format!("\"{}\"", r.prompt)
        };
        let t = &r.recall;
        let _ = writeln!(
            out,
            "| {label} | {} | {:.0}% ({}/{}) | {:.0}% ({}/{}) | {:.1}% | {:.1} |",
            r.answers,
            t.filled_recall() * 100.0,
            t.found_filled,
            t.expected_filled,
            t.marker_recall() * 100.0,
            t.found_markers,
            t.expected_markers,
            r.content_wer * 100.0,
            r.seconds
        );
    }
    out
}

/// Filler recall and content WER for each initial prompt, on the items' renderings
/// `audio/<id>.wav` (items without one are left out), scored by `coach`.
pub fn compare_prompts(
    coach: &mut crate::coach::Coach,
    items: &[Item],
    audio: &std::path::Path,
    prompts: &[String],
) -> Result<Vec<PromptResult>, crate::coach::CoachError> {
    // None given: no prompt against the filler prompt the product uses.
    let defaults = [String::new(), crate::transcribe::FILLER_PROMPT.to_string()];
    let prompts = if prompts.is_empty() {
        &defaults[..]
    } else {
        prompts
    };
    let decoded: Vec<(&Item, Vec<f32>)> = items
        .iter()
        .filter_map(|i| {
            let path = audio.join(format!("{}.wav", i.id));
            path.is_file().then_some((i, path))
        })
        .map(|(i, path)| {
            Ok((
                i,
                crate::audio::decode_file_16k(&path, &mut |_, _| {})?.samples,
            ))
        })
        .collect::<Result<_, crate::coach::CoachError>>()?;
    let mut results = Vec::new();
    for p in prompts {
        coach.recogniser_mut()?.opts.initial_prompt = (!p.is_empty()).then(|| p.clone());
        let mut r = PromptResult {
            prompt: p.clone(),
            answers: decoded.len(),
            ..Default::default()
        };
        let mut wer_sum = 0.0;
        for (item, samples) in &decoded {
            let started = std::time::Instant::now();
            let scored = coach.score(crate::coach::Input::Samples(samples), &item.id, None)?;
            r.seconds += started.elapsed().as_secs_f64();
            r.recall.add(&recall(item, &scored.analysis.report));
            wer_sum += super::word_error_rate(
                &without_filled_pauses(&item.text()),
                &without_filled_pauses(&scored.transcript.text()),
            );
        }
        r.content_wer = wer_sum / decoded.len().max(1) as f64;
        results.push(r);
    }
    Ok(results)
}
