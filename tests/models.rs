//! The integration models of the seed paper (§3, §4): every preset and every council scenario
//! runs, and what the paper says about each structure holds in the engine.
//!
//! Comparisons between models of one scenario are paired: every model of a replication faces
//! the same families (common random numbers), so the difference between two models is taken
//! replication by replication and its 95% confidence interval must exclude zero, with a margin
//! stated in each test. Scenarios are shortened with overrides so the file runs in seconds.

use joinedup::experiment::{self, Comparison};
use joinedup::metrics::{Estimate, Metric, TIMESERIES};
use joinedup::model::{Scenario, Scope, UnitKind};
use joinedup::scenario::presets::PRESETS;
use joinedup::scenario::{self, RawScenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The council scenarios, with the section of the paper each follows.
const COUNCILS: &[(&str, &str)] = &[
    ("gloucestershire", "§4.1"),
    ("shropshire", "§4.2"),
    ("somerset", "§4.3"),
    ("oxfordshire", "§4.4"),
    ("essex", "§4.5"),
    ("rotherham", "§4.6"),
];

fn path(relative: &str) -> PathBuf {
    Path::new(ROOT).join(relative)
}

fn load(relative: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    scenario::load(Some(&path(relative)), &overrides).unwrap_or_else(|e| panic!("{relative} must load: {e}")).scenario
}

fn run(scenario: &Scenario) -> Comparison {
    experiment::run(scenario, None).unwrap_or_else(|e| panic!("{} must run: {e}", scenario.name))
}

fn model_idx(c: &Comparison, name: &str) -> usize {
    c.model_names.iter().position(|m| m == name).unwrap_or_else(|| panic!("{}: no model `{name}` in {:?}", c.scenario_name, c.model_names))
}

fn estimate(c: &Comparison, model: &str, metric: Metric) -> Estimate {
    c.estimate(model_idx(c, model), metric).unwrap_or_else(|| panic!("{}: model {model} has no value for {metric:?}", c.scenario_name))
}

/// Mean and 95% confidence interval of `metric(a) - metric(b)`, replication by replication.
fn paired_difference(c: &Comparison, a: &str, b: &str, metric: Metric) -> Estimate {
    let (ra, rb) = (c.model_results(model_idx(c, a)), c.model_results(model_idx(c, b)));
    let differences = ra.iter().zip(rb).map(|(x, y)| {
        let value = |r: &joinedup::metrics::ReplicationResult| {
            r.value(metric).unwrap_or_else(|| panic!("{}: no {metric:?} in replication {}", c.scenario_name, r.replication))
        };
        value(x) - value(y)
    });
    Estimate::from_values(differences).expect("at least one replication")
}

/// `metric` is higher in model `high` than in model `low` by more than `margin`, with the
/// whole 95% confidence interval of the paired difference above `margin`.
fn assert_higher(c: &Comparison, high: &str, low: &str, metric: Metric, margin: f64) {
    let d = paired_difference(c, high, low, metric);
    let (lower, upper) = d.ci95.expect("two or more replications");
    assert!(
        lower > margin,
        "{}: {metric:?} should be higher in `{high}` ({:.4}) than in `{low}` ({:.4}) by more than {margin}; paired difference {:.4} [{lower:.4}, {upper:.4}]",
        c.scenario_name,
        estimate(c, high, metric).mean,
        estimate(c, low, metric).mean,
        d.mean
    );
}

/// Practitioners of each profession in a model: a locality unit's staff count once per
/// locality it covers, a borough-wide unit's once.
fn staffing(scenario: &Scenario, model: usize) -> BTreeMap<String, u32> {
    let mut total = BTreeMap::new();
    for unit in &scenario.models[model].units {
        let copies = if unit.scope == Scope::BoroughWide { 1 } else { unit.localities.len() as u32 };
        for &(profession, n) in &unit.staff {
            *total.entry(scenario.workforce.professions[profession].name.clone()).or_insert(0) += n * copies;
        }
    }
    total
}

fn staff_names(scenario: &Scenario, unit: &joinedup::model::Unit) -> Vec<String> {
    unit.staff.iter().map(|&(p, _)| scenario.workforce.professions[p].name.clone()).collect()
}

fn unit<'a>(scenario: &'a Scenario, model: &str, unit: &str) -> &'a joinedup::model::Unit {
    let m = scenario.models.iter().find(|m| m.name == model).unwrap_or_else(|| panic!("{}: no model {model}", scenario.name));
    m.units.iter().find(|u| u.name == unit).unwrap_or_else(|| panic!("{}: model {model} has no unit {unit}", scenario.name))
}

fn domain(scenario: &Scenario, name: &str) -> u8 {
    scenario.population.domains.iter().position(|d| d.name == name).unwrap_or_else(|| panic!("no domain {name}")) as u8
}

// ----- every model runs ---------------------------------------------------------------------

#[test]
fn the_county_lists_every_preset_and_each_one_runs() {
    let raw: RawScenario = scenario::parse(scenario::DEFAULT_COUNTY_LABEL, scenario::DEFAULT_COUNTY_RON).expect("the county parses");
    let listed: Vec<&str> = raw.models.iter().filter_map(|m| m.preset.as_ref().map(|p| p.name.as_str())).collect();
    for (name, _) in PRESETS {
        assert!(listed.contains(name), "the default county does not list the preset `{name}`; it lists {listed:?}");
    }
    let overrides: Vec<String> =
        ["run.replications=1", "run.horizon_days=200", "run.warmup_days=50"].iter().map(|s| s.to_string()).collect();
    let county = scenario::load(None, &overrides).expect("the county loads").scenario;
    let c = run(&county);
    for name in &c.model_names {
        for metric in [Metric::Referrals, Metric::WaitServiceStart] {
            let e = estimate(&c, name, metric);
            assert!(e.mean > 0.0 && e.mean.is_finite(), "county model {name}: {metric:?} = {}", e.mean);
        }
    }
}

#[test]
fn every_council_follows_its_section_has_siloed_first_the_same_staff_in_every_model_and_runs() {
    let mut found: Vec<String> = std::fs::read_dir(path("scenarios/councils"))
        .expect("scenarios/councils exists")
        .map(|e| e.expect("a readable entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    found.sort();
    let mut expected: Vec<String> = COUNCILS.iter().map(|(n, _)| format!("{n}.ron")).collect();
    expected.sort();
    assert_eq!(found, expected, "scenarios/councils should hold exactly the six councils of §4");
    for (name, section) in COUNCILS {
        let relative = format!("scenarios/councils/{name}.ron");
        let text = std::fs::read_to_string(path(&relative)).expect("readable");
        let header: String = text.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n");
        assert!(header.contains(section), "{relative}: the header comment must cite the paper's {section}");
        assert!(
            header.contains("The paper's") && header.contains("Ours"),
            "{relative}: the header must say which assumptions are the paper's and which ours"
        );
        let s = load(&relative, &["run.replications=1", "run.horizon_days=150", "run.warmup_days=30"]);
        assert_eq!(s.models[0].name, "siloed", "{relative}: the siloed baseline comes first");
        assert!(s.models.len() >= 2, "{relative}: at least one structure besides the baseline");
        let baseline = staffing(&s, 0);
        for m in 1..s.models.len() {
            assert_eq!(staffing(&s, m), baseline, "{relative}: model {} has different staff from siloed", s.models[m].name);
        }
        // Every need that can present at tiers 2-4 has a unit in every locality (validation
        // checks the county as a whole, not locality by locality).
        for model in &s.models {
            for l in 0..s.population.locality_names.len() {
                for d in 0..s.population.domains.len() as u8 {
                    // A domain with its own tier mix (entering care is tier 4 only) presents
                    // at its own tiers; escalation only goes up from there.
                    let lowest = s.population.domains[d as usize]
                        .tier_cumulative
                        .map_or(2, |mix| mix.iter().position(|c| *c > 0.0).map_or(4, |i| i as u8 + 1).max(2));
                    for tier in lowest..=4u8 {
                        assert!(
                            model.route(d, tier, l, |_| true).is_some(),
                            "{relative}: model {} has no unit for {} tier {tier} in {}",
                            model.name,
                            s.population.domains[d as usize].name,
                            s.population.locality_names[l]
                        );
                    }
                }
            }
        }
        let c = run(&s);
        for model in &c.model_names {
            assert!(estimate(&c, model, Metric::Referrals).mean > 0.0, "{relative}: model {model} has no referrals");
            assert!(estimate(&c, model, Metric::WaitServiceStart).mean.is_finite(), "{relative}: model {model} starts no service");
        }
    }
}

#[test]
fn each_council_has_the_structure_the_paper_describes() {
    let quick = ["run.replications=1"];
    // Gloucestershire (§4.1): the five options, as presets, after the baseline.
    let s = load("scenarios/councils/gloucestershire.ron", &quick);
    let names: Vec<&str> = s.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["siloed", "status_quo_plus", "networks", "networks_then_teams", "teams_then_networks", "fully_integrated"]);

    // Shropshire (§4.2): five areas; a co-located core team with the paper's core members
    // and a virtual team of the paper's virtual members.
    let s = load("scenarios/councils/shropshire.ron", &quick);
    assert_eq!(s.population.locality_names.len(), 5, "Shropshire has five areas");
    let core = unit(&s, "shropshire", "area_team");
    assert!(matches!(core.kind, UnitKind::Team { shared_base: true, .. }) && core.scope == Scope::Locality);
    let core_staff = staff_names(&s, core);
    for p in [
        "education_welfare_officer",
        "information_assistant",
        "primary_mental_health_worker",
        "isa_coordinator",
        "family_support_worker",
        "youth_inclusion_support_worker",
        "substance_misuse_worker",
        "teenage_pregnancy_worker",
    ] {
        assert!(core_staff.iter().any(|n| n == p), "Shropshire's core team lacks {p}");
    }
    let virtual_team = unit(&s, "shropshire", "virtual_team");
    assert!(matches!(virtual_team.kind, UnitKind::VirtualTeam { .. }) && virtual_team.scope == Scope::Locality);
    let virtual_staff = staff_names(&s, virtual_team);
    for p in [
        "health_visitor",
        "youth_worker",
        "educational_psychologist",
        "connexions_adviser",
        "schools_representative",
        "speech_language_therapist",
        "school_nurse",
        "police_officer",
        "housing_officer",
    ] {
        assert!(virtual_staff.iter().any(|n| n == p), "Shropshire's virtual team lacks {p}");
    }

    // Somerset (§4.3): locality teams for tiers 1-2 only; tier 3-4 specialists countywide
    // (social care stays in the localities).
    let s = load("scenarios/councils/somerset.ron", &quick);
    let clp = unit(&s, "somerset", "clp_team");
    assert!(clp.tiers_by_domain.iter().all(|t| t & 0b1100 == 0), "the CLP team takes tiers 1-2 only");
    assert!(clp.tiers_by_domain.iter().any(|t| t & 0b0001 != 0), "the CLP team does tier 1 prevention");
    let m = s.models.iter().find(|m| m.name == "somerset").expect("model somerset");
    for u in m.units.iter().filter(|u| u.tiers_by_domain.iter().all(|t| t & 0b0011 == 0) && u.name != "social_care") {
        assert_eq!(u.scope, Scope::BoroughWide, "Somerset's tier 3-4 specialist unit {} should be countywide", u.name);
    }

    // Oxfordshire (§4.4): four pilots with the same structure; the conditions for
    // collaborative advantage in three, none in the fourth.
    let raw: RawScenario =
        scenario::parse("oxfordshire.ron", &std::fs::read_to_string(path("scenarios/councils/oxfordshire.ron")).expect("readable"))
            .expect("parses");
    let names: Vec<&str> = raw.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["siloed", "pilot_a", "pilot_b", "pilot_c", "pilot_d"]);
    for m in &raw.models[1..] {
        let c = &m.collaboration.conditions;
        let ten = [
            c.clearly_bounded_localities,
            c.links_to_centre,
            c.local_ownership,
            c.strong_project_management,
            c.systems_minding,
            c.inclusive_communication_access,
            c.inclusive_communication_up_and_down,
            c.appreciative_systems,
            c.user_involvement,
            c.support_for_schools,
        ];
        if m.name == "pilot_d" {
            assert_eq!(*c, joinedup::scenario::raw::RawConditions::default(), "pilot_d has none of the conditions");
        } else {
            assert!(ten.iter().all(|x| *x), "{} should have all ten conditions for collaborative advantage", m.name);
        }
        assert!(m.collaboration.n_conditions.is_none(), "{}: conditions are listed, not counted", m.name);
    }
    let s = load("scenarios/councils/oxfordshire.ron", &quick);
    for pilot in ["pilot_b", "pilot_c", "pilot_d"] {
        let (a, other) = (staffing(&s, 1), staffing(&s, s.models.iter().position(|m| m.name == pilot).expect("pilot")));
        assert_eq!(a, other, "the pilots differ only in their conditions");
    }

    // Essex (§4.5): one local point of contact, the common assessment, a shared record and an
    // integrated team.
    let s = load("scenarios/councils/essex.ron", &quick);
    let essex = s.models.iter().find(|m| m.name == "essex").expect("model essex");
    assert!(matches!(essex.front_door, joinedup::model::FrontDoor::Single(_)), "a TASC is the single local point of contact");
    assert_eq!(essex.information, joinedup::model::Information::SharedRecord);
    let tasc = unit(&s, "essex", "tasc");
    assert!(matches!(tasc.assessment, joinedup::model::Assessment::Common { .. }), "the TASC uses the CAF");
    assert!(matches!(tasc.kind, UnitKind::Team { .. }) && tasc.lead_professional);

    // Rotherham (§4.6): three levels - locality teams, borough-wide specialist services, and
    // targeted youth support with social care for complex needs.
    let s = load("scenarios/councils/rotherham.ron", &quick);
    let locality = unit(&s, "rotherham", "locality_team");
    assert!(matches!(locality.kind, UnitKind::Team { .. }) && locality.scope == Scope::Locality);
    let locality_staff = staff_names(&s, locality);
    for p in [
        "health_visitor",
        "social_worker",
        "school_nurse",
        "youth_worker",
        "personal_adviser",
        "education_welfare_officer",
        "family_support_officer",
        "police_officer",
        "extended_services_officer",
    ] {
        assert!(locality_staff.iter().any(|n| n == p), "Rotherham's locality team lacks {p}");
    }
    let targeted = unit(&s, "rotherham", "targeted_youth_and_social_care");
    assert_eq!(targeted.scope, Scope::BoroughWide);
    assert!(targeted.accepts(domain(&s, "family_safeguarding"), 4) && targeted.accepts(domain(&s, "behaviour"), 4));
    let m = s.models.iter().find(|m| m.name == "rotherham").expect("model rotherham");
    assert!(m.units.iter().filter(|u| u.scope == Scope::BoroughWide).count() >= 3, "borough-wide services form the second level");
}

// ----- structure, not tuning -------------------------------------------------------------------

/// For families with needs in three or more domains, the structures that keep services apart
/// (siloed, status quo plus) refer on and assess more per episode than those that bring them
/// together (integrated service, fully integrated). Handoffs are made to cost the same in
/// every model, coordinated or not, so the difference can only come from the structure: who
/// takes which need, and whether one assessment serves them all.
#[test]
fn structure_not_tuning_drives_handoffs_and_assessments_for_complex_families() {
    let same = |model: &str| {
        [
            format!("models.{model}.handoff.delay_days_mean=7"),
            format!("models.{model}.handoff.bounce_probability=0.1"),
            format!("models.{model}.handoff.lost_probability=0.03"),
            format!("models.{model}.coordinated_handoff.delay_days_mean=7"),
            format!("models.{model}.coordinated_handoff.bounce_probability=0.1"),
            format!("models.{model}.coordinated_handoff.lost_probability=0.03"),
        ]
    };
    let apart = ["siloed", "status_quo_plus"];
    let together = ["integrated_service", "fully_integrated"];
    // Half the county's families halves the run time; the counts compared are per episode.
    let mut overrides: Vec<String> = ["run.replications=3", "run.horizon_days=730", "run.warmup_days=365", "population.n_families=50000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for model in apart.iter().chain(&together) {
        overrides.extend(same(model));
    }
    let mut county = scenario::load(None, &overrides).expect("the county loads").scenario;
    county.models.retain(|m| apart.contains(&m.name.as_str()) || together.contains(&m.name.as_str()));
    assert_eq!(county.models.len(), 4);
    let c = run(&county);
    for high in apart {
        for low in together {
            assert_higher(&c, high, low, Metric::ComplexHandoffsPerEpisode, 0.1);
            assert_higher(&c, high, low, Metric::ComplexAssessmentsPerEpisode, 0.03);
        }
    }
}

// ----- panels ------------------------------------------------------------------------------

const PANEL: &str = "scenarios/validation/panel.ron";

/// A panel with unlimited slots allocates every case at the next meeting: the mean wait to
/// allocation is half the cadence (panel.ron's header derives it). The horizon (80 cycles of
/// 28 days, 320 of 7) and warm-up are whole cycles for both cadences.
#[test]
fn a_panel_with_unlimited_slots_allocates_after_half_its_cadence_on_average() {
    for cadence in [7.0, 28.0] {
        let s = load(
            PANEL,
            &[
                &format!("models.panel.units.panel.allocation.Panel.cadence_days={cadence}"),
                "run.horizon_days=2240",
                "run.warmup_days=28",
                "run.replications=2",
            ],
        );
        let c = run(&s);
        let wait = estimate(&c, "panel", Metric::WaitServiceStart).mean;
        let theory = cadence / 2.0;
        assert!(
            (wait - theory).abs() / theory < 0.03,
            "a panel every {cadence} days: mean wait {wait:.3} days, theory {theory} (within 3%)"
        );
    }
}

/// Mean of a monthly time series over months `from..to` (all replications).
fn monthly_mean(c: &Comparison, series: &str, from: usize, to: usize) -> f64 {
    let column = TIMESERIES.iter().position(|n| *n == series).unwrap_or_else(|| panic!("no time series {series}"));
    let values: Vec<f64> = c.results.iter().flat_map(|r| r.months[from..to].iter().filter_map(|m| m[column])).collect();
    assert!(!values.is_empty(), "no {series} values in months {from}..{to}");
    values.iter().sum::<f64>() / values.len() as f64
}

/// With fewer slots per meeting than cases arriving between meetings (10 against 14 a week),
/// the backlog grows without end: open episodes rise month after month and waits run far
/// beyond half the cadence. With enough slots (25) the same panel keeps up.
#[test]
fn a_panel_with_too_few_slots_builds_a_growing_backlog() {
    let panel = |slots: u32| {
        let s = load(
            PANEL,
            &[
                "models.panel.units.panel.allocation.Panel.cadence_days=7",
                &format!("models.panel.units.panel.allocation.Panel.slots_per_meeting={slots}"),
                "run.horizon_days=2240",
                "run.warmup_days=28",
                "run.replications=2",
            ],
        );
        run(&s)
    };
    let short = panel(10);
    let early = monthly_mean(&short, "open_episodes", 6, 12);
    let late = monthly_mean(&short, "open_episodes", 66, 72);
    assert!(late > 3.0 * early, "open episodes should keep rising with too few slots: months 6-12 {early:.0}, months 66-72 {late:.0}");
    let wait = estimate(&short, "panel", Metric::WaitServiceStart).mean;
    assert!(wait > 10.0 * 3.5, "with too few slots the mean wait ({wait:.1} days) should be far above half the cadence (3.5)");

    let enough = panel(25);
    let (early, late) = (monthly_mean(&enough, "open_episodes", 6, 12), monthly_mean(&enough, "open_episodes", 66, 72));
    assert!(late < 1.5 * early, "with enough slots open episodes stay level: months 6-12 {early:.0}, months 66-72 {late:.0}");
    let wait = estimate(&enough, "panel", Metric::WaitServiceStart).mean;
    assert!(wait < 1.5 * 3.5, "with enough slots the mean wait ({wait:.2} days) stays near half the cadence");
}

// ----- networks ----------------------------------------------------------------------------

/// Network membership is voluntary (§4.1 model 2): as members take fewer of the cases offered
/// (p = 0.9, 0.6, 0.3), families wait longer, more offers are declined and more families are
/// lost.
#[test]
fn network_waits_bounces_and_losses_rise_as_take_up_falls() {
    let s = load("scenarios/risks/network_take_up.ron", &["run.replications=6", "run.horizon_days=1461"]);
    let c = run(&s);
    for (high, low) in [("take_60", "take_90"), ("take_30", "take_60")] {
        assert_higher(&c, high, low, Metric::WaitServiceStart, 1.0);
        assert_higher(&c, high, low, Metric::BouncedPerEpisode, 0.1);
        assert_higher(&c, high, low, Metric::LostEpisodes, 5.0);
    }
}

// ----- the paper's named risks ----------------------------------------------------------------

/// §4.1 model 4: an overloaded fully integrated team that takes statutory work first lets
/// early help wait, and untreated early-help needs escalate.
#[test]
fn an_overloaded_integrated_team_loses_its_prevention_focus() {
    // An overloaded queue is slow to settle and varies a lot from run to run: eight
    // replications of the file's six years keep the interval well clear of the margin.
    let s = load("scenarios/risks/overloaded_integrated_team.ron", &["run.replications=8"]);
    for model in &s.models {
        assert!(
            model.units.iter().all(|u| u.priority == joinedup::model::Priority::HighestTierFirst) || model.name == "overloaded_in_order"
        );
    }
    let c = run(&s);
    // Four in five referrals are early help (tier 2), so the mean wait is mostly theirs.
    assert_higher(&c, "overloaded", "adequately_staffed", Metric::WaitServiceStart, 14.0);
    assert_higher(&c, "overloaded", "adequately_staffed", Metric::EscalationTier3, 0.05);
    let (over, fine) =
        (estimate(&c, "overloaded", Metric::EscalationTier3).mean, estimate(&c, "adequately_staffed", Metric::EscalationTier3).mean);
    assert!(over > 1.25 * fine, "escalation to tier 3 should rise by at least a quarter under overload: {over:.3} against {fine:.3}");
    // Statutory work first holds under overload: tier 4 starts within weeks (22 days against
    // 15 when staffed adequately), where in order of arrival it waits with everyone (about a
    // year). Looking only 64 cases down one queue, the rule gave 319 days against 373.
    assert_higher(&c, "overloaded_in_order", "overloaded", Metric::WaitServiceStartTier4, 200.0);
    let (statutory_over, statutory_fine) = (
        estimate(&c, "overloaded", Metric::WaitServiceStartTier4).mean,
        estimate(&c, "adequately_staffed", Metric::WaitServiceStartTier4).mean,
    );
    assert!(
        statutory_over < 2.0 * statutory_fine,
        "tier-4 cases should still start promptly: {statutory_over:.1} days against {statutory_fine:.1}"
    );
    // ... and early help pays for it: families referred at tier 2 wait longer than in order of
    // arrival (404 days against 344).
    assert_higher(&c, "overloaded", "overloaded_in_order", Metric::WaitServiceStartTier2, 30.0);
}

/// §3 i: "Case planning meetings can take up a significant amount of time." The panel
/// model's share of staff time spent coordinating is clearly above the siloed model's, and a
/// visible part of the difference is the meetings themselves.
#[test]
fn a_panel_spends_a_visible_share_of_staff_time_in_meetings() {
    let file = "scenarios/risks/panel_meeting_time.ron";
    let quick = ["run.replications=4", "run.horizon_days=1461"];
    let c = run(&load(file, &quick));
    assert_higher(&c, "panel", "siloed", Metric::CoordinationTimeShare, 0.03);
    let mut without = quick.to_vec();
    without.push("models.panel.units.locality_panel.allocation.Panel.meeting_hours=0");
    let no_meetings = run(&load(file, &without));
    let (with, without) =
        (estimate(&c, "panel", Metric::CoordinationTimeShare).mean, estimate(&no_meetings, "panel", Metric::CoordinationTimeShare).mean);
    assert!(with - without > 0.015, "meetings should take a visible share of staff time: {with:.3} with them, {without:.3} without");
}

/// §4.2 and §3 ii: a virtual team's members are not based together and are called in on
/// demand; the longer the call-in, the longer families wait.
#[test]
fn a_virtual_teams_call_in_delay_shows_in_waits() {
    let s = load("scenarios/risks/virtual_team_call_in.ron", &["run.replications=4", "run.horizon_days=1461"]);
    let c = run(&s);
    assert_higher(&c, "call_in_7_days", "call_in_2_days", Metric::WaitServiceStart, 1.0);
    assert_higher(&c, "call_in_21_days", "call_in_7_days", Metric::WaitServiceStart, 3.0);
}

#[test]
fn merged_units_keep_each_services_professionals_for_the_domains_and_tiers_it_took() {
    // The county's disability service sees each family with eight professionals (disability
    // and health, tiers 2-4); health visiting with one (health, tiers 1-2). A team that merges
    // every service keeps eight for the work the disability service did, not for every family.
    let county = load("scenarios/county.ron", &[]);
    let team = unit(&county, "fully_integrated", "integrated_team");
    let per = |domain_name: &str, tier: usize| team.professionals_per_intervention[domain(&county, domain_name) as usize][tier - 1];
    assert_eq!(per("disability", 3), 8);
    assert_eq!(per("health", 2), 8, "the larger of the two services that took tier 2 health");
    assert_eq!(per("health", 1), 1, "only health visiting took tier 1 health");
    assert_eq!(per("family_safeguarding", 3), 1);
    assert_eq!(per("emotional_health", 4), 1);
    let kept = unit(&county, "siloed", "disability_service");
    assert!(kept.professionals_per_intervention.iter().take(county.population.domains.len()).all(|tiers| tiers == &[8; 4]));
}
