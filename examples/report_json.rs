//! Prints the JSON report of one corpus answer (development aid).
use rehearse::analysis::Rubric;
use rehearse::eval::corpus;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".into());
    let id = std::env::args().nth(2).unwrap_or_default();
    for item in corpus::load_dir(std::path::Path::new(&dir)).expect("corpus") {
        if item.id == id {
            let a = corpus::analyze_item(&item, &Rubric::builtin(), None);
            println!("{}", serde_json::to_string_pretty(&a.report).expect("json"));
        }
    }
}
