//! Invariants of the engine checked from outside, on every replication of a small county:
//! families are conserved, every model faces the same families (common random numbers),
//! every metric is within its natural bounds, and no output file holds NaN or infinity.
//!
//! The engine asserts conservation itself; checking it again here through the public
//! diagnostics catches a change that silences or weakens that assertion.

use joinedup::experiment::{self, Comparison};
use joinedup::metrics::{METRICS, Metric, PERCENTILES, ReplicationResult, TIMESERIES, WAIT_METRICS};
use joinedup::output;
use joinedup::scenario::{self, LoadedScenario};
use std::sync::OnceLock;

/// The built-in county shrunk to run in well under a second, with enough replications to
/// compare checksums across replications.
const SMALL_COUNTY: &[&str] = &["population.n_families=20000", "run.horizon_days=730", "run.warmup_days=100", "run.replications=4"];

/// The county is run once and shared by every test in this file.
fn county() -> &'static (LoadedScenario, Comparison) {
    static COUNTY: OnceLock<(LoadedScenario, Comparison)> = OnceLock::new();
    COUNTY.get_or_init(|| {
        let overrides: Vec<String> = SMALL_COUNTY.iter().map(|s| s.to_string()).collect();
        let loaded = scenario::load(None, &overrides).expect("the built-in county loads");
        let comparison = experiment::run(&loaded.scenario, Some(2)).expect("the small county runs");
        assert!(loaded.scenario.models.len() >= 2, "the county compares at least two models");
        (loaded, comparison)
    })
}

fn label(comparison: &Comparison, r: &ReplicationResult) -> String {
    format!("model {} replication {}", comparison.model_names[r.model_idx], r.replication)
}

#[test]
fn every_episode_ends_in_exactly_one_state() {
    let (_, comparison) = county();
    assert_eq!(comparison.results.len(), comparison.model_names.len() * comparison.replications as usize);
    for r in &comparison.results {
        let d = &r.diagnostics;
        assert!(d.episodes_created > 0, "{}: no episodes at all", label(comparison, r));
        assert_eq!(
            d.episodes_created,
            d.episodes_resolved + d.episodes_no_further_action + d.episodes_lost + d.episodes_open_at_end,
            "{}: episodes are not conserved: {d:?}",
            label(comparison, r)
        );
        assert!(d.peak_open_episodes >= d.episodes_open_at_end, "{}: peak below the final count", label(comparison, r));
    }
}

#[test]
fn every_model_faces_the_same_families_in_a_replication() {
    let (_, comparison) = county();
    let baseline = comparison.model_results(0);
    for model_idx in 1..comparison.model_names.len() {
        for (base, other) in baseline.iter().zip(comparison.model_results(model_idx)) {
            assert_eq!(base.replication, other.replication);
            assert!(base.diagnostics.new_families > 0, "replication {}: no families arrived", base.replication);
            assert_eq!(
                (base.diagnostics.new_families, base.diagnostics.arrival_checksum),
                (other.diagnostics.new_families, other.diagnostics.arrival_checksum),
                "replication {}: {} and {} faced different families",
                base.replication,
                comparison.model_names[0],
                comparison.model_names[model_idx]
            );
        }
    }
    // Replications are independent samples: each one's families must differ from every
    // other's, or the confidence intervals would be too narrow.
    for (i, a) in baseline.iter().enumerate() {
        for b in &baseline[i + 1..] {
            assert_ne!(
                a.diagnostics.arrival_checksum, b.diagnostics.arrival_checksum,
                "replications {} and {} have the same arrivals",
                a.replication, b.replication
            );
        }
    }
}

/// Metrics that are shares or rates of episodes, so must lie in [0, 1].
const SHARES: [Metric; 5] = [
    Metric::EscalationTier3,
    Metric::EscalationTier4,
    Metric::Rereferral12m,
    Metric::PractitionerUtilisation,
    Metric::CoordinationTimeShare,
];

#[test]
fn metrics_are_finite_and_within_their_bounds() {
    let (_, comparison) = county();
    for r in &comparison.results {
        let who = label(comparison, r);
        for (def, value) in METRICS.iter().zip(r.values) {
            let Some(v) = value else { continue };
            assert!(v.is_finite(), "{who}: {} = {v}", def.name);
            // Every metric is a count, a rate, a wait, a share or money: none can be negative.
            assert!(v >= 0.0, "{who}: {} = {v} is negative", def.name);
        }
        for metric in SHARES {
            if let Some(v) = r.value(metric) {
                assert!(v <= 1.0, "{who}: {} = {v} is a share above 1", METRICS[metric as usize].name);
            }
        }
        // A county that ran for two years must have measured these; `None` would hide a bug.
        for metric in [Metric::Referrals, Metric::WaitServiceStart, Metric::PractitionerUtilisation, Metric::StaffCost] {
            assert!(r.value(metric).is_some_and(|v| v > 0.0), "{who}: {} missing or zero", METRICS[metric as usize].name);
        }
        for (wait_idx, metric) in WAIT_METRICS.iter().enumerate() {
            let quantiles: Vec<Option<f64>> = PERCENTILES.iter().map(|(_, q)| r.wait_percentile(wait_idx, *q)).collect();
            let observed: Vec<f64> = quantiles.iter().flatten().copied().collect();
            assert!(
                observed.iter().all(|v| v.is_finite() && *v >= 0.0),
                "{who}: {} percentiles {quantiles:?}",
                METRICS[*metric as usize].name
            );
            assert!(
                observed.windows(2).all(|w| w[0] <= w[1]),
                "{who}: {} percentiles out of order {quantiles:?}",
                METRICS[*metric as usize].name
            );
        }
        for unit in &r.diagnostics.units {
            assert!((0.0..=1.0).contains(&unit.utilisation), "{who}: unit {} utilisation {}", unit.name, unit.utilisation);
        }
        let utilisation_col = TIMESERIES.iter().position(|n| *n == "practitioner_utilisation").expect("a utilisation series");
        for (month, row) in r.months.iter().enumerate() {
            for (name, value) in TIMESERIES.iter().zip(row) {
                if let Some(v) = value {
                    assert!(v.is_finite() && *v >= 0.0, "{who}: month {month} {name} = {v}");
                }
            }
            if let Some(v) = row[utilisation_col] {
                assert!(v <= 1.0 + 1e-9, "{who}: month {month} utilisation {v} above 1");
            }
        }
    }
}

/// Fails on any NaN or infinity in a file's text, whatever the format: as a bare token
/// (`NaN`, `inf`, `-inf`, `infinity`) or as a CSV value that does not parse as a finite number.
fn assert_no_non_finite(name: &str, text: &str) {
    for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let token = token.to_ascii_lowercase();
        assert!(!matches!(token.as_str(), "nan" | "inf" | "infinity"), "{name} holds `{token}`");
    }
    if name.ends_with(".csv") {
        for line in text.lines().skip(1) {
            let value = line.rsplit(',').next().expect("a CSV row has a value");
            let parsed: f64 = value.parse().unwrap_or_else(|_| panic!("{name}: `{value}` is not a number in `{line}`"));
            assert!(parsed.is_finite(), "{name}: {line}");
        }
    }
    if name.ends_with(".json") {
        let json: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"));
        fn walk(name: &str, value: &serde_json::Value) {
            match value {
                serde_json::Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{name}: {n}"),
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(name, v)),
                serde_json::Value::Object(map) => map.values().for_each(|v| walk(name, v)),
                _ => {}
            }
        }
        walk(name, &json);
    }
}

#[test]
fn no_output_file_holds_nan_or_infinity() {
    let (loaded, comparison) = county();
    let files = output::run_files(&loaded.scenario, comparison, &loaded.resolved_ron());
    assert!(files.files.len() >= 4, "a run writes at least four files");
    for (name, text) in &files.files {
        assert!(!text.is_empty(), "{name} is empty");
        assert_no_non_finite(name, text);
    }
}

#[test]
fn a_metric_never_observed_is_null_in_json_and_absent_from_csv() {
    // mmc.ron has no assessment, so `wait_assessment_done_days` is never observed: the case
    // where a careless division would write NaN.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/mmc.ron");
    let overrides = ["run.horizon_days=400".to_string(), "run.warmup_days=50".to_string(), "run.replications=2".to_string()];
    let loaded = scenario::load(Some(std::path::Path::new(path)), &overrides).expect("mmc.ron loads");
    let comparison = experiment::run(&loaded.scenario, Some(1)).expect("mmc runs");
    assert!(comparison.estimate(0, Metric::WaitAssessmentDone).is_none(), "mmc has no assessments to wait for");
    let files = output::run_files(&loaded.scenario, &comparison, &loaded.resolved_ron());
    for (name, text) in &files.files {
        assert_no_non_finite(name, text);
    }
    let text_of = |wanted: &str| files.files.iter().find(|(n, _)| *n == wanted).map(|(_, t)| t.clone()).expect("file written");
    let summary: serde_json::Value = serde_json::from_str(&text_of("summary.json")).expect("valid JSON");
    let entry = &summary["models"][0]["metrics"]["wait_assessment_done_days"];
    assert!(entry.is_object(), "summary.json lists wait_assessment_done_days: {entry}");
    assert!(entry["mean"].is_null(), "an unobserved metric's mean is null, found {}", entry["mean"]);
    assert!(summary["models"][0]["metrics"]["wait_service_start_days"]["mean"].is_number(), "observed waits have a mean");
    assert!(
        !text_of("replications.csv").lines().any(|l| l.split(',').nth(2).is_some_and(|m| m.starts_with("wait_assessment_done_days"))),
        "replications.csv has rows for a metric never observed"
    );
}
