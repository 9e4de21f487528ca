//! Collaborative advantage or inertia emerges from practitioners' relationships: the same
//! restructure does better than the status quo with the conditions for advantage and worse
//! without them (scenarios/advantage_and_inertia.ron; seed paper §4.4).

use joinedup::metrics::Metric;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/advantage_and_inertia.ron");

#[test]
fn the_same_structure_reaches_advantage_with_the_conditions_and_inertia_without() {
    let loaded =
        joinedup::scenario::load(Some(std::path::Path::new(SCENARIO)), &["run.replications=2".to_string()]).expect("the scenario loads");
    let names: Vec<&str> = loaded.scenario.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["siloed", "with_conditions", "without_conditions"]);
    let comparison = joinedup::experiment::run(&loaded.scenario, None).expect("the scenario runs");
    let mean = |model: usize, metric: Metric| comparison.estimate(model, metric).expect("observed").mean;
    for metric in [Metric::WaitServiceStart, Metric::UnmetNeedChildDays, Metric::LostEpisodes] {
        let (status_quo, advantage, inertia) = (mean(0, metric), mean(1, metric), mean(2, metric));
        assert!(advantage < inertia, "{metric:?}: with the conditions ({advantage}) should beat without ({inertia})");
        assert!(advantage < status_quo, "{metric:?}: with the conditions ({advantage}) should beat the status quo ({status_quo})");
    }
    // Inertia: without the conditions the new structure is worse than what it replaced.
    for metric in [Metric::WaitServiceStart, Metric::UnmetNeedChildDays] {
        let (status_quo, inertia) = (mean(0, metric), mean(2, metric));
        assert!(inertia > status_quo, "{metric:?}: without the conditions ({inertia}) should be worse than the status quo ({status_quo})");
    }
    // The difference is relationships: trust grows only where the conditions are present.
    let final_trust = |model: usize| {
        let reps = comparison.model_results(model);
        reps.iter().map(|r| r.months.last().and_then(|m| m[8]).expect("trust observed")).sum::<f64>() / reps.len() as f64
    };
    assert!(final_trust(1) > final_trust(2) + 0.15, "trust with conditions {} vs without {}", final_trust(1), final_trust(2));
}
