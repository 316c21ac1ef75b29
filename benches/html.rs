//! HTML page rendering: a 3-minute answer's page must render in under 50 ms
//! (issue 17; BENCHMARKS.md, "HTML report"). The answer is dev-10 from the shared
//! corpus (544 words, 3:38 at 150 wpm), analysed once; only the rendering is timed.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rehearse::analysis::text::transcript_from_text;
use rehearse::analysis::{InputInfo, InputKind, Rubric, Timing, analyze};
use rehearse::report::html::{Html, Recording, index_page};

fn three_minute_answer() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/dev-10.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            let s = v["sentences"].as_array()?;
            let texts: Vec<&str> = s.iter().filter_map(|x| x["text"].as_str()).collect();
            Some(texts.join(" "))
        })
        .unwrap_or_else(|| {
            "I was a data analyst and I owned the weekly report. I skipped the review, um, and the numbers were wrong by 12%. \
             I told my manager that afternoon and fixed it. Since then I always run a reconciliation check before every release. "
                .repeat(12)
        })
}

fn bench(c: &mut Criterion) {
    let transcript = transcript_from_text(&three_minute_answer(), 150.0);
    let input = InputInfo {
        path: "answers/dev-10.wav".into(),
        kind: InputKind::Audio,
        timing: Timing::Estimated,
        transcribed: None,
    };
    let report = analyze(&transcript, input, &Rubric::builtin()).report;
    let page = Html {
        audio: Recording::Linked("dev-10.wav".into()),
    };
    c.bench_function("html page, 3-minute answer", |b| {
        b.iter(|| black_box(page.page(black_box(&report))))
    });

    // With --embed-audio: decoding the recording, 8-bit WAV and base64 (the page
    // around it is the same).
    let wav = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/cache/answers/dev-10.wav"
    );
    if std::path::Path::new(wav).is_file() {
        let mut group = c.benchmark_group("embedded");
        group.sample_size(20);
        group.bench_function("embed a 3-minute recording", |b| {
            b.iter(|| black_box(rehearse::report::html::embed_recording(wav.as_ref())))
        });
        group.finish();
    } else {
        eprintln!("{wav} missing (scripts/make-fixtures): skipping the embedding benchmark");
    }

    // A cohort of 200 rows for the batch index.
    let row = rehearse::batch::Row::from_report(
        std::path::Path::new("cohort/a.wav"),
        std::path::Path::new("cohort/a.wav.json"),
        &serde_json::to_value(&report).unwrap_or_default(),
    );
    let rows = vec![row; 200];
    let rubric = Rubric::builtin();
    c.bench_function("html batch index, 200 answers", |b| {
        b.iter(|| black_box(index_page(black_box(&rows), &rubric)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
