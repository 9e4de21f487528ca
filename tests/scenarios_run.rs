//! Every scenario file shipped under `scenarios/` loads, validates and runs, and every model
//! in it produces referrals.
//!
//! The folder is walked recursively, so a scenario added later is covered without editing
//! this test. Each file is shrunk (two replications of 500 days) because this checks that
//! the files are runnable, not what they conclude.

use joinedup::experiment;
use joinedup::metrics::{METRICS, Metric};
use std::path::{Path, PathBuf};

const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");

/// Folders under `scenarios/` whose `.ron` files are not scenarios, with the reason, so
/// nothing is skipped silently: `sweeps/` holds sweep plans, which tests/sweep.rs runs.
const NOT_SCENARIOS: &[&str] = &["sweeps"];

/// Shrinks any scenario to a quick run: two replications of 500 days. The warm-up is set as
/// well as the horizon because a file's own warm-up may be longer than the shortened horizon.
/// Families are left as they are, so a scenario's queues are as busy as its author meant.
const SHRINK: &[&str] = &["run.replications=2", "run.horizon_days=500", "run.warmup_days=100"];

/// Scenarios under `scenarios/scale/` are benchmarks of scale (England: 6.7 million families);
/// even two replications of 500 days of them take minutes of CPU and about 1 GB. They are
/// shrunk further, to one replication of 30 days (still ~140,000 referrals a model), which
/// checks that they load, validate and run; their full cost is measured by the benchmarks
/// (results/benchmarks.md).
const SHRINK_SCALE: &[&str] = &["run.replications=1", "run.horizon_days=30", "run.warmup_days=5"];

fn ron_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let relative = path.strip_prefix(SCENARIOS).expect("under scenarios/").to_string_lossy().replace('\\', "/");
            if !NOT_SCENARIOS.contains(&relative.as_str()) {
                ron_files(&path, found);
            }
        } else if path.extension().is_some_and(|ext| ext == "ron") {
            found.push(path);
        }
    }
}

#[test]
fn every_scenario_file_loads_and_runs() {
    let mut files = Vec::new();
    ron_files(Path::new(SCENARIOS), &mut files);
    // The walk must at least find the default county and a validation scenario in its
    // subfolder, or it is not looking where the scenarios are.
    for expected in ["county.ron", "validation/mmc.ron"] {
        assert!(files.iter().any(|f| f.ends_with(expected)), "the walk did not find scenarios/{expected}: {files:?}");
    }
    let overrides: Vec<String> = SHRINK.iter().map(|s| s.to_string()).collect();
    let scale_overrides: Vec<String> = SHRINK_SCALE.iter().map(|s| s.to_string()).collect();
    // Every file is tried and every failure reported together, so one broken file does not
    // hide another.
    let mut failures = Vec::new();
    for file in &files {
        let name = file.strip_prefix(SCENARIOS).unwrap_or(file).display().to_string();
        let at_scale = file.strip_prefix(SCENARIOS).is_ok_and(|relative| relative.starts_with("scale"));
        let shrink = if at_scale { &scale_overrides } else { &overrides };
        let loaded = match joinedup::scenario::load(Some(file), shrink) {
            Ok(loaded) => loaded,
            Err(e) => {
                failures.push(format!("{name}: does not load: {e}"));
                continue;
            }
        };
        let comparison = match experiment::run(&loaded.scenario, Some(2)) {
            Ok(comparison) => comparison,
            Err(e) => {
                failures.push(format!("{name}: does not run: {e}"));
                continue;
            }
        };
        if comparison.model_names.len() != loaded.scenario.models.len() {
            failures.push(format!(
                "{name}: {} models in the file, {} in the results",
                loaded.scenario.models.len(),
                comparison.model_names.len()
            ));
        }
        // The cheap invariants hold for every shipped scenario, not only the county that
        // tests/engine_invariants.rs examines in detail.
        for r in &comparison.results {
            let d = &r.diagnostics;
            if d.episodes_created != d.episodes_resolved + d.episodes_no_further_action + d.episodes_lost + d.episodes_open_at_end {
                failures.push(format!(
                    "{name}: model {} replication {}: episodes not conserved: {d:?}",
                    comparison.model_names[r.model_idx], r.replication
                ));
            }
            if let Some((metric, value)) = METRICS.iter().zip(r.values).find(|(_, v)| v.is_some_and(|v| !v.is_finite() || v < 0.0)) {
                failures.push(format!(
                    "{name}: model {} replication {}: {} = {value:?}",
                    comparison.model_names[r.model_idx], r.replication, metric.name
                ));
            }
        }
        for (model_idx, model) in comparison.model_names.iter().enumerate() {
            match comparison.estimate(model_idx, Metric::Referrals) {
                Some(e) if e.mean > 0.0 && e.mean.is_finite() => {}
                other => failures.push(format!("{name}: model {model} has no referrals: {other:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} scenario files failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

/// `scenarios/scale/england.ron` is generated from `scenarios/county.ron`; this catches a
/// county change that was not carried to England (the file once drifted a third of its staff
/// away from the calibrated county, and its queues ran away). Needs `python3`, which the
/// machines this project supports all have.
#[test]
fn england_is_what_its_generator_makes_from_the_county() {
    let script = Path::new(SCENARIOS).join("scale/make_england.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .output()
        .unwrap_or_else(|e| panic!("python3 {} could not start: {e}", script.display()));
    assert!(output.status.success(), "{} failed: {}", script.display(), String::from_utf8_lossy(&output.stderr));
    let committed = std::fs::read(Path::new(SCENARIOS).join("scale/england.ron")).expect("scenarios/scale/england.ron");
    assert!(
        output.stdout == committed,
        "scenarios/scale/england.ron is out of step with scenarios/county.ron: run `python3 scenarios/scale/make_england.py > scenarios/scale/england.ron` and commit the result"
    );
}
