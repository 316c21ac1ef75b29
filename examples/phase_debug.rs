//! Prints each corpus sentence with its labeled phase and the phase predicted for
//! most of its words (development aid for the phase model).
use rehearse::analysis::Rubric;
use rehearse::analysis::text::count_words;
use rehearse::eval::corpus;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".into());
    let only = std::env::args().nth(2);
    let rubric = Rubric::builtin();
    // With the sentence encoder when it is installed (as `rehearse eval corpus`).
    let store = rehearse::models::ModelStore::discover();
    let encoder = rehearse::embed::MiniLm::from_store(&store, rehearse::embed::Depth::PHASES).ok();
    let encoder = encoder
        .as_ref()
        .map(|e| e as &dyn rehearse::analysis::SentenceEncoder);
    for item in corpus::load_dir(std::path::Path::new(&dir)).expect("corpus") {
        if only.as_ref().is_some_and(|o| !item.id.contains(o.as_str())) {
            continue;
        }
        let a = corpus::analyze_item(&item, &rubric, encoder);
        println!("== {}", item.id);
        let mut at = 0;
        for gold in &item.sentences {
            let n = count_words(&gold.text);
            let mut votes = [0usize; 5];
            for p in a.token_phase.iter().skip(at).take(n) {
                votes[p.index()] += 1;
            }
            at += n;
            let best = (0..5).max_by_key(|i| votes[*i]).unwrap_or(0);
            let pred = rehearse::analysis::Phase::ALL[best].name();
            let mark = if gold.phase == pred { "  " } else { "XX" };
            println!(
                "{mark} {:<9} {:<9} {}",
                gold.phase,
                pred,
                gold.text.chars().take(110).collect::<String>()
            );
        }
    }
}
