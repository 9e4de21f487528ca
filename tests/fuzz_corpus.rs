//! The fuzz targets' checks (tests/fuzz/check.rs) on every file of the seed corpus
//! tests/fuzz/corpus/, with the stable toolchain, as part of `cargo test`: shipped scenarios
//! and plans, and broken ones (typos, unclosed brackets, curly quotes, NaN, overflow, deep
//! nesting, bad overrides). Any input the fuzzer finds that crashes is added there (named
//! for what it does), so it stays fixed. README.md ("Testing") gives the fuzzing command.

#[path = "fuzz/check.rs"]
mod check;

use std::path::PathBuf;

#[test]
fn every_corpus_input_is_read_without_a_panic() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/corpus"));
    let mut inputs: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("the seed corpus").map(|e| e.expect("a corpus entry").path()).filter(|p| p.is_file()).collect();
    inputs.sort();
    assert!(inputs.len() >= 20, "the seed corpus has only {} inputs", inputs.len());
    let mut failures = Vec::new();
    for input in &inputs {
        let data = std::fs::read(input).expect("a readable corpus file");
        for (target, run) in [("scenario", check::check_scenario as fn(&[u8])), ("plan", check::check_plan)] {
            if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
                let why = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                failures.push(format!("{} ({target}): {}", input.display(), why.unwrap_or_default()));
            }
        }
    }
    assert!(failures.is_empty(), "inputs that made the readers panic:\n{}", failures.join("\n"));
}

#[test]
fn the_corpus_holds_inputs_that_load_and_inputs_that_are_refused() {
    // Guards the corpus itself: a seed set that was all valid, or all broken, would test half
    // of the reader.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz/corpus");
    let load = |name: &str| {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("a corpus file");
        joinedup::scenario::load_str(name, &text, &[])
    };
    for valid in ["county.ron", "small.ron", "gloucestershire_restructure.ron", "byte_order_mark.ron"] {
        if let Err(e) = load(valid) {
            panic!("{valid} should load: {e}");
        }
    }
    for broken in
        ["typo_in_enum_variant.ron", "unclosed.ron", "curly_quotes.ron", "not_a_number.ron", "deep_nesting.ron", "closed_project_gap.ron"]
    {
        assert!(load(broken).is_err(), "{broken} should be refused");
    }
}
