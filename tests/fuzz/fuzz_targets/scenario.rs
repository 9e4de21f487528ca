//! Fuzz target: the scenario reader and validator (`joinedup check`) on arbitrary bytes.
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check_scenario(data));
