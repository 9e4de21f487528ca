//! Determinism of `joinedup run`: the same scenario and seed give byte-identical output files
//! whatever the number of threads and however often it is run, and a different seed gives
//! different results.
//!
//! This is the promise behind `--threads` ("results are identical for any value") and behind
//! publishing a seed with results. It is tested through the command line, as users meet it,
//! on the built-in county shrunk so the suite stays fast.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The built-in county, small enough to run in about a third of a second: fewer families, two
/// years. Every model times three replications makes many jobs of uneven length, so on two
/// threads they finish in a different order from one thread, which is what must not matter.
const SMALL_COUNTY: &[&str] =
    &["--replications", "3", "--set", "population.n_families=10000", "--set", "run.horizon_days=730", "--set", "run.warmup_days=100"];

/// Runs `joinedup run` on the small built-in county into `out` and returns every file it
/// wrote, by name.
fn run_into(out: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let output = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .arg("run")
        .arg("--out")
        .arg(out)
        .args(SMALL_COUNTY)
        .args(extra)
        .output()
        .expect("the joinedup binary starts");
    assert!(output.status.success(), "joinedup run {extra:?} failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(out).expect("the results folder exists") {
        let entry = entry.expect("a readable folder entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        files.insert(name, std::fs::read(entry.path()).expect("a readable results file"));
    }
    // Guard against comparing two empty folders: these are the files a run promises.
    for expected in ["summary.json", "replications.csv", "timeseries.csv", "scenario.ron"] {
        assert!(files.get(expected).is_some_and(|bytes| !bytes.is_empty()), "{expected} missing or empty in {}", out.display());
    }
    files
}

fn assert_identical(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: different sets of files");
    for (name, bytes) in a {
        if bytes != &b[name] {
            let first_difference = bytes.iter().zip(&b[name]).position(|(x, y)| x != y).unwrap_or(bytes.len().min(b[name].len()));
            panic!("{what}: {name} differs (first at byte {first_difference})");
        }
    }
}

#[test]
fn one_thread_and_two_threads_write_identical_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let one = run_into(&dir.path().join("one"), &["--threads", "1"]);
    let two = run_into(&dir.path().join("two"), &["--threads", "2"]);
    assert_identical(&one, &two, "--threads 1 against --threads 2");
}

#[test]
fn the_same_run_twice_writes_identical_files() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let first = run_into(&dir.path().join("first"), &["--threads", "2"]);
    let second = run_into(&dir.path().join("second"), &["--threads", "2"]);
    assert_identical(&first, &second, "two runs with --threads 2");
}

#[test]
fn a_different_seed_gives_a_different_summary() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let a = run_into(&dir.path().join("a"), &["--seed", "1"]);
    let b = run_into(&dir.path().join("b"), &["--seed", "2"]);
    assert_ne!(a["summary.json"], b["summary.json"], "seeds 1 and 2 gave the same summary.json");
    // Not only the recorded seed: the simulated results themselves must differ.
    assert_ne!(a["replications.csv"], b["replications.csv"], "seeds 1 and 2 gave the same replications.csv");
}
