//! Determinism of `joinedup run`: the same scenario and seed give byte-identical output files
//! whatever the number of threads, however often it is run, and whichever `exp` and `log` the
//! machine's C library would choose; a different seed gives different results.
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
    run_into_with(out, extra, &[])
}

/// `run_into` with the environment variables `env` set for the run.
fn run_into_with(out: &Path, extra: &[&str], env: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    let output = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .envs(env.iter().copied())
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

/// The glibc setting that makes it take its `exp` and `log` for processors without AVX2 and
/// fused multiply-add, as on an older machine: the two round some results differently.
const OLDER_PROCESSOR: (&str, &str) = ("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX2,-FMA");

/// Prints, when `JOINEDUP_PRINT_C_EXP` is set, a hash of the C library's `exp` (`exp_hash`),
/// for `a_machine_whose_c_library_rounds_otherwise_writes_identical_files` to run
/// in a process of its own under `OLDER_PROCESSOR`; otherwise does nothing.
#[test]
#[allow(clippy::disallowed_methods)]
fn c_library_exp_hash() {
    if std::env::var_os("JOINEDUP_PRINT_C_EXP").is_some() {
        println!("c_library_exp_hash={}", exp_hash(f64::exp));
    }
}

/// A hash of `exp`'s results, bit for bit, over 100,000 arguments from -8 to 12 (the range
/// of the log-normal durations' exponents) and 100,000 from -745 to 710 (all of it).
fn exp_hash(exp: impl Fn(f64) -> f64) -> String {
    let hash = (0..100_000u32).fold(0u64, |hash, i| {
        let (near, wide) = (-8.0 + 20.0 * f64::from(i) / 1e5, -745.0 + 1455.0 * f64::from(i) / 1e5);
        (hash.rotate_left(5) ^ exp(near).to_bits()).rotate_left(5) ^ exp(wide).to_bits()
    });
    format!("{hash:016x}")
}

/// The C library's `exp` hash in a process run with `env` (by `c_library_exp_hash`).
fn c_library_exp_hash_with(env: &[(&str, &str)]) -> String {
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["--exact", "c_library_exp_hash", "--nocapture", "--test-threads", "1"])
        .env("JOINEDUP_PRINT_C_EXP", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the test binary starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The harness prints the test's name on the same line, before the hash.
    let (_, after) = stdout.split_once("c_library_exp_hash=").expect("the hash is printed");
    after.chars().take(16).collect()
}

/// The same files on a machine whose C library computes `exp` and `log` otherwise: the
/// simulation computes them in Rust (`joinedup::math`). Checked where glibc can be made to
/// choose its other `exp` (x86-64 with AVX2 and FMA, as CI's machine): the test first makes
/// sure that the setting does change the C library's results, and so the files of a version
/// that called it (before `math`, the files differed at this size). Elsewhere the C
/// library cannot be switched from here, and the two runs are simply compared.
///
/// Where the setting does switch it, `joinedup::math::exp` is also held to glibc's `exp` for
/// processors without FMA, bit for bit: the algorithm it writes out in Rust.
#[test]
fn a_machine_whose_c_library_rounds_otherwise_writes_identical_files() {
    let older_processor_exp = c_library_exp_hash_with(&[OLDER_PROCESSOR]);
    let switched = c_library_exp_hash_with(&[]) != older_processor_exp;
    if switched {
        assert_eq!(exp_hash(joinedup::math::exp), older_processor_exp, "joinedup::math::exp is glibc's exp for processors without FMA");
    } else {
        eprintln!(
            "note: {}={} does not change this machine's exp; the runs are compared all the same",
            OLDER_PROCESSOR.0, OLDER_PROCESSOR.1
        );
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let here = run_into(&dir.path().join("here"), &["--threads", "2"]);
    let older = run_into_with(&dir.path().join("older"), &["--threads", "2"], &[OLDER_PROCESSOR]);
    assert_identical(&here, &older, "the C library's exp and log for newer and for older processors");
}

/// What the simulation must not call, because it comes from the C library (`joinedup::math`):
/// the standard library's transcendental functions, and `rand_distr`'s samplers that call them.
const C_LIBRARY_MATHS: [&str; 19] = [
    ".exp()",
    ".ln()",
    ".powf(",
    ".log10()",
    ".log2()",
    ".log(",
    ".exp2()",
    ".exp_m1()",
    ".ln_1p()",
    ".sin()",
    ".cos()",
    ".tan()",
    ".cbrt()",
    ".hypot(",
    "f64::exp",
    "f64::ln",
    "f64::powf",
    "Exp1",
    "StandardNormal",
];

/// `joinedup::math`'s invariant, for every test run (`clippy.toml` states it for `cargo clippy`,
/// which the test command does not run): no code under `src/` but `src/math.rs` calls the C
/// library's maths (`C_LIBRARY_MATHS`), outside comments and the test modules (each file's
/// from its `#[cfg(test)]` on). The version before `math` had 25 such places.
#[test]
fn the_simulation_takes_no_maths_from_the_c_library() {
    fn visit(dir: &Path, found: &mut Vec<String>, n_files: &mut usize) {
        for entry in std::fs::read_dir(dir).expect("a readable source folder") {
            let path = entry.expect("a readable folder entry").path();
            if path.is_dir() {
                visit(&path, found, n_files);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/math.rs") {
                *n_files += 1;
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                for (idx, line) in text.lines().enumerate().take_while(|(_, line)| !line.trim_start().starts_with("#[cfg(test)]")) {
                    let code = line.split("//").next().unwrap_or("");
                    for call in C_LIBRARY_MATHS.iter().filter(|call| code.contains(*call)) {
                        found.push(format!("{}:{}: {call}", path.display(), idx + 1));
                    }
                }
            }
        }
    }
    let (mut found, mut n_files) = (Vec::new(), 0);
    visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found, &mut n_files);
    assert!(n_files > 40, "only {n_files} source files read");
    assert!(
        found.is_empty(),
        "the C library's maths in the simulation (use joinedup::math, joinedup::rng::exp1 or standard_normal):\n{}",
        found.join("\n")
    );
}
