//! Property tests: the analysis never panics, whatever the text, and its shares add up.

use proptest::prelude::*;
use rehearse::analysis::text::transcript_from_text;
use rehearse::analysis::{InputInfo, InputKind, Phase, Report, Rubric, Timing, analyze};

fn run(text: &str, timing: Timing) -> Report {
    let t = transcript_from_text(text, 150.0);
    analyze(
        &t,
        InputInfo {
            path: "prop".into(),
            kind: InputKind::Text,
            timing,
            transcribed: None,
        },
        &Rubric::builtin(),
    )
    .report
}

fn shares_sum_to_one(r: &Report) -> bool {
    let sum: f64 = Phase::ALL.iter().map(|p| r.phases.get(*p).share).sum();
    r.words == 0 || (sum - 1.0).abs() < 1e-6
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_text_is_analysed_without_panic(text in "\\PC{0,400}") {
        let r = run(&text, Timing::Estimated);
        prop_assert!(shares_sum_to_one(&r));
        prop_assert!(r.score <= 100);
        prop_assert!((0.0..=1.0).contains(&r.failure_share));
    }

    #[test]
    fn word_salad_from_the_lexicons_keeps_shares_consistent(
        words in prop::collection::vec(prop::sample::select(vec![
            "I", "we", "um", "like,", "failed.", "learned", "since", "then", "sorry", "my", "fault", "the",
            "12%", "two", "weeks", "later", "actually", "you", "know", "so", "and", "now", "always", "?", "—",
        ]), 0..300),
        measured in any::<bool>(),
    ) {
        let text = words.join(" ");
        let r = run(&text, if measured { Timing::Measured } else { Timing::Estimated });
        prop_assert!(shares_sum_to_one(&r));
        let star = r.star.S + r.star.T + r.star.A + r.star.R;
        prop_assert!(r.words == 0 || (star - 1.0).abs() < 1e-6);
        prop_assert_eq!(r.sentences.iter().map(|s| s.words).sum::<usize>(), r.words);
    }
}

#[test]
fn edge_cases_do_not_panic() {
    let long_unpunctuated = "word ".repeat(50_000);
    let cases = [
        "",
        " ",
        "\n\n",
        "😀 🎉 ✨",
        "...",
        "—",
        "I.",
        &long_unpunctuated,
    ];
    for text in cases {
        let r = run(text, Timing::Estimated);
        assert!(shares_sum_to_one(&r), "{:?}", text.get(..20));
        assert!(r.sentences.iter().all(|s| s.words <= 50), "sentence cap");
    }
    let r = run(&long_unpunctuated, Timing::Estimated);
    assert_eq!(r.words, 50_000);
    let c = r
        .checks
        .iter()
        .find(|c| c.id == "duration")
        .expect("duration check");
    assert_eq!(c.status, rehearse::analysis::checks::Status::Fail);
}
