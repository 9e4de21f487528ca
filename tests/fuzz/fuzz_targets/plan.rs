//! Fuzz target: the sweep plan reader and validator on arbitrary bytes.
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check_plan(data));
