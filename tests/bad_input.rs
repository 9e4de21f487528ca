//! Bad scenarios get clear answers from the library: a typo anywhere (enum variants' fields
//! included) is a syntax error naming the place with a suggestion; validation reports every
//! problem in one pass with its dotted path; needs with nowhere to go are found per locality
//! and per stretch of days; sizes beyond the limits are refused before they could exhaust
//! memory; and no message names a Rust type.
//!
//! Each case starts from docs/examples/small.ron (or the built-in county) with known defects,
//! so the test knows exactly which problems must be reported.

use joinedup::Error;
use joinedup::error::Problem;
use joinedup::scenario::{self, DEFAULT_COUNTY_RON};

const SMALL: &str = include_str!("../docs/examples/small.ron");

fn overrides(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The small example with `from` (which must occur) replaced by `to` the first time.
fn small_with(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "small.ron has no `{from}`");
    SMALL.replacen(from, to, 1)
}

/// The problems validation reports for `text` with `sets`; fails the test on any other outcome.
fn problems(text: &str, sets: &[&str]) -> Vec<Problem> {
    match scenario::load_str("test.ron", text, &overrides(sets)) {
        Err(Error::Invalid { problems, .. }) => problems,
        Err(other) => panic!("expected validation problems, got another error: {other}"),
        Ok(_) => panic!("the scenario with {sets:?} was accepted"),
    }
}

fn assert_reported(problems: &[Problem], path: &str, words: &str) {
    assert!(
        problems.iter().any(|p| p.path == path && p.message.contains(words)),
        "no problem at `{path}` saying `{words}`; found:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    );
}

/// The syntax error for `text`: (line, message, hint).
fn syntax_error(text: &str) -> (usize, String, String) {
    match scenario::load_str("test.ron", text, &[]) {
        Err(Error::Syntax { line, message, hint, snippet, .. }) => {
            assert!(snippet.contains('^') || text.is_empty(), "no caret under the offending line:\n{snippet}");
            (line, message, hint)
        }
        Err(other) => panic!("expected a syntax error, got: {other}"),
        Ok(_) => panic!("the broken text was accepted"),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line holds `{needle}`")) + 1
}

#[test]
fn a_typo_inside_an_enum_variant_is_refused_with_a_suggestion() {
    // deny_unknown_fields on a struct does not reach the fields of enum struct variants; these
    // used to be accepted and silently ignored.
    let cases = [
        (
            "allocation: Panel(cadence_days: 7.0)",
            "allocation: Panel(cadence_days: 7.0, slot_per_meeting: 5)",
            "slot_per_meeting",
            "slots_per_meeting",
        ),
        ("assessment: Own(days_mean: 30.0)", "assessment: Own(day_mean: 30.0)", "day_mean", "days_mean"),
        ("assessment: Common(days_mean: 14.0)", "assessment: Common(days_means: 14.0)", "days_means", "days_mean"),
        (
            "information: SharedRecord",
            "information: OwnSystems(consent_delay_day_mean: 5.0)",
            "consent_delay_day_mean",
            "consent_delay_days_mean",
        ),
        ("kind: Hub", "kind: Team(shared_bas: true)", "shared_bas", "shared_base"),
        ("kind: Hub", "kind: Network(take_probabilty: 0.5)", "take_probabilty", "take_probability"),
        ("kind: Hub", "kind: VirtualTeam(call_in_day_mean: 3.0)", "call_in_day_mean", "call_in_days_mean"),
    ];
    for (from, to, typo, right) in cases {
        let text = small_with(from, to);
        let (line, message, hint) = syntax_error(&text);
        assert_eq!(line, line_of(&text, typo), "{typo}: wrong line");
        assert!(message.contains(typo), "{typo}: the message does not name it: {message}");
        assert!(hint.contains(&format!("did you mean `{right}`")), "{typo}: no suggestion of `{right}`: {hint}");
    }
}

#[test]
fn a_typo_inside_a_sweep_designs_variant_is_refused_with_a_suggestion() {
    let plan = "(name: \"p\", factors: [(path: \"run.seed\", min: 1.0, max: 9.0)], design: LatinHypercube(point: 4))";
    match scenario::plan::load_str("plan.ron", plan, std::path::Path::new("."), &[], &[]) {
        Err(Error::Syntax { message, hint, .. }) => {
            assert!(message.contains("point"), "{message}");
            assert!(hint.contains("did you mean `points`"), "{hint}");
        }
        Err(other) => panic!("expected a syntax error, got: {other}"),
        Ok(_) => panic!("a misspelt design field was accepted"),
    }
}

#[test]
fn an_override_into_an_enum_variant_with_a_typo_suggests_the_full_path() {
    let result = scenario::load_str("test.ron", SMALL, &overrides(&["models.siloed.units.social_care.allocation.Panel.cadence_day=3"]));
    match result {
        Err(Error::BadOverride { message, .. }) => {
            assert!(message.contains("did you mean `models.siloed.units.social_care.allocation.Panel.cadence_days`"), "{message}")
        }
        other => panic!("expected a bad override, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn validation_reports_every_problem_in_one_pass_with_its_path() {
    let found = problems(
        SMALL,
        &[
            "population.presentations_per_family_year=-1",
            "population.extra_need_same_tier_probability=1.5",
            "population.service.days_mean_by_tier=[30, 0, 160, 240]",
            "workforce.professions.social_worker.agency=local_authorty",
            "models.siloed.units.early_help.localities=[\"eats\"]",
            "models.siloed.units.early_help.domains=[\"family\", \"educaton\"]",
            "models.siloed.units.social_care.staff.0.profession=social_workr",
            "models.hub.front_door.Single=hbu",
            "run.replications=0",
            "run.warmup_days=2000",
            "run.max_open_episodes=4000000000",
        ],
    );
    assert_reported(&found, "population.presentations_per_family_year", "-1");
    assert_reported(&found, "population.extra_need_same_tier_probability", "between 0 and 1");
    assert_reported(&found, "population.service.days_mean_by_tier.1", "positive");
    assert_reported(&found, "workforce.professions.social_worker.agency", "did you mean `local_authority`");
    assert_reported(&found, "models.siloed.units.early_help.localities", "did you mean `east`");
    assert_reported(&found, "models.siloed.units.early_help.domains", "did you mean `education`");
    assert_reported(&found, "models.siloed.units.social_care.staff.0.profession", "did you mean `social_worker`");
    assert_reported(&found, "models.hub.front_door", "did you mean `hub`");
    assert_reported(&found, "run.replications", "between 1 and");
    assert_reported(&found, "run.warmup_days", "shorter than the horizon");
    assert_reported(&found, "run.max_open_episodes", "between 1 and");
}

#[test]
fn an_empty_model_list_is_refused() {
    assert_reported(&problems(SMALL, &["models=[]"]), "models", "lists no models");
}

#[test]
fn a_locality_that_no_unit_covers_is_named() {
    let found = problems(SMALL, &["models.siloed.units.early_help.localities=[\"east\"]"]);
    assert_reported(&found, "models.siloed.units", "no unit serves `family` needs at tier 2 in locality west");
    assert!(found.iter().all(|p| !p.message.contains("east")), "east is served, yet named: {found:?}");
}

#[test]
fn a_project_that_closes_with_nothing_after_it_leaves_a_gap_that_is_reported() {
    let found = problems(SMALL, &["models.siloed.units.social_care.ends_on_day=700"]);
    assert_reported(&found, "models.siloed.units", "from day 700 to day 1826.25 no unit serves `family` needs at tiers 3 and 4");
    // One problem per domain, not one per tier or locality.
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn a_unit_that_opens_late_with_nothing_before_it_leaves_a_gap_that_is_reported() {
    let found = problems(SMALL, &["models.hub.units.social_care.starts_on_day=100"]);
    assert_reported(&found, "models.hub.units", "from day 0 to day 100 no unit serves `family` needs at tier 4");
    // The hub takes tiers 1-3, so only tier 4 had nowhere to go.
    assert!(found.iter().all(|p| !p.message.contains("tier 3")), "{found:?}");
}

#[test]
fn a_closing_project_with_a_successor_is_accepted() {
    // A restructure closes the old units on the day the new ones open: no gap.
    let text = small_with(
        "         allocation: Panel(cadence_days: 7.0)),",
        "         allocation: Panel(cadence_days: 7.0), ends_on_day: 700.0, exit_strategy: true),
        (name: \"social_care_new\", scope: BoroughWide, domains: [\"family\", \"education\"], tiers: [3, 4],
         staff: [(profession: \"social_worker\", n_practitioners: 12)], starts_on_day: 700.0),",
    );
    scenario::load_str("test.ron", &text, &[]).expect("a project handing over to its successor leaves no gap");
}

#[test]
fn a_services_unknown_agency_is_reported_once_where_it_is_written() {
    let county = scenario::load_str("county.ron", DEFAULT_COUNTY_RON, &[]).expect("the county is valid");
    let service = &county.raw.workforce.services;
    assert!(!service.is_empty(), "the county lists its services");
    let found = problems(DEFAULT_COUNTY_RON, &["workforce.services.0.agency=local_authorty"]);
    let path = "workforce.services.".to_string()
        + &scenario::load_str("c", DEFAULT_COUNTY_RON, &[]).unwrap().raw.workforce.services[0].name
        + ".agency";
    assert_reported(&found, &path, "did you mean `local_authority`");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn a_services_unknown_domain_is_reported_there_and_not_again_for_every_preset_built_from_it() {
    let found = problems(DEFAULT_COUNTY_RON, &["workforce.services.0.domains=[\"famly\"]"]);
    assert!(found.iter().any(|p| p.path.starts_with("workforce.services.") && p.path.ends_with(".domains")), "{found:?}");
    let from_models: Vec<&Problem> = found.iter().filter(|p| p.path.starts_with("models.")).collect();
    assert!(from_models.is_empty(), "the service's problem is repeated for the models built from it: {from_models:?}");
}

#[test]
fn a_presets_bad_setting_is_reported_at_the_preset_not_the_units_built_from_it() {
    let found = problems(DEFAULT_COUNTY_RON, &["models.panel.preset.panel_cadence_days=-7"]);
    assert_reported(&found, "models.panel.preset.panel_cadence_days", "positive");
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn sizes_beyond_the_limits_are_refused_before_they_could_exhaust_memory() {
    let found = problems(DEFAULT_COUNTY_RON, &["run.replications=100000"]);
    assert_reported(&found, "run.replications", "GB of results in memory");
    // Six staff lines at the most a unit may have, in each of two localities: 1.2 million.
    let staff = ["{\"profession\": \"family_support_worker\", \"n_practitioners\": 100000}"; 6].join(", ");
    let found = problems(SMALL, &["population.n_families=60000000", &format!("models.siloed.units.early_help.staff=[{staff}]")]);
    assert_reported(&found, "population.n_families", "between 1 and");
    assert_reported(&found, "models.siloed.units", "more than the limit");
}

#[test]
fn more_domains_than_the_limit_are_refused_without_a_panic() {
    let mut domains: Vec<String> = (0..16).map(|i| format!("{{\"name\": \"d{i}\", \"share\": 0.05}}")).collect();
    domains.push("{\"name\": \"family\", \"share\": 0.1}".into());
    domains.push("{\"name\": \"education\", \"share\": 0.1}".into());
    let found = problems(SMALL, &[&format!("population.domains=[{}]", domains.join(", "))]);
    assert_reported(&found, "population.domains", "between 1 and 16");
}

#[test]
fn syntax_messages_speak_of_fields_and_numbers_not_rust_types() {
    let broken = [
        small_with("horizon_days", "horizon_day"),
        small_with("n_families: 10000", "n_families: \"many\""),
        small_with("n_families: 10000", "n_families: -3"),
        small_with("n_families: 10000", "n_families: 2.5"),
        small_with("scope: BoroughWide", "scope: Boroughwide"),
        small_with("    tier_mix: [0.3, 0.5, 0.15, 0.05],\n", ""),
        small_with("tier_max: 2)]),", "tier_max: 2, tier_max: 3)]),"),
        small_with("tiers: [2],", "tiers: 2,"),
        SMALL[..SMALL.len() - 3].to_string(),
        String::new(),
    ];
    for text in &broken {
        let (_, message, hint) = syntax_error(text);
        let words = format!("{message} {hint}");
        for rust in ["Raw", "f64", "u8", "u32", "u64", "usize", "struct", "enum", "sequence"] {
            assert!(
                !words.split(|c: char| !c.is_alphanumeric()).any(|w| w == rust || w.starts_with("Raw")),
                "the message speaks of `{rust}`: {words}"
            );
        }
    }
    let (_, _, hint) = syntax_error(&small_with("scope: BoroughWide", "scope: Boroughwide"));
    assert!(hint.contains("did you mean `BoroughWide`"), "{hint}");
    let (_, message, hint) = syntax_error(&small_with("    tier_mix: [0.3, 0.5, 0.15, 0.05],\n", ""));
    assert!(message.contains("`tier_mix` is missing in `population`") && hint.contains("add the field `tier_mix`"), "{message} / {hint}");
}

#[test]
fn files_from_windows_editors_and_word_processors_get_clear_answers() {
    // A byte-order mark (Notepad, Excel's "Unicode text") is invisible and harmless.
    scenario::load_str("bom.ron", &format!("\u{feff}{SMALL}"), &[]).expect("a file starting with a byte-order mark loads");
    // Curly quotes are named as such.
    let (line, _, hint) = syntax_error(&small_with("name: \"small\"", "name: \u{201c}small\u{201d}"));
    assert_eq!(line, 3);
    assert!(hint.contains("curly quotes"), "{hint}");
    // A file in another encoding is named as such, not as "invalid data".
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("latin1.ron");
    let mut bytes = SMALL.replacen("Early help", "Early h\u{e9}lp", 1).into_bytes();
    let at = bytes.windows(2).position(|w| w == "\u{e9}".as_bytes()).expect("the accented letter");
    bytes.splice(at..at + 2, [0xe9u8]);
    std::fs::write(&file, bytes).expect("write the file");
    let error = scenario::load(Some(&file), &[]).map(|_| ()).expect_err("a Latin-1 file is refused");
    let text = error.to_string();
    assert!(matches!(error, Error::ReadScenario { .. }) && text.contains("not UTF-8 text") && text.contains("line 4"), "{text}");
}

/// A struct written whole takes defaults for the fields it leaves out; an override that would
/// silently put fields back to their defaults (here the M/M/1 run's century-long horizon) is
/// refused naming them, and writing them in the value, or setting the one field, is accepted.
#[test]
fn a_struct_written_whole_that_would_reset_fields_is_refused_naming_them() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/mm1.ron"));
    match scenario::load(Some(path), &overrides(&["run=(seed: 3)"])).map(|_| ()) {
        Err(Error::BadOverride { assignment, message }) => {
            assert_eq!(assignment, "run=(seed: 3)");
            assert!(message.contains("`run.horizon_days` (now 36500.0, default 3652.5)"), "{message}");
            assert!(message.contains("`--set run.seed=3`"), "{message}");
        }
        other => panic!("expected the reset to be refused, got {other:?}"),
    }
    let whole = "run=(seed: 3, horizon_days: 36500.0, warmup_days: 1000.0, replications: 32, calendar: Continuous)";
    let loaded = scenario::load(Some(path), &overrides(&[whole])).expect("every changed field written");
    assert_eq!((loaded.scenario.run.seed, loaded.scenario.run.horizon_days), (3, 36500.0));
    let one = scenario::load(Some(path), &overrides(&["run.seed=3"])).expect("one field set by its path");
    assert_eq!(one.scenario.run.horizon_days, 36500.0);
    // A nested struct written whole is looked inside too: the panel's other settings.
    let nested = overrides(&["models.panel.preset.panel_attendance=0.5", "models.panel=(name: \"panel\", preset: (name: \"panel\"))"]);
    match scenario::load(None, &nested).map(|_| ()) {
        Err(Error::BadOverride { message, .. }) => {
            assert!(message.contains("`models.panel.preset.panel_attendance` (now 0.5"), "{message}")
        }
        other => panic!("expected the reset to be refused, got {other:?}"),
    }
}

#[test]
fn an_override_that_does_not_fit_names_itself_among_several() {
    let result = scenario::load_str("test.ron", SMALL, &overrides(&["run.seed=3", "run.replications=-1", "run.warmup_days=10"]));
    match result {
        Err(Error::BadOverride { assignment, message }) => {
            assert_eq!(assignment, "run.replications=-1");
            assert!(message.contains("whole number") && !message.contains("u32"), "{message}");
        }
        other => panic!("expected a bad override, got {:?}", other.map(|_| ())),
    }
}

/// A runaway queue in a unit whose slots are never all in use on average (here a third of
/// posts stand vacant at any time) is still named: the mean use of a unit with vacancies, or
/// one that filled during the run, stays below `FULL_UTILISATION` however hopeless it is.
#[test]
fn a_runaway_queue_is_named_even_when_vacancies_keep_the_unit_below_full() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/examples/small.ron");
    let sets = ["workforce.turnover_per_year=1.0", "workforce.vacancy_days_mean=180", "run.replications=2"];
    let loaded = scenario::load(Some(std::path::Path::new(path)), &overrides(&sets)).expect("the small county loads");
    let comparison = joinedup::experiment::run(&loaded.scenario, Some(2)).expect("it runs");
    let flagged = joinedup::overload::overloaded_units(&loaded.scenario, &comparison);
    let social_care = flagged.iter().find(|o| o.model == "siloed" && o.unit == "social_care").expect("siloed's social care is named");
    assert!(social_care.utilisation < joinedup::overload::FULL_UTILISATION, "{social_care:?}");
    assert!(social_care.waiting_at_end >= social_care.slots as f64, "{social_care:?}");
    assert!(social_care.growth_per_year.is_some_and(|g| g > 0.0), "{social_care:?}");
    // Every unit named either was full or has a queue that both grew and outnumbers its slots.
    for overload in &flagged {
        let full = overload.utilisation >= joinedup::overload::FULL_UTILISATION;
        assert!(full || overload.waiting_at_end >= overload.slots as f64, "{overload:?}");
    }
}

/// A stable queue is not a runaway: the M/M/1 validation queue (80% use, one slot) has several
/// cases waiting on a typical day and its length wanders by several slots between mid-window
/// and the horizon, which the slot test alone took for growth (the warning then said "roughly
/// 0% more work reaches it"). Twenty years and two replications gave that false warning.
#[test]
fn a_stable_single_server_queue_is_not_warned_about() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/mm1.ron");
    let sets = ["run.horizon_days=7305", "run.replications=2"];
    let loaded = scenario::load(Some(std::path::Path::new(path)), &overrides(&sets)).expect("the M/M/1 scenario loads");
    let comparison = joinedup::experiment::run(&loaded.scenario, Some(2)).expect("it runs");
    let flagged = joinedup::overload::overloaded_units(&loaded.scenario, &comparison);
    assert!(flagged.is_empty(), "{flagged:?}");
    // It did have a queue longer than its one slot at the horizon, so the test can fail.
    let waiting = comparison.model_results(0).iter().map(|r| r.diagnostics.units[0].waiting_at_end).sum::<u64>();
    assert!(waiting >= 2, "{waiting}");
}

/// A unit kept in balance by families who give up waiting (the Erlang A validation queue:
/// 20% more demand than its ten practitioners can serve, mean patience 2 days) is full and
/// holds more cases than its slots, but its queue does not grow: it is named as saturated,
/// not as a backlog that grows with the horizon.
#[test]
fn a_full_queue_kept_in_balance_is_named_saturated_not_a_runaway() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/validation/erlang_a.ron");
    let loaded =
        scenario::load(Some(std::path::Path::new(path)), &overrides(&["run.replications=2"])).expect("the Erlang A scenario loads");
    let comparison = joinedup::experiment::run(&loaded.scenario, Some(2)).expect("it runs");
    let flagged = joinedup::overload::overloaded_units(&loaded.scenario, &comparison);
    let [service] = &flagged[..] else { panic!("one unit named: {flagged:?}") };
    assert!(!service.grew && service.utilisation >= joinedup::overload::FULL_UTILISATION, "{service:?}");
    let text = service.to_string();
    assert!(text.contains("is saturated") && text.contains("did not keep growing") && !text.contains("grow with the horizon"), "{text}");
}

#[test]
fn a_valid_but_hopeless_structure_runs_and_the_unit_that_cannot_keep_up_is_named() {
    // The risk scenario's overloaded team has over a third fewer staff than it needs; its
    // adequately staffed twin keeps up. Both run; only the overloaded ones are flagged.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/risks/overloaded_integrated_team.ron");
    let loaded = scenario::load(Some(std::path::Path::new(path)), &overrides(&["run.replications=2"])).expect("the risk scenario loads");
    let comparison = joinedup::experiment::run(&loaded.scenario, Some(2)).expect("a hopeless structure still runs");
    let flagged = joinedup::overload::overloaded_units(&loaded.scenario, &comparison);
    let names: Vec<(&str, &str)> = flagged.iter().map(|o| (o.model.as_str(), o.unit.as_str())).collect();
    assert_eq!(names, [("overloaded", "integrated_team"), ("overloaded_in_order", "integrated_team")]);
    for overload in &flagged {
        assert!(overload.utilisation >= joinedup::overload::FULL_UTILISATION && overload.utilisation <= 1.0, "{overload:?}");
        assert!(overload.waiting_at_end > overload.slots as f64, "{overload:?}");
        assert!(overload.grew, "{overload:?}");
        let excess = overload.excess_share().expect("the queue grew");
        assert!(excess > 0.0 && excess.is_finite(), "{overload:?}");
        let text = overload.to_string();
        assert!(text.contains("cannot keep up") && text.contains("% more work reaches it"), "{text}");
    }
}

#[test]
fn professionals_for_a_domain_are_checked_where_they_are_written() {
    let found = problems(
        SMALL,
        &[
            "models.siloed.units.early_help.professionals_for=[(domain: \"educaton\", tiers: [5], professionals_per_intervention: 0), (domain: \"family\", professionals_per_intervention: 3)]",
        ],
    );
    assert_reported(&found, "models.siloed.units.early_help.professionals_for.0.domain", "did you mean `education`");
    assert_reported(&found, "models.siloed.units.early_help.professionals_for.0.tiers", "from 1 to 4");
    assert_reported(&found, "models.siloed.units.early_help.professionals_for.0.professionals_per_intervention", "between 1 and 20");
    assert_eq!(found.len(), 3, "the second entry is valid: {found:?}");
}

#[test]
fn lists_that_repeat_an_entry_and_fewer_children_than_families_are_reported() {
    let found = problems(
        SMALL,
        &[
            "models.siloed.units.early_help.tiers=[2,2]",
            "models.siloed.units.early_help.domains=[\"family\",\"family\",\"education\"]",
            "population.n_children=10",
        ],
    );
    assert_reported(&found, "models.siloed.units.early_help.tiers", "tier 2 is listed twice");
    assert_reported(&found, "models.siloed.units.early_help.domains", "`family` is listed twice");
    assert_reported(&found, "population.n_children", "is below n_families");
}

#[test]
fn messages_blame_the_right_bound_and_read_as_sentences() {
    let found = problems(
        SMALL,
        &[
            "population.domains.education.age_min_years=16",
            "population.domains.education.age_max_years=10",
            "workforce.overload_slowdown=-1",
        ],
    );
    assert_reported(&found, "population.domains.education.age_min_years", "age_min_years <= age_max_years");
    assert_reported(&found, "workforce.overload_slowdown", "must be zero or a positive number (a multiplier), found -1");
    let found = problems(&small_with("presentations_per_family_year: 0.1,", "presentations_per_family_year: 1e400,"), &[]);
    assert_reported(&found, "population.presentations_per_family_year", "must be a finite positive number");
}

#[test]
fn a_restructure_of_no_locality_is_reported_alone() {
    let nowhere = problems(DEFAULT_COUNTY_RON, &["models.siloed.restructure=(day: 366, to: (name: \"integrated_hub\"), localities: [])"]);
    assert_reported(&nowhere, "models.siloed.restructure.localities", "lists no localities");
    assert_eq!(nowhere.len(), 1, "no follow-on problems: {nowhere:?}");
}
