//! Staffing one locality differently (`staff.by_locality`): the engine puts exactly the
//! written number of practitioners in that locality's copy and scales the others as before;
//! presets and restructures carry the counts into the units they build with the same people
//! in each locality; a scenario without the field writes the same resolved file as before it
//! existed; and every mistake (an unknown locality, a borough-wide unit, a locality the unit
//! does not cover, a negative or huge count, a copy left with nobody able to take a need) is
//! refused with a message naming the place and the fix.

use joinedup::Error;
use joinedup::error::Problem;
use joinedup::metrics::Metric;
use joinedup::model::{Scenario, Unit};
use joinedup::scenario::{self, DEFAULT_COUNTY_RON, LoadedScenario};

const SMALL: &str = include_str!("../docs/examples/small.ron");

/// The early help staffing line of the small example, to which the tests add exact counts.
const EARLY_HELP_STAFF: &str = r#"staff: [(profession: "family_support_worker", n_practitioners: 6)]),"#;

fn sets(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The small example with `from` (which must occur) replaced by `to` the first time.
fn small_with(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "small.ron has no `{from}`");
    SMALL.replacen(from, to, 1)
}

fn load(text: &str, overrides: &[&str]) -> LoadedScenario {
    scenario::load_str("test.ron", text, &sets(overrides)).unwrap_or_else(|e| panic!("the scenario was refused: {e}"))
}

fn unit<'a>(scenario: &'a Scenario, model: &str, name: &str) -> &'a Unit {
    let model = scenario.models.iter().find(|m| m.name == model).unwrap_or_else(|| panic!("no model {model}"));
    model.units.iter().find(|u| u.name == name).unwrap_or_else(|| panic!("no unit {name} in {}", model.name))
}

/// Practitioners of `profession` in the copy of a unit serving `locality`, as the engine
/// places them.
fn in_copy(scenario: &Scenario, unit: &Unit, profession: &str, locality: &str) -> u32 {
    let l = scenario.population.locality_names.iter().position(|n| n == locality).expect("a locality");
    unit.staff
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| scenario.workforce.professions[*p].name == profession)
        .map(|(i, _)| unit.staff_in_copy(i, l, &scenario.population))
        .sum()
}

fn problems(text: &str, overrides: &[&str]) -> Vec<Problem> {
    match scenario::load_str("test.ron", text, &sets(overrides)) {
        Err(Error::Invalid { problems, .. }) => problems,
        Err(other) => panic!("expected validation problems, got another error: {other}"),
        Ok(_) => panic!("the scenario with {overrides:?} was accepted"),
    }
}

fn assert_reported(problems: &[Problem], path: &str, words: &str) {
    assert!(
        problems.iter().any(|p| p.path == path && p.message.contains(words)),
        "no problem at `{path}` saying `{words}`; found:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    );
}

/// Staff cost per year of one model, from a one-replication run: every practitioner of
/// every copy counts, so it shows how many the engine placed.
fn staff_cost(scenario: &Scenario, model: &str) -> f64 {
    let comparison = joinedup::experiment::run(scenario, Some(1)).expect("the scenario runs");
    let m = comparison.model_names.iter().position(|n| n == model).expect("a model");
    comparison.estimate(m, Metric::StaffCost).expect("a staff cost").mean
}

#[test]
fn a_locality_given_an_exact_count_gets_it_and_the_others_keep_the_scaled_number() {
    let text =
        small_with(EARLY_HELP_STAFF, r#"staff: [(profession: "family_support_worker", n_practitioners: 6, by_locality: {"east": 2})]),"#);
    let loaded = load(&text, &["run.replications=1", "run.horizon_days=500", "run.warmup_days=100"]);
    let s = &loaded.scenario;
    let early_help = unit(s, "siloed", "early_help");
    assert_eq!(in_copy(s, early_help, "family_support_worker", "east"), 2, "the exact count");
    assert_eq!(in_copy(s, early_help, "family_support_worker", "west"), 6, "half the families: 6 x 0.5 x 2 localities");

    // The engine places them: four fewer family support workers at 34,000 a year.
    let plain = load(SMALL, &["run.replications=1", "run.horizon_days=500", "run.warmup_days=100"]);
    let saved = staff_cost(&plain.scenario, "siloed") - staff_cost(s, "siloed");
    assert!((saved - 4.0 * 34_000.0).abs() < 1e-6 * 34_000.0, "staff cost fell by {saved}, not 4 x 34,000");

    // The same through --set, on a field the file does not have: the same scenario.
    let by_set = load(SMALL, &["models.siloed.units.early_help.staff.0.by_locality.east=2"]);
    assert_eq!(in_copy(&by_set.scenario, unit(&by_set.scenario, "siloed", "early_help"), "family_support_worker", "east"), 2);
    let whole_map = load(SMALL, &[r#"models.siloed.units.early_help.staff.0.by_locality={"east": 2}"#]);
    assert_eq!(whole_map.resolved_ron(), by_set.resolved_ron());

    // The resolved file says so, and reads back to the same scenario.
    let resolved = by_set.resolved_ron();
    assert!(resolved.contains("by_locality: {") && resolved.contains("\"east\": 2"), "{resolved}");
    assert_eq!(load(&resolved, &[]).resolved_ron(), resolved, "the resolved file does not read back to itself");
}

#[test]
fn without_exact_counts_the_resolved_scenario_is_as_before() {
    // Nothing in the county gives exact counts, so the field never appears in what it writes
    // (the reference results' scenario.ron stays byte for byte the same).
    let county = scenario::default_county().expect("the county loads");
    assert!(!county.resolved_ron().contains("by_locality"));
    let reference = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/results/reference/county/scenario.ron"))
        .expect("the reference scenario.ron");
    assert_eq!(county.resolved_ron().trim_end(), reference.trim_end(), "the county's resolved scenario changed");
    let staff = county.scenario.models.iter().flat_map(|m| &m.units).map(|u| u.staff_by_locality.len()).sum::<usize>();
    assert_eq!(staff, 0);
    assert!(DEFAULT_COUNTY_RON.contains("services"));
}

#[test]
fn presets_and_restructures_carry_exact_counts_with_the_same_people_in_each_locality() {
    let sets = [
        "workforce.services.early_help.staff.0.by_locality.north=6",
        r#"workforce.services.social_care.staff.0.by_locality={"south": 9, "north": 2}"#,
    ];
    let loaded = load(DEFAULT_COUNTY_RON, &sets);
    let s = &loaded.scenario;

    // Siloed keeps each service as it is.
    let early_help = unit(s, "siloed", "early_help");
    assert_eq!(in_copy(s, early_help, "family_support_worker", "north"), 6);
    let social_care = unit(s, "siloed", "social_care");
    assert_eq!(in_copy(s, social_care, "social_worker", "south"), 9);
    assert_eq!(in_copy(s, social_care, "social_worker", "north"), 2);
    let west_scaled = in_copy(s, social_care, "social_worker", "west");

    // A merged unit has, in each locality, the people the services had there.
    for (model, merged) in [("panel", "locality_panel"), ("multi_agency_team", "locality_team"), ("fully_integrated", "integrated_team")] {
        let u = unit(s, model, merged);
        assert_eq!(in_copy(s, u, "social_worker", "south"), 9, "{model}");
        assert_eq!(in_copy(s, u, "social_worker", "north"), 2, "{model}");
        assert_eq!(in_copy(s, u, "family_support_worker", "north"), 6, "{model}");
        assert_eq!(in_copy(s, u, "social_worker", "west"), west_scaled, "{model}: a locality without an exact count is scaled as before");
    }
    // The integrated hub splits a locality's exact count as it splits the average: 40% stay
    // in the statutory service behind the hub.
    let hub = unit(s, "integrated_hub", "hub");
    let statutory = unit(s, "integrated_hub", "social_care_statutory");
    for (locality, total, stay) in [("south", 9, 4), ("north", 2, 1)] {
        assert_eq!(in_copy(s, statutory, "social_worker", locality), stay, "{locality}");
        assert_eq!(in_copy(s, hub, "social_worker", locality) + stay, total, "{locality}: nobody lost or added");
    }

    // A restructure in two localities: every unit keeps the counts of the localities it has
    // a copy in, and only those.
    let mut restructured = sets.to_vec();
    restructured.push(r#"models.siloed.restructure=(day: 366, to: (name: "integrated_hub"), localities: ["north","west"])"#);
    let loaded = load(DEFAULT_COUNTY_RON, &restructured);
    let s = &loaded.scenario;
    assert_eq!(in_copy(s, unit(s, "siloed", "social_care_before"), "social_worker", "north"), 2);
    assert_eq!(in_copy(s, unit(s, "siloed", "social_care"), "social_worker", "south"), 9);
    assert_eq!(in_copy(s, unit(s, "siloed", "early_help_before"), "family_support_worker", "north"), 6);
    assert_eq!(in_copy(s, unit(s, "siloed", "hub"), "family_support_worker", "north"), 6);
    let model = s.models.iter().find(|m| m.name == "siloed").unwrap();
    for u in &model.units {
        for &(_, l, _) in &u.staff_by_locality {
            assert!(u.localities.contains(&l), "{} has a count for a locality it does not cover", u.name);
        }
    }
}

#[test]
fn mistakes_in_exact_counts_name_the_place_and_the_fix() {
    let with = |entry: &str| {
        small_with(EARLY_HELP_STAFF, &format!(r#"staff: [(profession: "family_support_worker", n_practitioners: 6, {entry})]),"#))
    };
    let path = "models.siloed.units.early_help.staff.0.by_locality";

    let found = problems(&with(r#"by_locality: {"eest": 3}"#), &[]);
    assert_reported(&found, &format!("{path}.eest"), "`eest` is not a locality; did you mean `east`?");

    let found = problems(&with(r#"by_locality: {"east": 100001}"#), &[]);
    assert_reported(&found, &format!("{path}.east"), "must be between 0 and 100000 practitioners, found 100001");

    // Nobody left in a locality, or nobody able to take a need the unit takes there.
    let found = problems(&with(r#"by_locality: {"east": 0}"#), &[]);
    assert_reported(&found, "models.siloed.units.early_help.staff", "in locality `east` this unit would have nobody");
    let found = problems(SMALL, &["models.hub.units.hub.staff.1.by_locality.west=0"]);
    assert_reported(&found, "models.hub.units.hub.staff", "in locality `west` nobody on the staff can work with `family` needs at tier 3");
    // ...while a profession others can cover for may be absent from a locality: no school
    // nurse in the north, where health visitors take health needs.
    let loaded = load(DEFAULT_COUNTY_RON, &["workforce.services.health_visiting.staff.1.by_locality.north=0"]);
    let s = &loaded.scenario;
    assert_eq!(in_copy(s, unit(s, "siloed", "health_visiting"), "school_nurse", "north"), 0);
    assert_eq!(in_copy(s, unit(s, "panel", "locality_panel"), "school_nurse", "north"), 0);

    // A borough-wide unit has one team for the county.
    let found = problems(SMALL, &["models.siloed.units.social_care.staff.0.by_locality.east=3"]);
    assert_reported(&found, "models.siloed.units.social_care.staff.0.by_locality", "use scope: Locality");

    // A locality the unit has no copy in.
    let east_only = small_with(
        EARLY_HELP_STAFF,
        r#"staff: [(profession: "family_support_worker", n_practitioners: 6, by_locality: {"west": 3})], localities: ["east"]),"#,
    );
    let found = problems(&east_only, &[]);
    assert_reported(&found, &format!("{path}.west"), "this unit has no copy in `west`");

    // A county service's mistake is reported once, where it was written, not again in every
    // unit a preset built from it.
    let found = problems(DEFAULT_COUNTY_RON, &["workforce.services.early_help.staff.0.by_locality.nrth=3"]);
    assert_reported(&found, "workforce.services.early_help.staff.0.by_locality.nrth", "did you mean `north`?");
    assert_eq!(found.len(), 1, "{found:?}");
    let found = problems(DEFAULT_COUNTY_RON, &["workforce.services.camhs.staff.0.by_locality.north=3"]);
    assert_reported(&found, "workforce.services.camhs.staff.0.by_locality", "BoroughWide");
    assert_eq!(found.len(), 1, "{found:?}");
    // A county service's count that leaves a unit a preset built without anyone for a need
    // is reported on that unit (only there is it a problem: the integrated hub keeps the one
    // social worker in the statutory team), with where to mend it.
    let found = problems(DEFAULT_COUNTY_RON, &[r#"workforce.services.social_care.staff.0.by_locality={"north": 1}"#]);
    assert_reported(&found, "models.integrated_hub.units.hub.staff", "in locality `north` nobody on the staff can work with");
    assert_reported(
        &found,
        "models.integrated_hub.units.hub.staff",
        "change the counts in `workforce.services.<service>.staff.<n>.by_locality`",
    );
}

#[test]
fn mistakes_in_the_file_or_an_override_are_syntax_and_override_errors_with_a_hint() {
    // A negative count in the file: the line, and what a count can be.
    let text = small_with(
        EARLY_HELP_STAFF,
        "staff: [(profession: \"family_support_worker\", n_practitioners: 6,\n         by_locality: {\"east\": -2})]),",
    );
    match scenario::load_str("test.ron", &text, &[]) {
        Err(Error::Syntax { line, message, hint, .. }) => {
            assert_eq!(line, text.lines().position(|l| l.contains("by_locality")).unwrap() + 1);
            assert!(message.contains("negative"), "{message}");
            assert!(hint.contains("whole number of 0 or more"), "{hint}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // A misspelt field name gets the right one suggested, in the file and in --set.
    let text =
        small_with(EARLY_HELP_STAFF, r#"staff: [(profession: "family_support_worker", n_practitioners: 6, by_localty: {"east": 2})]),"#);
    match scenario::load_str("test.ron", &text, &[]) {
        Err(Error::Syntax { message, hint, .. }) => {
            assert!(message.contains("there is no field `by_localty`"), "{message}");
            assert!(hint.contains("did you mean `by_locality`?"), "{hint}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let error = scenario::load_str("test.ron", SMALL, &sets(&["models.siloed.units.early_help.staff.0.by_localty.east=2"]))
        .expect_err("a misspelt field");
    assert!(error.to_string().contains("did you mean `models.siloed.units.early_help.staff.0.by_locality`?"), "{error}");
    // A negative count through --set says what the field holds.
    let error = scenario::load_str("test.ron", SMALL, &sets(&["models.siloed.units.early_help.staff.0.by_locality.east=-1"]))
        .expect_err("a negative count");
    assert!(matches!(error, Error::BadOverride { .. }), "{error}");
    assert!(error.to_string().contains("expected a whole number (0 or more)"), "{error}");
    // Other unknown names through --set are still refused as before.
    let error = scenario::load_str("test.ron", SMALL, &sets(&["run.replicatoins=3"])).expect_err("a typo");
    assert!(error.to_string().contains("did you mean `run.replications`?"), "{error}");
}
