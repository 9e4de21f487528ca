//! The command line's behaviour on bad input and with no input: a broken scenario or override
//! exits with code 2 and a message naming the file and the place, never a panic, and never
//! leaves a results folder behind; `joinedup check` and `joinedup run` work on the built-in
//! county with no file at all.
//!
//! Each broken scenario is the built-in county with exactly one defect, so the test knows the
//! defect is the only thing wrong and where it is.

use joinedup::scenario::DEFAULT_COUNTY_RON;
use std::path::Path;
use std::process::{Command, Output};

/// Exit code for bad input (documented in the README).
const EXIT_BAD_INPUT: i32 = 2;

fn joinedup(args: &[&str], working_dir: &Path) -> Output {
    // Run inside a temporary folder, so a run that ignored --out would write its default
    // `results/` there and never into the repository.
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).current_dir(working_dir).output().expect("the joinedup binary starts")
}

/// The county with the one line (not a comment) containing `needle` passed through `edit`;
/// returns the text and the 1-based number of the edited line.
fn county_with_line_edited(needle: &str, edit: impl Fn(&str) -> String) -> (String, usize) {
    let mut edited_line = None;
    let lines: Vec<String> = DEFAULT_COUNTY_RON
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if line.contains(needle) && !line.trim_start().starts_with("//") {
                assert!(edited_line.is_none(), "more than one line of county.ron holds `{needle}`");
                edited_line = Some(i + 1);
                let changed = edit(line);
                assert_ne!(changed, line, "the edit did not change line {}", i + 1);
                changed
            } else {
                line.to_string()
            }
        })
        .collect();
    let line = edited_line.unwrap_or_else(|| panic!("no line of county.ron holds `{needle}`"));
    (lines.join("\n") + "\n", line)
}

/// What every rejected scenario must satisfy; returns stderr for the specific checks.
fn assert_rejected(text: &str) -> (String, String) {
    // The unedited county must be valid, or the test would not know which defect it saw.
    joinedup::scenario::load_str("county.ron", DEFAULT_COUNTY_RON, &[]).expect("the built-in county is valid");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, text).expect("write the broken scenario");
    let out = dir.path().join("results_here");
    let output = joinedup(&["run", file.to_str().expect("a UTF-8 path"), "--out", out.to_str().expect("a UTF-8 path")], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "exit code for a broken scenario; stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "a broken scenario made joinedup panic:\n{stderr}");
    assert!(!out.exists(), "a rejected scenario still created the results folder {}", out.display());
    assert!(!dir.path().join("results").exists(), "a rejected scenario created a default results folder");
    let path = file.display().to_string();
    assert!(stderr.contains(&path), "the message does not name the file {path}:\n{stderr}");
    (stderr, path)
}

#[test]
fn a_missing_bracket_is_reported_at_its_line_and_column() {
    // Drop the closing bracket of the tier mix: the list then runs into the next field.
    let (text, line) = county_with_line_edited("    tier_mix:", |l| l.replacen(']', "", 1));
    let (stderr, path) = assert_rejected(&text);
    // A parser notices a missing bracket at the next token, which is on the following line.
    let place = [line, line + 1].iter().find_map(|n| {
        let at = format!("{path}:{n}:");
        stderr.find(&at).map(|i| stderr[i + at.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
    });
    assert!(place.is_some_and(|column| !column.is_empty()), "expected {path}:LINE:COLUMN with LINE {line} or {}:\n{stderr}", line + 1);
}

#[test]
fn an_unknown_field_is_reported_with_a_suggestion() {
    let (text, line) = county_with_line_edited("horizon_days:", |l| l.replacen("horizon_days:", "horizon_day:", 1));
    let (stderr, path) = assert_rejected(&text);
    let column = text.lines().nth(line - 1).and_then(|l| l.find("horizon_day:")).expect("the edited field") + 1;
    assert!(stderr.contains(&format!("{path}:{line}:{column}")), "expected the place {path}:{line}:{column}:\n{stderr}");
    assert!(stderr.contains("did you mean"), "no suggestion for `horizon_day`:\n{stderr}");
    assert!(stderr.contains("horizon_days"), "the suggestion does not name `horizon_days`:\n{stderr}");
}

#[test]
fn a_negative_rate_is_reported_with_its_dotted_path() {
    let (text, _) = county_with_line_edited("presentations_per_family_year:", |l| {
        let start = l.find("presentations_per_family_year:").expect("the field");
        let end = l[start..].find(',').map_or(l.len(), |i| start + i);
        format!("{}presentations_per_family_year: -1.0{}", &l[..start], &l[end..])
    });
    let (stderr, _) = assert_rejected(&text);
    assert!(
        stderr.contains("population.presentations_per_family_year"),
        "the message does not give the dotted path of the bad field:\n{stderr}"
    );
    assert!(stderr.contains("-1"), "the message does not show the bad value:\n{stderr}");
}

#[test]
fn an_unknown_override_path_suggests_the_right_one() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("results_here");
    let output = joinedup(&["run", "--out", out.to_str().expect("a UTF-8 path"), "--set", "run.horizon_day=400"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "exit code for an unknown --set path; stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "an unknown --set path made joinedup panic:\n{stderr}");
    assert!(stderr.contains("did you mean"), "no suggestion for `run.horizon_day`:\n{stderr}");
    assert!(stderr.contains("run.horizon_days"), "the suggestion does not give the full path `run.horizon_days`:\n{stderr}");
    assert!(!out.exists(), "a rejected override still created the results folder");
}

#[test]
fn check_accepts_the_built_in_county() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = joinedup(&["check"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "joinedup check on the built-in county; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("valid"), "joinedup check does not say the county is valid:\n{stdout}");
}

#[test]
fn run_without_a_file_runs_the_built_in_county() {
    let county = joinedup::scenario::load(None, &[]).expect("the built-in county loads").scenario;
    let names: Vec<&str> = county.models.iter().map(|m| m.name.as_str()).collect();
    assert!(names.len() >= 2, "the county compares at least two models: {names:?}");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("county_results");
    let output = joinedup(
        &[
            "run",
            "--out",
            out.to_str().expect("a UTF-8 path"),
            "--replications",
            "2",
            "--set",
            "population.n_families=10000",
            "--set",
            "run.horizon_days=400",
            "--set",
            "run.warmup_days=50",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "joinedup run with no file; stderr:\n{}", String::from_utf8_lossy(&output.stderr));
    // The table's header row names every model side by side.
    let header = stdout.lines().next().unwrap_or_default();
    for name in &names {
        assert!(header.contains(name), "the table header does not name model {name}:\n{stdout}");
    }
    assert!(stdout.contains("referrals"), "the table has no referrals row:\n{stdout}");
    assert!(out.join("summary.json").is_file(), "no summary.json in {}", out.display());
}

#[test]
fn an_override_addressed_by_name_reaches_its_element_and_errors_name_its_path() {
    // `--set` can address list elements by their `name`; emptying the one staff line of the
    // M/M/c service by name must be caught by validation at exactly that dotted path, which
    // proves the override reached the element it named.
    let mmc = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/mmc.ron");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = joinedup(&["check", mmc, "--set", "models.mmc.units.service.staff.0.n_practitioners=0"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "exit code for an invalid override; stderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "an invalid override made joinedup panic:\n{stderr}");
    assert!(stderr.contains(mmc), "the message does not name the file {mmc}:\n{stderr}");
    assert!(
        stderr.contains("models.mmc.units.service.staff.0.n_practitioners"),
        "the message does not give the dotted path of the overridden field:\n{stderr}"
    );
}

#[test]
fn a_structure_that_cannot_keep_up_runs_with_a_warning_naming_the_unit() {
    let risk = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/risks/overloaded_integrated_team.ron");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let output = joinedup(&["run", risk, "--replications", "2", "--out", out.to_str().expect("a UTF-8 path")], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "a hopeless but valid structure still runs; stderr:\n{stderr}");
    assert!(out.join("summary.json").is_file(), "no results written");
    assert!(
        stderr.contains("warning: model `overloaded`, unit `integrated_team` cannot keep up"),
        "no warning for the overloaded team:\n{stderr}"
    );
    assert!(!stderr.contains("`adequately_staffed`"), "the adequately staffed team was warned about:\n{stderr}");
}

#[test]
fn command_line_values_past_their_limits_are_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    // Too many threads: refused before the scenario is even run (a typo for 16 would
    // otherwise start thousands of threads).
    for args in [
        vec!["run", "--threads", "100000", "--out", out.to_str().expect("a UTF-8 path")],
        vec!["calibrate", "--threads", "0"],
        vec!["calibrate", "--threads", "5000"],
    ] {
        let output = joinedup(&args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "{args:?}: {stderr}");
        assert!(stderr.contains("--threads"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!out.exists(), "a refused run left a results folder");

    // A scenario file far larger than any scenario is refused without reading it all.
    let huge = dir.path().join("huge.ron");
    let file = std::fs::File::create(&huge).expect("create a file");
    file.set_len(joinedup::scenario::MAX_INPUT_BYTES + 1).expect("a sparse file");
    let output = joinedup(&["check", huge.to_str().expect("a UTF-8 path")], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "{stderr}");
    assert!(stderr.contains("huge.ron") && stderr.contains("larger than 64 MiB"), "{stderr}");

    // `calibrate` on a scenario without a calibration section says so at once, naming the file.
    let mm1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/validation/mm1.ron");
    let mm1_text = mm1.to_str().expect("a UTF-8 path");
    let output = joinedup(&["calibrate", mm1_text, "--set", "run.horizon_days=36525", "--replications", "200"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "{stderr}");
    assert!(stderr.contains(mm1_text) && stderr.contains("no `calibration: (...)` section"), "{stderr}");
}

#[test]
fn a_file_where_a_folder_belongs_is_named_as_such() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a folder").expect("write a file");
    let file_text = file.to_str().expect("a UTF-8 path");
    let missing = dir.path().join("no_such_shard");
    let out = dir.path().join("merged");
    for (args, says) in [
        (vec!["report", file_text], "it is a file, not a folder"),
        (vec!["merge", file_text, "--out", out.to_str().expect("a UTF-8 path")], "is a file, not a folder"),
        (vec!["merge", missing.to_str().expect("a UTF-8 path"), "--out", out.to_str().expect("a UTF-8 path")], "does not exist"),
        (vec!["serve", "--scenarios", file_text, "--port", "0"], "is a file, not a folder"),
    ] {
        let output = joinedup(&args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(EXIT_BAD_INPUT), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!out.exists(), "a refused merge made its --out folder");
    assert_eq!(std::fs::read_to_string(&file).expect("the file is still there"), "not a folder");
}

#[test]
fn a_restructure_dated_past_the_end_of_the_run_runs_with_a_warning() {
    // A shortened run of a longer plan is a fair quick look, so it runs; but the model then
    // ran as the structure before the restructure, and the warning says so.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let model = "models=[(name: \"siloed\", preset: (name: \"siloed\"), restructure: (day: 1000, to: (name: \"integrated_hub\")))]";
    let args =
        ["run", "--replications", "1", "--set", "run.horizon_days=730", "--set", model, "--out", out.to_str().expect("a UTF-8 path")];
    let output = joinedup(&args, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: model `siloed`: units `hub`") && stderr.contains("never ran"), "{stderr}");
    // Dated inside the run, no such warning.
    let args = [
        "run",
        "--replications",
        "1",
        "--set",
        "run.horizon_days=1200",
        "--set",
        model,
        "--out",
        out.to_str().expect("a UTF-8 path"),
        "--force",
    ];
    let output = joinedup(&args, dir.path());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("never ran"), "{}", String::from_utf8_lossy(&output.stderr));
}
