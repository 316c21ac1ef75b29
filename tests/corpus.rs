//! The coach measured on the labeled dev corpus (../shared/corpus).

mod common;

use std::path::PathBuf;

use rehearse::analysis::Rubric;
use rehearse::eval::corpus::{self, Item};

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REHEARSE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/corpus"));
    common::need(&dir)
}

fn items() -> Option<Vec<Item>> {
    Some(corpus::load_dir(&corpus_dir()?).expect("corpus loads"))
}

#[test]
fn phase_accuracy_meets_the_floor() {
    let Some(items) = items() else { return };
    let acc = corpus::phase_accuracy(&items, &Rubric::builtin());
    eprintln!("{}", corpus::markdown(&acc));
    assert!(
        acc.accuracy() >= 0.85,
        "word-level accuracy {:.3} < 0.85",
        acc.accuracy()
    );
    assert!(
        acc.mean_failure_share_error() <= 0.05,
        "mean failure-share error {:.3} > 0.05",
        acc.mean_failure_share_error()
    );
}
