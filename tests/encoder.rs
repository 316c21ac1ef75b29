//! The sentence encoder: all-MiniLM-L6-v2 through candle, whole and cut to the first
//! layer that the coach encodes with, on the installed model.

mod common;

use rehearse::analysis::SentenceEncoder;
use rehearse::embed::{Depth, EncoderError, MiniLm};

fn cos(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// Reference similarities from an independent implementation: the same weights run
/// through a plain NumPy BERT forward pass (mean pooling over all tokens, as
/// sentence-transformers does for this model).
#[test]
fn similarities_match_an_independent_implementation() {
    let Some(enc) = common::minilm() else { return };
    let v = enc
        .encode(&[
            "I learned to always double check my work.",
            "Since then I run a checklist before every release.",
            "I was a junior analyst at a bank.",
        ])
        .expect("encodes");
    for x in &v {
        assert_eq!(x.len(), 384);
        assert!((cos(x, x) - 1.0).abs() < 1e-5, "unit length");
    }
    let got = [cos(&v[0], &v[1]), cos(&v[0], &v[2]), cos(&v[1], &v[2])];
    let want = [0.3354, 0.2919, 0.0947];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 2e-3, "{got:?} vs {want:?}");
    }
}

/// Sentences are padded to the longest of their batch; the padding must not change
/// a sentence's vector, at either depth.
#[test]
fn a_sentence_gets_the_same_vector_alone_or_in_a_batch() {
    let store = rehearse::models::ModelStore::discover();
    for (enc, depth) in [
        (common::minilm(), Depth::Full),
        (common::encoder(), Depth::PHASES),
    ] {
        let Some(enc) = enc else { return };
        let short = "I missed the deadline.";
        let alone = MiniLm::from_store(&store, depth)
            .expect("loads")
            .encode(&[short])
            .expect("encodes");
        let long = "The quarterly numbers were wrong because the spreadsheet had pulled last year's figures from the archive instead of the live system, and nobody noticed for three weeks.";
        let batched = enc.encode(&[long, short, "Okay."]).expect("encodes");
        assert!(
            cos(&alone[0], &batched[1]) > 0.9999,
            "{depth:?}: padding leaked into the vector"
        );
    }
}

/// The coach's encoder reads each token in its sentence: the same words in another
/// order give another vector (a mean of context-free token vectors would not), and it
/// is not the whole model's vector either.
#[test]
fn the_first_layer_reads_words_in_context() {
    let (Some(first), Some(full)) = (common::encoder(), common::minilm()) else {
        return;
    };
    let v = first
        .encode(&[
            "I blamed the team, not myself.",
            "I blamed myself, not the team.",
        ])
        .expect("encodes");
    assert!((cos(&v[0], &v[0]) - 1.0).abs() < 1e-5, "unit length");
    assert!(cos(&v[0], &v[1]) < 0.9999, "word order changed nothing");
    let whole = full
        .encode(&["I blamed the team, not myself."])
        .expect("encodes");
    assert!(
        cos(&v[0], &whole[0]) < 0.99,
        "the first layer is the whole model"
    );
}

#[test]
fn asking_for_more_layers_than_the_model_has_is_an_error() {
    let Some(_) = common::encoder() else { return };
    let store = rehearse::models::ModelStore::discover();
    let err = MiniLm::from_store(&store, Depth::Layers(7)).expect_err("only 6 layers");
    assert!(err.to_string().contains("7 layers of 6"), "{err}");
}

#[test]
fn very_long_and_empty_inputs_encode() {
    let Some(enc) = common::minilm() else { return };
    let long = "word ".repeat(5000);
    let v = enc.encode(&[long.as_str(), "", "🙂🙂"]).expect("encodes");
    assert_eq!(v.len(), 3);
    assert!(v.iter().all(|x| x.iter().all(|f| f.is_finite())));
}

#[test]
fn a_damaged_encoder_folder_is_named_with_the_fix() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("config.json"), "{not json").expect("write");
    let err = MiniLm::load(dir.path(), Depth::PHASES).expect_err("must fail");
    assert!(matches!(err, EncoderError::Load { .. }), "{err}");
    assert!(err.to_string().contains("config.json"), "{err}");

    let store = rehearse::models::ModelStore::with_dir(dir.path());
    let err = MiniLm::from_store(&store, Depth::PHASES).expect_err("not installed");
    assert!(
        err.to_string()
            .contains("rehearse model download all-minilm-l6-v2"),
        "{err}"
    );
    std::fs::create_dir_all(store.encoder_dir()).expect("mkdir");
    std::fs::write(store.encoder_dir().join("config.json"), "{}").expect("write");
    let err = MiniLm::from_store(&store, Depth::PHASES).expect_err("damaged");
    assert!(err.to_string().contains("damaged"), "{err}");
}

fn analyze_with_encoder(text: &str, enc: &dyn SentenceEncoder) -> rehearse::analysis::Report {
    use rehearse::analysis::{InputInfo, InputKind, Rubric, Timing, analyze_with};
    let t = rehearse::analysis::text::transcript_from_text(text, 150.0);
    let input = InputInfo {
        path: "prop".into(),
        kind: InputKind::Text,
        timing: Timing::Estimated,
        transcribed: None,
    };
    analyze_with(&t, input, &Rubric::builtin(), Some(enc)).report
}

fn shares_sum_to_one(r: &rehearse::analysis::Report) -> bool {
    let sum: f64 = rehearse::analysis::Phase::ALL
        .iter()
        .map(|p| r.phases.get(*p).share)
        .sum();
    r.words == 0 || (sum - 1.0).abs() < 1e-6
}

/// The edge cases of the analysis property tests, through the encoder path too
/// (fewer cases: each encodes real sentences).
#[test]
fn odd_texts_through_the_encoder_keep_shares_consistent() {
    let Some(enc) = common::encoder() else { return };
    // 5,000 words: 100 capped sentences to encode (the 50,000-word case of the cue-only
    // property tests would take ten times longer here and test nothing more).
    let long_unpunctuated = "word ".repeat(5_000);
    for text in ["", " ", "😀 🎉 ✨", "...", "I.", &long_unpunctuated] {
        let r = analyze_with_encoder(text, enc);
        assert!(shares_sum_to_one(&r), "{:?}", text.get(..20));
        if r.words > 0 {
            assert_eq!(
                r.phase_labels,
                rehearse::analysis::PhaseLabels::CuesAndEncoder
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
    #[test]
    fn any_text_through_the_encoder_is_analysed(text in "\\PC{0,300}") {
        if let Some(enc) = common::encoder() {
            let r = analyze_with_encoder(&text, enc);
            proptest::prop_assert!(shares_sum_to_one(&r));
            proptest::prop_assert!((0.0..=1.0).contains(&r.failure_share));
        }
    }
}
