//! Waiting lists that manage themselves (docs/ODD.md, 7.16): a list with nothing switched on
//! changes nothing; a tightening threshold keeps the wait near its band and never turns an
//! urgent referral away; families turned away are not counted as lost between services; bad
//! settings are reported once, where the planner wrote them. (The patience is checked against
//! Erlang A in tests/validation.rs.)

use joinedup::Error;
use joinedup::error::Problem;
use joinedup::experiment::{self, Comparison};
use joinedup::metrics::{Metric, UnitStats};
use joinedup::scenario;
use std::path::Path;

const MMC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/mmc.ron");

/// mmc.ron (10 practitioners, one case each, mean service 1 day, no escalation) with
/// `sets`, over a short horizon.
fn run_mmc(sets: &[&str]) -> Comparison {
    let mut all = vec!["run.horizon_days=1200.0", "run.warmup_days=200.0", "run.replications=2"];
    all.extend_from_slice(sets);
    let all: Vec<String> = all.iter().map(|s| s.to_string()).collect();
    let loaded = scenario::load(Some(Path::new(MMC)), &all).unwrap_or_else(|e| panic!("mmc.ron with {sets:?} must load: {e}"));
    experiment::run(&loaded.scenario, None).expect("runs")
}

fn stats(comparison: &Comparison) -> UnitStats {
    let mut total = UnitStats::new(1);
    for r in comparison.model_results(0) {
        let s = &r.diagnostics.unit_stats[0];
        total.needs_arrived += s.needs_arrived;
        total.needs_turned_away_for_list += s.needs_turned_away_for_list;
        total.needs_left_list += s.needs_left_list;
        total.needs_met_elsewhere += s.needs_met_elsewhere;
        total.needs_served += s.needs_served;
    }
    total
}

/// An overloaded tier 3-4 service: 15 referrals a day for 10 practitioners who can do 10.
const OVERLOADED: &[&str] = &["population.presentations_per_family_year=5.47875", "models.mmc.units.service.tiers=[3, 4]"];

#[test]
fn a_waiting_list_with_nothing_switched_on_changes_nothing() {
    let plain = run_mmc(&[]);
    // Every field at its default: a list that turns nobody away and where everybody waits.
    let inert = run_mmc(&["models.mmc.units.service.waiting_list=(met_elsewhere_probability: 0.0)"]);
    let loaded =
        scenario::load(Some(Path::new(MMC)), &["models.mmc.units.service.waiting_list=(met_elsewhere_probability: 0.0)".to_string()])
            .expect("loads");
    assert!(loaded.scenario.models[0].units[0].waiting_list.is_some(), "the override gives the unit a waiting list");
    for (a, b) in plain.results.iter().zip(&inert.results) {
        assert_eq!(a.values, b.values, "replication {}", a.replication);
        assert_eq!(a.months, b.months, "replication {}", a.replication);
    }
}

#[test]
fn a_tightening_threshold_holds_the_wait_and_never_turns_urgent_referrals_away() {
    let band = "models.mmc.units.service.waiting_list=(turn_away_from_wait_days: 5.0, turn_away_all_at_wait_days: 10.0, met_elsewhere_probability: 1.0)";
    // Seven in ten referrals at tier 3 (below the unit's highest tier), three at tier 4: the
    // urgent ones alone (4.5 a day) are well within capacity.
    let mixed = run_mmc(&[OVERLOADED[0], OVERLOADED[1], "population.tier_mix=[0.0, 0.0, 0.7, 0.3]", band]);
    let s = stats(&mixed);
    let turned_away = s.needs_turned_away_for_list as f64 / s.needs_arrived as f64;
    // A third of the demand is more than the unit can do, and all of it is tier 3.
    assert!((0.25..0.45).contains(&turned_away), "turned away {turned_away}");
    assert_eq!(s.needs_met_elsewhere, s.needs_turned_away_for_list, "every family turned away is met elsewhere here");
    assert_eq!(s.needs_left_list, 0, "nobody gives up: the list has no patience");
    let waits = mixed.summarise(0)[Metric::WaitServiceStart as usize].percentiles.expect("waits observed");
    let p90 = waits[1].expect("p90");
    assert!((4.0..12.0).contains(&p90), "the 90th percentile wait should sit near the 5-10 day band, found {p90}");
    // The same overload made of urgent referrals only: nobody is turned away, the list grows.
    let urgent = run_mmc(&[OVERLOADED[0], OVERLOADED[1], "population.tier_mix=[0.0, 0.0, 0.0, 1.0]", band]);
    assert_eq!(stats(&urgent).needs_turned_away_for_list, 0, "tier 4 is the unit's highest tier: always taken");
}

#[test]
fn families_turned_away_are_not_lost_between_services_but_their_need_stays_unmet() {
    // Nobody is met elsewhere: the tier 3 needs turned away can neither escalate nor resolve
    // in mmc.ron, so they come back after the recurrence delay and try again.
    let sets = [
        OVERLOADED[0],
        OVERLOADED[1],
        "population.tier_mix=[0.0, 0.0, 1.0, 0.0]",
        "population.recurrence.delay_days_mean=30.0",
        "models.mmc.units.service.waiting_list=(turn_away_from_wait_days: 5.0, turn_away_all_at_wait_days: 10.0, patience_days_mean: 20.0, met_elsewhere_probability: 0.0)",
    ];
    let comparison = run_mmc(&sets);
    let s = stats(&comparison);
    assert!(s.needs_turned_away_for_list > 0 && s.needs_left_list > 0, "{s:?}");
    assert_eq!(s.needs_met_elsewhere, 0);
    let lost = comparison.estimate(0, Metric::LostEpisodes).expect("observed").mean;
    assert_eq!(lost, 0.0, "turned away or giving up is not being lost between services");
    // They come back: more needs reach the unit than families present (15 a day over two
    // replications of a 1,000-day window).
    let arrived_per_day = s.needs_arrived as f64 / (2.0 * 1000.0);
    assert!(arrived_per_day > 16.0, "{arrived_per_day} needs a day reached the unit");
}

/// Problems validation reports for the county with `sets`.
fn county_problems(sets: &[&str]) -> Vec<Problem> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match scenario::load(None, &sets) {
        Err(Error::Invalid { problems, .. }) => problems,
        Err(other) => panic!("expected validation problems, got: {other}"),
        Ok(_) => panic!("the county with {sets:?} was accepted"),
    }
}

fn assert_only(problems: &[Problem], path: &str, words: &str) {
    assert!(
        problems.len() == 1 && problems[0].path == path && problems[0].message.contains(words),
        "expected one problem at `{path}` saying `{words}`; found:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn bad_waiting_lists_are_reported_once_where_they_were_written() {
    let at = "workforce.services.camhs.waiting_list";
    // Each list is written afresh (cleared first): a list written whole over the county's
    // would otherwise be refused for resetting the fields it leaves out.
    let cleared = format!("{at}=None");
    // A service's problem is reported at the service, not again at every unit built from it.
    let p = county_problems(&[&cleared, &format!("{at}=(turn_away_from_wait_days: 30.0)")]);
    assert_only(&p, &format!("{at}.turn_away_all_at_wait_days"), "is missing");
    let p = county_problems(&[&cleared, &format!("{at}=(turn_away_all_at_wait_days: 30.0)")]);
    assert_only(&p, &format!("{at}.turn_away_from_wait_days"), "is missing");
    let p = county_problems(&[&cleared, &format!("{at}=(turn_away_from_wait_days: 40.0, turn_away_all_at_wait_days: 30.0)")]);
    assert_only(&p, &format!("{at}.turn_away_all_at_wait_days"), "must be above turn_away_from_wait_days (40)");
    let p = county_problems(&[&cleared, &format!("{at}=(patience_days_mean: 0.0)")]);
    assert_only(&p, &format!("{at}.patience_days_mean"), "must be a positive number of days");
    let p = county_problems(&[&cleared, &format!("{at}=(patience_days_mean: 100.0, met_elsewhere_probability: 1.5)")]);
    assert_only(&p, &format!("{at}.met_elsewhere_probability"), "between 0 and 1");
    let p = county_problems(&[&cleared, &format!("{at}=(met_elsewhere_probability: 0.5)")]);
    assert_only(&p, &format!("{at}.met_elsewhere_probability"), "set turn_away_from_wait_days");
    // On a unit a preset built, the path is the unit's.
    let unit = "models.siloed.units.camhs.waiting_list";
    let p = county_problems(&[&format!("{unit}.patience_days_mean=-3.0")]);
    assert_only(&p, &format!("{unit}.patience_days_mean"), "must be a positive number of days");
}

#[test]
fn a_misspelt_waiting_list_field_is_a_syntax_error_with_the_field_named() {
    let text = std::fs::read_to_string(MMC).expect("readable").replace(
        "assessment: NoAssessment, allocation: OnArrival)",
        "assessment: NoAssessment, allocation: OnArrival, waiting_list: (patience_days: 3.0))",
    );
    match scenario::load_str("mmc.ron", &text, &[]) {
        Err(Error::Syntax { message, .. }) => assert!(message.contains("patience_days"), "{message}"),
        Err(other) => panic!("expected a syntax error, got: {other}"),
        Ok(_) => panic!("the misspelt field was accepted"),
    }
}
