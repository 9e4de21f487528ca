//! How a results folder was made: `provenance.json`, the facts a reviewer needs to reproduce a
//! run (joinedup version, scenario name and hash, seed, replications, warm-up, horizon and the
//! command that ran it).
//!
//! **Invariant:** only deterministic facts go in, so the file is byte-identical for the same
//! scenario, seed and command. That is why it holds no date (the report adds the date it was
//! generated) and why options that cannot change results (`--out`, `--threads`, `--report`)
//! are left out of the recorded command: two runs differing only in those give identical
//! folders, as `joinedup run --threads` promises.

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
        };
        assert_eq!(p.command_line(), r"joinedup run --set 'description=it'\''s a test' 'my file.ron'");
        assert_eq!(p.scenario_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
