//! Measuring the coach against labeled answers (`../shared/corpus`, `fixtures/corpus`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::text::{count_words, transcript_from_text};
use crate::analysis::{
    Analysis, InputInfo, InputKind, Phase, PhaseLabeller, Rubric, SentenceEncoder, Timing,
    analyze_with_labeller,
};

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a corpus answer: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: no dev-*.json or *.json answers found")]
    Empty { path: PathBuf },
    #[error("no {what} has a rendering <id>.wav in {audio} (scripts/make-fixtures writes them)")]
    NoRenderings { what: &'static str, audio: PathBuf },
}

/// The items that have a spoken rendering `audio/<id>.wav` and pass `keep`; an error
/// naming `what` they are when none has.
pub fn rendered(
    items: Vec<Item>,
    audio: &Path,
    what: &'static str,
    keep: impl Fn(&Item) -> bool,
) -> Result<Vec<Item>, CorpusError> {
    let found: Vec<Item> = items
        .into_iter()
        .filter(|i| keep(i) && audio.join(format!("{}.wav", i.id)).is_file())
        .collect();
    if found.is_empty() {
        return Err(CorpusError::NoRenderings {
            what,
            audio: audio.to_path_buf(),
        });
    }
    Ok(found)
}

/// One labeled answer (schema in the corpus README).
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub weakness: Vec<String>,
    pub sentences: Vec<LabeledSentence>,
    pub expect: Expect,
    /// Who wrote it (`fixtures/corpus`); the dev corpus has none.
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
    /// Structure and register tags (`fixtures/corpus/README.md`).
    #[serde(default)]
    pub style: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabeledSentence {
    pub text: String,
    pub phase: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Expect {
    #[serde(default)]
    pub fillers: BTreeMap<String, usize>,
    #[serde(default)]
    pub hedges: BTreeMap<String, usize>,
    pub blame: bool,
    pub over_apology: bool,
    pub catastrophic: bool,
    pub fake_failure: bool,
    pub quantified: bool,
    pub ownership: String,
}

impl Item {
    /// The author, or "dev" for the dev corpus (one author).
    pub fn author(&self) -> &str {
        self.author.as_deref().unwrap_or("dev")
    }

    pub fn text(&self) -> String {
        self.sentences
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The labeled phase of every word, by the corpus counting rule.
    pub fn word_phases(&self) -> Vec<Option<Phase>> {
        self.sentences
            .iter()
            .flat_map(|s| std::iter::repeat_n(Phase::parse(&s.phase), count_words(&s.text)))
            .collect()
    }

    /// Labeled failure share in words.
    pub fn failure_share(&self) -> f64 {
        let mut words = [0f64; 5];
        for p in self.word_phases().into_iter().flatten() {
            words[p.index()] += 1.0;
        }
        crate::analysis::failure_share(words)
    }
}

pub fn load_dir(dir: &Path) -> Result<Vec<Item>, CorpusError> {
    let rd = std::fs::read_dir(dir).map_err(|source| CorpusError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut items = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).map_err(|source| CorpusError::Read {
            path: p.clone(),
            source,
        })?;
        let item: Item = serde_json::from_str(&text).map_err(|e| CorpusError::Parse {
            path: p.clone(),
            message: e.to_string(),
        })?;
        items.push(item);
    }
    if items.is_empty() {
        return Err(CorpusError::Empty {
            path: dir.to_path_buf(),
        });
    }
    Ok(items)
}

/// Answers from several folders, in order.
pub fn load_dirs(dirs: &[PathBuf]) -> Result<Vec<Item>, CorpusError> {
    let mut items = Vec::new();
    for d in dirs {
        items.extend(load_dir(d)?);
    }
    Ok(items)
}

/// Analyses an item's text as a written draft (with the sentence encoder when given).
pub fn analyze_item(
    item: &Item,
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
) -> Analysis {
    analyze_item_with(item, rubric, encoder, PhaseLabeller::builtin())
}

/// [`analyze_item`] with a given phase labeller.
pub fn analyze_item_with(
    item: &Item,
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    labeller: &PhaseLabeller,
) -> Analysis {
    let t = transcript_from_text(&item.text(), rubric.targets.text_wpm);
    analyze_with_labeller(
        &t,
        InputInfo {
            path: item.id.clone(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        },
        rubric,
        encoder,
        labeller,
    )
}

/// Per-item result.
#[derive(Debug, Clone)]
pub struct ItemScore {
    pub id: String,
    pub author: String,
    pub field: Option<String>,
    pub style: Vec<String>,
    pub words: usize,
    pub correct: usize,
    pub failure_share_labeled: f64,
    pub failure_share_predicted: f64,
}

/// Whole-corpus result: word-level accuracy and the confusion matrix
/// (rows: labeled phase, columns: predicted).
#[derive(Debug, Clone)]
pub struct PhaseAccuracy {
    pub items: Vec<ItemScore>,
    pub confusion: [[usize; 5]; 5],
}

impl PhaseAccuracy {
    pub fn accuracy(&self) -> f64 {
        let correct: usize = self.items.iter().map(|i| i.correct).sum();
        let total: usize = self.items.iter().map(|i| i.words).sum();
        if total == 0 {
            0.0
        } else {
            correct as f64 / total as f64
        }
    }
    pub fn mean_failure_share_error(&self) -> f64 {
        let n = self.items.len().max(1) as f64;
        self.items
            .iter()
            .map(|i| (i.failure_share_labeled - i.failure_share_predicted).abs())
            .sum::<f64>()
            / n
    }

    /// Mean of predicted − labelled failure share over the answers whose labelled share
    /// is above `threshold`, and how many there are: negative means failure-heavy
    /// answers are read as better balanced than they are (a bias towards the target).
    pub fn signed_error_above(&self, threshold: f64) -> (f64, usize) {
        let heavy: Vec<f64> = self
            .items
            .iter()
            .filter(|i| i.failure_share_labeled > threshold)
            .map(|i| i.failure_share_predicted - i.failure_share_labeled)
            .collect();
        let n = heavy.len();
        (heavy.iter().sum::<f64>() / n.max(1) as f64, n)
    }

    /// The items grouped by a key (one item may fall in several groups, e.g. styles),
    /// each group measured on its own, sorted by key.
    pub fn by(&self, key: &dyn Fn(&ItemScore) -> Vec<String>) -> Vec<(String, PhaseAccuracy)> {
        let mut groups: BTreeMap<String, Vec<ItemScore>> = BTreeMap::new();
        for i in &self.items {
            for k in key(i) {
                groups.entry(k).or_default().push(i.clone());
            }
        }
        groups
            .into_iter()
            .map(|(k, items)| {
                (
                    k,
                    PhaseAccuracy {
                        items,
                        confusion: [[0; 5]; 5],
                    },
                )
            })
            .collect()
    }
}

pub fn phase_accuracy(
    items: &[Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
) -> PhaseAccuracy {
    phase_accuracy_by(items, rubric, encoder, &|_| PhaseLabeller::builtin())
}

/// [`phase_accuracy`] with the labeller `labeller_for` gives each item (in
/// cross-validation, the model trained without the item's author).
pub fn phase_accuracy_by<'m>(
    items: &[Item],
    rubric: &Rubric,
    encoder: Option<&dyn SentenceEncoder>,
    labeller_for: &dyn Fn(&Item) -> &'m PhaseLabeller,
) -> PhaseAccuracy {
    let mut confusion = [[0usize; 5]; 5];
    let mut scores = Vec::new();
    for item in items {
        let a = analyze_item_with(item, rubric, encoder, labeller_for(item));
        let gold = item.word_phases();
        let mut correct = 0;
        for (g, p) in gold.iter().zip(&a.token_phase) {
            if let Some(g) = g {
                confusion[g.index()][p.index()] += 1;
                correct += usize::from(g == p);
            }
        }
        scores.push(ItemScore {
            id: item.id.clone(),
            author: item.author().to_string(),
            field: item.field.clone(),
            style: item.style.clone(),
            words: gold.len().min(a.token_phase.len()),
            correct,
            failure_share_labeled: item.failure_share(),
            failure_share_predicted: a.report.failure_share,
        });
    }
    PhaseAccuracy {
        items: scores,
        confusion,
    }
}

/// The accuracy table and confusion matrix as Markdown.
pub fn markdown(acc: &PhaseAccuracy) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Word-level phase accuracy: **{:.1}%** over {} answers ({} words); mean |failure share error|: **{:.3}**.\n\n",
        acc.accuracy() * 100.0,
        acc.items.len(),
        acc.items.iter().map(|i| i.words).sum::<usize>(),
        acc.mean_failure_share_error()
    ));
    let (heavy, n) = acc.signed_error_above(0.4);
    if n > 0 {
        s.push_str(&format!(
            "Answers with a labeled failure share above 0.4 ({n}): mean signed error (predicted − labeled) **{heavy:+.3}**.\n\n"
        ));
    }
    for (title, key) in [
        (
            "style",
            &(|i: &ItemScore| i.style.clone()) as &dyn Fn(&ItemScore) -> Vec<String>,
        ),
        ("field", &|i: &ItemScore| i.field.iter().cloned().collect()),
    ] {
        let groups = acc.by(key);
        if groups.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "| {title} | answers | words | accuracy | mean failure-share error |\n|---|---:|---:|---:|---:|\n"
        ));
        for (k, g) in groups {
            s.push_str(&format!(
                "| {k} | {} | {} | {:.1}% | {:.3} |\n",
                g.items.len(),
                g.items.iter().map(|i| i.words).sum::<usize>(),
                g.accuracy() * 100.0,
                g.mean_failure_share_error()
            ));
        }
        s.push('\n');
    }
    s.push_str("| answer | words | accuracy | failure share labeled | predicted |\n|---|---:|---:|---:|---:|\n");
    for i in &acc.items {
        s.push_str(&format!(
            "| {} | {} | {:.1}% | {:.2} | {:.2} |\n",
            i.id,
            i.words,
            100.0 * i.correct as f64 / i.words.max(1) as f64,
            i.failure_share_labeled,
            i.failure_share_predicted
        ));
    }
    s.push_str("\nConfusion matrix (words; rows = labeled, columns = predicted):\n\n| labeled \\ predicted | situation | task | failure | response | learning |\n|---|---:|---:|---:|---:|---:|\n");
    for p in Phase::ALL {
        let row = acc.confusion[p.index()];
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            p.name(),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4]
        ));
    }
    s
}

/// A second, independent labelling of an answer's segments (`fixtures/corpus/double`).
#[derive(Debug, Clone, Deserialize)]
pub struct SecondLabels {
    pub id: String,
    pub phases: Vec<String>,
}

/// The agreement table (answer, words, agreement) and the overall figure, in Markdown.
pub fn agreement_markdown(rows: &[(String, usize, usize)]) -> String {
    use std::fmt::Write;
    let mut out = String::from("| answer | words | agreement |\n|---|---:|---:|\n");
    for (id, words, agreed) in rows {
        let share = 100.0 * *agreed as f64 / (*words).max(1) as f64;
        let _ = writeln!(out, "| {id} | {words} | {share:.1}% |");
    }
    let words: usize = rows.iter().map(|r| r.1).sum();
    let agreed: usize = rows.iter().map(|r| r.2).sum();
    let _ = writeln!(
        out,
        "\nWord-level agreement over {} answers ({words} words): **{:.1}%**",
        rows.len(),
        100.0 * agreed as f64 / words.max(1) as f64
    );
    out
}

/// Word-level agreement between the authors' labels and a second labeller's: per
/// answer (id, words, words agreed) and overall. The ceiling for any labeller.
pub fn agreement(
    items: &[Item],
    second: &[SecondLabels],
) -> Result<Vec<(String, usize, usize)>, String> {
    second
        .iter()
        .map(|s| {
            let item = items
                .iter()
                .find(|i| i.id == s.id)
                .ok_or_else(|| format!("{}: no labelled answer with that id", s.id))?;
            if item.sentences.len() != s.phases.len() {
                return Err(format!(
                    "{}: {} phases for {} segments",
                    s.id,
                    s.phases.len(),
                    item.sentences.len()
                ));
            }
            let (mut words, mut agreed) = (0, 0);
            for (seg, p) in item.sentences.iter().zip(&s.phases) {
                let n = count_words(&seg.text);
                words += n;
                if seg.phase == *p {
                    agreed += n;
                }
            }
            Ok((s.id.clone(), words, agreed))
        })
        .collect()
}

/// Every `*.json` of a folder of second labellings.
pub fn load_second_labels(dir: &Path) -> Result<Vec<SecondLabels>, CorpusError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| CorpusError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|source| CorpusError::Read {
                path: p.clone(),
                source,
            })?;
            serde_json::from_str(&text).map_err(|e| CorpusError::Parse {
                path: p.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// How the coach labelled a spoken rendering of `item`: the recognised words are
/// aligned with the labelled ones (Levenshtein over normalised words), and each
/// labelled word takes the phase of the recognised word it aligns with; a word the
/// recogniser dropped takes the phase of the last recognised word before it.
///
/// Both failure shares are in spoken time, as the report gives it for a recording
/// (domain.md): the predicted one is the report's own, the labelled one is the same
/// sum over the recognised words with each word's labelled phase (that of the
/// labelled word it aligns with). A share in words against one in seconds would
/// count the speaker's pace as the labeller's error.
pub fn speech_item_score(
    item: &Item,
    analysis: &Analysis,
    confusion: &mut [[usize; 5]; 5],
) -> ItemScore {
    let gold: Vec<(String, Phase)> = item
        .sentences
        .iter()
        .flat_map(|s| {
            let p = Phase::parse(&s.phase).unwrap_or(Phase::Situation);
            super::normalize_words(&s.text)
                .into_iter()
                .map(move |w| (w, p))
        })
        .collect();
    // Per recognised word: its text, the coach's phase and the token it came from.
    let heard: Vec<(String, Phase, usize)> = analysis
        .tokens
        .iter()
        .zip(&analysis.token_phase)
        .enumerate()
        .flat_map(|(k, (t, p))| {
            super::normalize_words(&t.text)
                .into_iter()
                .map(move |w| (w, *p, k))
        })
        .collect();
    let aligned = super::align(
        &gold.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        &heard.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
    );
    let mut last = heard.first().map(|h| h.1).unwrap_or(Phase::Situation);
    let mut correct = 0;
    let mut token_gold: Vec<Option<Phase>> = vec![None; analysis.tokens.len()];
    for (g, h) in gold.iter().zip(&aligned) {
        if let Some(h) = h {
            last = heard[*h].1;
            token_gold[heard[*h].2].get_or_insert(g.1);
        }
        correct += usize::from(g.1 == last);
        confusion[g.1.index()][last.index()] += 1;
    }
    // A recognised word aligned with no labelled word keeps the phase before it.
    let mut carried = gold.first().map(|g| g.1).unwrap_or(Phase::Situation);
    let token_gold: Vec<Phase> = token_gold
        .into_iter()
        .map(|p| {
            carried = p.unwrap_or(carried);
            carried
        })
        .collect();
    ItemScore {
        id: item.id.clone(),
        author: item.author().to_string(),
        field: item.field.clone(),
        style: item.style.clone(),
        words: gold.len(),
        correct,
        failure_share_labeled: spoken_failure_share(&analysis.tokens, &token_gold),
        failure_share_predicted: analysis.report.failure_share,
    }
}

/// The failure share in spoken time of `tokens` labelled `phases`: each word owns the
/// time until the next one starts, as each sentence does in the report.
pub fn spoken_failure_share(tokens: &[crate::analysis::text::Token], phases: &[Phase]) -> f64 {
    let mut seconds = [0f64; 5];
    for (k, (t, p)) in tokens.iter().zip(phases).enumerate() {
        let until = tokens.get(k + 1).map_or(t.end, |n| n.start);
        seconds[p.index()] += (until - t.start).max(0.0);
    }
    crate::analysis::failure_share(seconds)
}

/// Phase accuracy from speech: each item's rendering `audio/<id>.wav` is scored by the
/// coach (transcribed, then analysed) and the recognised words are aligned with the
/// labelled ones. Items without a rendering are left out.
pub fn phase_accuracy_from_speech(
    coach: &crate::coach::Coach,
    items: &[Item],
    audio: &std::path::Path,
) -> Result<PhaseAccuracy, crate::coach::CoachError> {
    let mut confusion = [[0usize; 5]; 5];
    let mut scores = Vec::new();
    for item in items {
        let path = audio.join(format!("{}.wav", item.id));
        if !path.is_file() {
            continue;
        }
        let scored = coach.score(
            crate::coach::Input::File(&path),
            &path.display().to_string(),
            None,
        )?;
        scores.push(speech_item_score(item, &scored.analysis, &mut confusion));
    }
    Ok(PhaseAccuracy {
        items: scores,
        confusion,
    })
}
