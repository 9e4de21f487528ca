//! The library's error type: every variant says what went wrong, where, and what would fix it.
//!
//! Messages are written for a planner editing a scenario file, not for a Rust programmer.
//! Engine bugs are not errors: they are assertions inside the engine.

use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when a run started but could not finish (a limit was reached, a file could not
/// be written).
pub const EXIT_FAILED: u8 = 1;
/// Exit code for bad input: the scenario, an override or a command-line value.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code when Ctrl-C (or SIGTERM, as a cluster's time limit sends) stopped the work;
/// 128 + SIGINT, as shells report an interrupted command.
pub const EXIT_INTERRUPTED: u8 = 130;

/// One problem found while validating a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted path to the field, as `--set` would name it, e.g. `models.siloed.units.camhs.tiers`.
    pub path: String,
    /// What is wrong and what would fix it.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read scenario file {path}: {source}. Check the path is right and the file is readable.")]
    ReadScenario { path: PathBuf, source: std::io::Error },

    #[error("{path}:{line}:{column}: {message}\n{snippet}\nHow to fix: {hint}")]
    Syntax { path: String, line: usize, column: usize, message: String, snippet: String, hint: String },

    #[error("--set {assignment}: {message}")]
    BadOverride { assignment: String, message: String },

    #[error("{path}: the scenario has {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, problems: Vec<Problem> },

    #[error("{option}: {message}")]
    BadArgument { option: String, message: String },

    #[error(
        "model {model}, replication {replication}: more than {limit} families have open cases{within} at day {day:.0}. \
The structure cannot keep up with demand, so its queues grow without bound. Add staff, lower demand, or raise run.max_open_episodes if the county really is this large."
    )]
    /// `within` is empty, or names the locality when the scenario's independent localities run
    /// one at a time (the limit then applies to each).
    OpenEpisodeLimit { model: String, replication: u32, limit: u32, within: String, day: f64 },

    #[error("cannot write results to {path}: {source}. Check the folder exists, is writable and the disk is not full.")]
    Output { path: PathBuf, source: std::io::Error },

    #[error("{n_failed} of {n_patterns} calibration patterns fall outside their accepted range (see the table above and docs/ODD.md).")]
    CalibrationFailed { n_failed: usize, n_patterns: usize },

    #[error(
        "results folder {path} already holds results ({found}). Choose another --out folder, remove it, or (for `joinedup run`) add --force to replace them."
    )]
    OutputInUse { path: PathBuf, found: String },

    #[error(
        "results folder {path} holds a sweep's results ({found}); a run's files would mix with them, even with --force. Choose another --out folder."
    )]
    OutputIsSweep { path: PathBuf, found: String },

    /// Ctrl-C or SIGTERM: `message` says what was kept and how to carry on.
    #[error("interrupted: {message}")]
    Interrupted { message: String },

    #[error("cannot read sweep plan {path}: {source}. Check the path is right and the file is readable.")]
    ReadPlan { path: PathBuf, source: std::io::Error },

    #[error("{path}: the sweep plan has {} problem{}:\n{}\ndocs/sweeps.md describes every field of a plan.", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidPlan { path: String, problems: Vec<Problem> },

    #[error(
        "design point {point_idx} ({values}): {source}\nPoints finished so far are kept; change the plan or the base scenario, or run the same command again to resume."
    )]
    Point { point_idx: usize, values: String, source: Box<Error> },

    #[error("cannot use the sweep results in {path}: {message}")]
    SweepResults { path: PathBuf, message: String },

    #[error("cannot merge: {message}")]
    Merge { message: String },

    /// A results folder that `joinedup report` cannot read; `message` names the place in the
    /// file and what would fix it.
    #[error("cannot make a report from {path}: {message}")]
    ReadResults { path: PathBuf, message: String },

    /// The workbench was asked for a file outside the folders it serves (a `..`, an absolute
    /// path, or a link leading out).
    #[error(
        "`{requested}` is outside the {what} folder {folder}. The workbench reads and writes only inside its scenarios and results folders; name a file inside it, without `..` or a leading `/`."
    )]
    OutsideFolder { requested: String, what: &'static str, folder: PathBuf },

    /// The workbench has no scenario, run or file by this name.
    #[error("there is no {what} `{name}`; {hint}")]
    NotFound { what: &'static str, name: String, hint: String },

    /// The workbench's web server could not start or stopped.
    #[error("the workbench cannot serve on {address}: {message}")]
    Serve { address: String, message: String },
}

impl Error {
    /// The process exit code this error maps to (documented in the README).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::ReadScenario { .. }
            | Error::Syntax { .. }
            | Error::BadOverride { .. }
            | Error::Invalid { .. }
            | Error::BadArgument { .. }
            | Error::ReadPlan { .. }
            | Error::InvalidPlan { .. }
            | Error::Merge { .. }
            | Error::ReadResults { .. }
            | Error::OutsideFolder { .. }
            | Error::NotFound { .. } => EXIT_BAD_INPUT,
            Error::Point { source, .. } => source.exit_code(),
            Error::OpenEpisodeLimit { .. }
            | Error::Output { .. }
            | Error::OutputInUse { .. }
            | Error::OutputIsSweep { .. }
            | Error::SweepResults { .. }
            | Error::CalibrationFailed { .. }
            | Error::Serve { .. } => EXIT_FAILED,
            Error::Interrupted { .. } => EXIT_INTERRUPTED,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(word, candidate);
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    // A suggestion further away than about half the word would be noise, not help.
    best.filter(|(d, c)| *d <= (word.len().max(c.len()) / 2).max(2)).map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_suggests_typos_and_not_noise() {
        let names = ["horizon_days", "warmup_days", "replications", "seed"];
        assert_eq!(nearest("horizon_day", names), Some("horizon_days"));
        assert_eq!(nearest("replicatoins", names), Some("replications"));
        assert_eq!(nearest("zzzzzzzzzzzzzzzzzz", names), None);
    }
}
