//! Analysis speed (BENCHMARKS.md): a 500-word answer (about 3 minutes spoken) must be
//! analysed in under 5 ms from the words alone, and within 200 ms on one core with the
//! sentence encoder.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rehearse::analysis::text::transcript_from_text;
use rehearse::analysis::{
    InputInfo, InputKind, Rubric, SentenceEncoder, Timing, analyze, analyze_with,
};

fn corpus_answer_500_words() -> String {
    // dev-10 from the shared corpus is 544 words; fall back to a repeated paragraph.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/dev-10.json");
    if let Ok(text) = std::fs::read_to_string(path)
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(s) = v["sentences"].as_array()
    {
        let joined: Vec<&str> = s.iter().filter_map(|x| x["text"].as_str()).collect();
        let all = joined.join(" ");
        return all
            .split_whitespace()
            .take(500)
            .collect::<Vec<_>>()
            .join(" ");
    }
    "I was a data analyst and I owned the weekly report. I skipped the review, um, and the numbers were wrong by 12%. \
     I told my manager that afternoon and fixed it. Since then I always run a reconciliation check before every release. "
        .repeat(12)
}

fn bench(c: &mut Criterion) {
    let text = corpus_answer_500_words();
    let rubric = Rubric::builtin();
    let transcript = transcript_from_text(&text, 150.0);
    let input = InputInfo {
        path: "bench".into(),
        kind: InputKind::Text,
        timing: Timing::Estimated,
        transcribed: None,
    };
    c.bench_function("analyze 500 words", |b| {
        b.iter(|| black_box(analyze(black_box(&transcript), input.clone(), &rubric)))
    });

    // With the sentence encoder (when installed): its first layer encodes every
    // sentence of the answer, afresh each time (issue 12: within 200 ms on one core).
    let store = rehearse::models::ModelStore::discover();
    let Ok(encoder) = rehearse::embed::MiniLm::from_store(&store, rehearse::embed::Depth::PHASES)
    else {
        eprintln!("sentence encoder not installed: skipping its benchmark (scripts/setup)");
        return;
    };
    let enc: &dyn SentenceEncoder = &encoder;
    let mut group = c.benchmark_group("with encoder");
    group.sample_size(20);
    group.bench_function("analyze 500 words", |b| {
        b.iter(|| {
            encoder.clear_cache();
            black_box(analyze_with(
                black_box(&transcript),
                input.clone(),
                &rubric,
                Some(enc),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
