//! How a results folder was made: `provenance.json`, the facts a reviewer needs to reproduce a
//! run (joinedup version, scenario name and hash, seed, replications, warm-up, horizon and the
//! command that ran it).
//!
//! **Invariant:** only deterministic facts go in, so the file is byte-identical for the same
//! scenario, seed and command on any machine (`math_library` included). That is why it
//! holds no date (the report adds the date it was generated) and why options that cannot
//! change results (`--out`, `--threads`, `--report`) are left out of the recorded command: two
//! runs differing only in those give identical folders, as `joinedup run --threads` promises.

use crate::model::Scenario;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Name of the provenance file in a results folder.
pub const FILE_NAME: &str = "provenance.json";

/// Options of `joinedup run` that change where or how fast results are written, never what
/// they are, with whether each takes a value.
const RESULT_NEUTRAL_OPTIONS: &[(&str, bool)] = &[("--out", true), ("--threads", true), ("--report", false)];

/// The contents of `provenance.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of joinedup that ran the scenario (`Cargo.toml`'s version).
    pub joinedup_version: String,
    pub scenario: String,
    /// SHA-256 of `scenario.ron` as written beside the results, in lower-case hex.
    pub scenario_sha256: String,
    pub seed: u64,
    pub replications: u32,
    pub warmup_days: f64,
    pub horizon_days: f64,
    /// The command's arguments after the program name, as given, less the options that cannot
    /// change results (see the module documentation).
    pub arguments: Vec<String>,
    /// How the build that ran computes `exp`, `ln` and `powf` ([`math_library_fingerprint`]),
    /// the only arithmetic whose last bit could differ between machines. Since they are
    /// computed in Rust (`math`), it is the same on every machine: `13849283f03066ac`. A
    /// folder written by a version of joinedup that took them from the C library (before
    /// 0.1.0's `math`) may show another, and then holds another sample of the same model.
    /// Absent from folders written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub math_library: Option<String>,
}

impl Provenance {
    /// Provenance of a run of `scenario`, whose resolved text is `scenario_ron`, started with
    /// `arguments` (everything after the program name).
    pub fn new(scenario: &Scenario, scenario_ron: &str, arguments: &[String]) -> Provenance {
        Provenance {
            joinedup_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: scenario.name.clone(),
            scenario_sha256: sha256_hex(scenario_ron.as_bytes()),
            seed: scenario.run.seed,
            replications: scenario.run.replications,
            warmup_days: scenario.run.warmup_days,
            horizon_days: scenario.run.horizon_days,
            arguments: result_arguments(arguments),
            math_library: Some(math_library_fingerprint()),
        }
    }

    /// The file's text: pretty JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("provenance serialises");
        text.push('\n');
        text
    }

    /// The recorded command as one line a reader can paste into a shell.
    pub fn command_line(&self) -> String {
        std::iter::once("joinedup".to_string()).chain(self.arguments.iter().map(|a| shell_quote(a))).collect::<Vec<_>>().join(" ")
    }
}

/// Inputs per function that [`math_library_fingerprint`] feeds to `exp`, `ln` and `powf`. glibc's
/// two x86-64 builds of `exp` (for processors with FMA and AVX2, and without) round about 3 in
/// 10,000 arguments differently, so 100,000 of each tell such versions apart all but
/// certainly, in a few milliseconds once a run.
const FINGERPRINT_INPUTS: u64 = 100_000;

/// 16 hex digits that tell how `exp`, `ln` and `powf` compute as the engine calls them
/// (`math`): a hash of their results, bit for bit, over fixed arguments in the ranges the
/// engine uses. The same on every machine for one version of the `libm` crate (a test holds
/// it to its value); worked out once a process: a sweep records it with every point, so that
/// a merge of points from versions of joinedup that computed differently says so.
pub fn math_library_fingerprint() -> String {
    static FINGERPRINT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FINGERPRINT.get_or_init(|| format!("{:016x}", fingerprint_of(crate::math::exp, crate::math::ln, crate::math::powf))).clone()
}

/// The hash behind [`math_library_fingerprint`], of the functions given (so a test can hand it
/// functions that differ in one result).
fn fingerprint_of(exp: impl Fn(f64) -> f64, ln: impl Fn(f64) -> f64, powf: impl Fn(f64, f64) -> f64) -> u64 {
    // Arguments from a fixed sequence: uniform on [0, 1) from the top 53 bits of SplitMix.
    let unit = |i: u64, lane: u64| (crate::rng::mix64(i.wrapping_mul(4).wrapping_add(lane)) >> 11) as f64 / (1u64 << 53) as f64;
    let mut hash = 0x9E37_79B9_7F4A_7C15u64;
    let mut add = |value: f64| hash = crate::rng::mix64(hash ^ value.to_bits());
    for i in 0..FINGERPRINT_INPUTS {
        // Log-normal durations (exp of -8 to 12) and the forgetting of coordination (exp of -40
        // to 0); the tails of the ziggurats (ln of (0, 1]) and means (ln of up to 10^4); the
        // erosion of trust (a share below 1 to a power up to 10).
        add(exp(-8.0 + 20.0 * unit(i, 0)));
        add(exp(-40.0 * unit(i, 1)));
        add(ln(1.0 - unit(i, 2)));
        add(ln(1.0 + 1e4 * unit(i, 3)));
        add(powf(unit(i, 0), 10.0 * unit(i, 1)));
    }
    hash
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `arguments` without the options that cannot change results, in both the `--out DIR` and
/// the `--out=DIR` spelling.
pub fn result_arguments(arguments: &[String]) -> Vec<String> {
    let mut kept = Vec::with_capacity(arguments.len());
    let mut iter = arguments.iter();
    while let Some(argument) = iter.next() {
        if argument == "--" {
            // Everything after `--` is positional, never an option.
            kept.push(argument.clone());
            kept.extend(iter.cloned());
            break;
        }
        let neutral = RESULT_NEUTRAL_OPTIONS
            .iter()
            .find(|(name, _)| argument == name || argument.strip_prefix(name).is_some_and(|rest| rest.starts_with('=')));
        match neutral {
            Some((name, takes_value)) => {
                if *takes_value && argument == name {
                    iter.next();
                }
            }
            None => kept.push(argument.clone()),
        }
    }
    kept
}

/// Quotes `text` for a POSIX shell when it holds anything but plain word characters.
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain { text.to_string() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint is the same each time and on every machine (its value is written here,
    /// and in `Provenance::math_library`'s documentation), and one result rounded the other
    /// way in its last bit, of any of the three functions, changes it: what told two C
    /// libraries apart, and would tell a changed `libm` crate.
    #[test]
    #[allow(clippy::disallowed_methods)]
    fn the_math_fingerprint_is_fixed_and_sees_one_result_rounded_differently() {
        use crate::math;
        let plain = fingerprint_of(math::exp, math::ln, math::powf);
        assert_eq!(plain, fingerprint_of(math::exp, math::ln, math::powf));
        assert_eq!(math_library_fingerprint(), format!("{plain:016x}"));
        assert_eq!(
            math_library_fingerprint(),
            "13849283f03066ac",
            "math's results moved (its exp, or the libm crate's ln or pow): see Provenance::math_library"
        );
        // The C library's functions (glibc's: be9d7d2d2d6067ef with FMA and AVX2,
        // 801382efe63a4990 without) are not `math`'s.
        assert_ne!(fingerprint_of(f64::exp, f64::ln, f64::powf), plain);
        // About one argument in a thousand, its result moved by one unit in the last place, as
        // glibc's two builds of `exp` differ in about three in ten thousand.
        let odd = |x: f64| x.to_bits() % 1000 == 7;
        let next = |x: f64| f64::from_bits(x.to_bits() + 1);
        let odd_exp = |x: f64| if odd(x) { next(math::exp(x)) } else { math::exp(x) };
        let odd_ln = |x: f64| if odd(x) { next(math::ln(x)) } else { math::ln(x) };
        let odd_powf = |x: f64, y: f64| if odd(x) { next(math::powf(x, y)) } else { math::powf(x, y) };
        for changed in [
            fingerprint_of(odd_exp, math::ln, math::powf),
            fingerprint_of(math::exp, odd_ln, math::powf),
            fingerprint_of(math::exp, math::ln, odd_powf),
        ] {
            assert_ne!(changed, plain);
        }
        assert_eq!(math_library_fingerprint().len(), 16);
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_that_cannot_change_results_are_left_out_in_both_spellings() {
        let given = strings(&[
            "run",
            "county.ron",
            "--out",
            "/tmp/a",
            "--threads=2",
            "--seed",
            "7",
            "--report",
            "--set",
            "run.replications=3",
            "--out=/tmp/b",
            "--threads",
            "1",
        ]);
        assert_eq!(result_arguments(&given), strings(&["run", "county.ron", "--seed", "7", "--set", "run.replications=3"]));
        // An option that merely starts with a neutral name is kept.
        assert_eq!(result_arguments(&strings(&["--outlier=1"])), strings(&["--outlier=1"]));
        assert_eq!(result_arguments(&strings(&["run", "--", "--out"])), strings(&["run", "--", "--out"]));
    }

    #[test]
    fn the_command_line_quotes_only_what_a_shell_would_split() {
        let p = Provenance {
            joinedup_version: "0.1.0".into(),
            scenario: "county".into(),
            scenario_sha256: sha256_hex(b""),
            seed: 1,
            replications: 2,
            warmup_days: 10.0,
            horizon_days: 20.0,
            arguments: strings(&["run", "--set", "description=it's a test", "my file.ron"]),
            math_library: None,
        };
        assert_eq!(p.command_line(), r"joinedup run --set 'description=it'\''s a test' 'my file.ron'");
        assert_eq!(p.scenario_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
