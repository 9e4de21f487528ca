//! What the fuzz targets check, shared with the stable driver over the seed corpus
//! (tests/fuzz_corpus.rs), so both test exactly the same thing.
//!
//! An input is a scenario or sweep plan as text, optionally followed by a line `---` and
//! `--set` assignments, one per line. Reading it may succeed or fail; it must never panic,
//! every error must render as a message, and a scenario that loads must write a resolved
//! scenario that loads to the same resolved text.

use joinedup::scenario;

/// Splits an input into its text and its overrides.
fn split(data: &[u8]) -> Option<(&str, Vec<String>)> {
    let input = std::str::from_utf8(data).ok()?;
    Some(match input.split_once("\n---\n") {
        Some((text, sets)) => (text, sets.lines().filter(|l| !l.is_empty()).map(String::from).collect()),
        None => (input, Vec::new()),
    })
}

/// The scenario reader, override applier, preset expander and validator.
pub fn check_scenario(data: &[u8]) {
    let Some((text, overrides)) = split(data) else {
        return;
    };
    match scenario::load_str("fuzz.ron", text, &overrides) {
        Err(error) => assert!(!error.to_string().is_empty(), "an error with no message"),
        Ok(loaded) => {
            let resolved = loaded.resolved_ron();
            let again = scenario::load_str("resolved.ron", &resolved, &[])
                .unwrap_or_else(|e| panic!("a scenario that loads wrote a resolved scenario that does not: {e}\n{resolved}"));
            assert_eq!(resolved, again.resolved_ron(), "the resolved scenario does not read back to itself");
        }
    }
}

/// The sweep plan reader and validator (on the built-in county: a plan naming a base
/// scenario file is skipped, as the fuzzer must not read arbitrary files such as /dev/zero).
pub fn check_plan(data: &[u8]) {
    let Some((text, overrides)) = split(data) else {
        return;
    };
    if let Ok(raw) = scenario::parse::<scenario::plan::RawPlan>("fuzz-plan.ron", text)
        && raw.scenario.is_some()
    {
        return;
    }
    if let Err(error) = scenario::plan::load_str("fuzz-plan.ron", text, std::path::Path::new("."), &overrides, &[]) {
        assert!(!error.to_string().is_empty(), "an error with no message");
    }
}
