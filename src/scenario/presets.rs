//! Ready-made structures: the seed paper's integration models, built from a county's
//! existing services (`workforce.services`) so every preset has exactly the same staff.
//!
//! A preset is expanded into ordinary units before validation, so the resolved scenario
//! written with every run shows the structure in full and can be edited by hand. The
//! section of the seed paper each preset follows is given in `PRESETS`.

use super::raw::*;
use super::validate::Checker;
use crate::error::{Problem, nearest};
use crate::model::scaled_staff;
use std::collections::BTreeSet;

/// Preset names (a contract: scenarios and scripts use them) and one-line descriptions.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "siloed",
        "The status quo: every service its own front door, assessment and threshold; needs outside a remit are referred on (paper §4.1 model 1 risks).",
    ),
    (
        "status_quo_plus",
        "Gloucestershire model 1: same services and doors, but the common assessment travels with every referral, so families tell their story once (paper §4.1).",
    ),
    (
        "panel",
        "Multi-agency panel: locality staff stay in their agencies and allocate cases with a lead professional at regular meetings (paper §3 i).",
    ),
    (
        "multi_agency_team",
        "Multi-agency team: locality staff seconded into one team with a team leader allocating daily, a shared base and joint training (paper §3 ii).",
    ),
    (
        "integrated_service",
        "Integrated service: a locality hub, single point of contact, common assessment, lead professional and shared record (paper §3 iii).",
    ),
    (
        "integrated_hub",
        "Integrated hub for tiers 1-3 with statutory tier 4 work kept in separate services behind it (the foundation's hub).",
    ),
    (
        "networks",
        "Gloucestershire model 2: staff stay in their teams but work through voluntary locality networks; members may decline cases (paper §4.1).",
    ),
    (
        "networks_then_teams",
        "Gloucestershire model 3a: tier 1/2 services in networks, tier 3 (and locality statutory) services in integrated teams (paper §4.1).",
    ),
    ("teams_then_networks", "Gloucestershire model 3b: tier 1/2 services in locality teams, specialist services in networks (paper §4.1)."),
    (
        "fully_integrated",
        "Gloucestershire model 4: every service, specialists included, in integrated locality teams; statutory work comes first (paper §4.1).",
    ),
];

/// Expands every model that names a preset into units. Problems name the model's path.
pub fn expand(raw: &mut RawScenario) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    let services = raw.workforce.services.clone();
    let n_localities = raw.population.localities.len().max(1);
    let locality_names: Vec<String> = raw.population.localities.iter().map(|l| l.name.clone()).collect();
    let scales = super::validate::locality_scales(&raw.population.localities);
    let professions = raw.workforce.professions.clone();
    for model in &mut raw.models {
        let Some(preset) = model.preset.clone() else {
            if model.restructure.is_some() {
                problems.push(Problem {
                    path: format!("models.{}.restructure", model.name),
                    message: "a restructure switches between presets; give this model a preset, or model the change with units' starts_on_day and ends_on_day".into(),
                });
            }
            continue;
        };
        let path = format!("models.{}.preset", model.name);
        if !model.units.is_empty() {
            problems.push(Problem {
                path: format!("models.{}.units", model.name),
                message: "give either a preset or a list of units, not both".into(),
            });
            continue;
        }
        if services.is_empty() {
            problems.push(Problem {
                path: path.clone(),
                message: "presets are built from workforce.services (the county's existing services); add them, or list units instead"
                    .into(),
            });
            continue;
        }
        let Some(build) = builder(&preset.name) else {
            let hint = match nearest(&preset.name, PRESETS.iter().map(|(n, _)| *n)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the presets are: {}", PRESETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
            };
            problems.push(Problem { path: format!("{path}.name"), message: format!("there is no preset `{}`; {hint}", preset.name) });
            continue;
        };
        problems.extend(preset_settings(&path, &preset));
        let context = Context {
            services: &services,
            preset: &preset,
            n_localities,
            professions: &professions,
            localities: &locality_names,
            scales: &scales,
        };
        let mut built = build(&context);
        if let Some(restructure) = model.restructure.clone() {
            let rpath = format!("models.{}.restructure", model.name);
            let Some(build_to) = builder(&restructure.to.name) else {
                problems.push(Problem {
                    path: format!("{rpath}.to.name"),
                    message: format!(
                        "there is no preset `{}`; {}",
                        restructure.to.name,
                        nearest(&restructure.to.name, PRESETS.iter().map(|(n, _)| *n))
                            .map_or("`joinedup models` lists them".to_string(), |c| format!("did you mean `{c}`?"))
                    ),
                });
                continue;
            };
            let to = build_to(&Context {
                services: &services,
                preset: &restructure.to,
                n_localities,
                professions: &professions,
                localities: &locality_names,
                scales: &scales,
            });
            let all: Vec<String> = locality_names.clone();
            let changing: Vec<String> = match &restructure.localities {
                None => all.clone(),
                Some(names) => {
                    if names.is_empty() {
                        problems.push(Problem {
                            path: format!("{rpath}.localities"),
                            message:
                                "lists no localities, so nothing would change; name some, or leave it out to restructure every locality"
                                    .into(),
                        });
                        // Built with no locality changing, the model would report follow-on
                        // problems (a front door to a unit that never opens).
                        continue;
                    }
                    for name in names {
                        if !all.contains(name) {
                            problems.push(Problem {
                                path: format!("{rpath}.localities"),
                                message: format!("`{name}` is not a locality; the localities are: {}", all.join(", ")),
                            });
                        }
                    }
                    names.clone()
                }
            };
            if !(restructure.day > 0.0 && restructure.day.is_finite()) {
                problems
                    .push(Problem { path: format!("{rpath}.day"), message: format!("must be a positive day, found {}", restructure.day) });
                continue;
            }
            problems.extend(preset_settings(&format!("{rpath}.to"), &restructure.to));
            let mut check = Checker::new();
            check.non_negative(&format!("{rpath}.disruption_days"), restructure.disruption_days, "days");
            check.probability(&format!("{rpath}.capacity_loss_share"), restructure.capacity_loss_share);
            problems.extend(check.problems);
            built = combine(built, to, &restructure, &all, &changing);
        }
        model.units = built.units;
        model.front_door = built.front_door;
        model.information = built.information;
        model.information_after_restructure = built.information_after;
        if model.description.is_empty() {
            model.description = PRESETS.iter().find(|(n, _)| *n == preset.name).map(|(_, d)| d.to_string()).unwrap_or_default();
        }
        // The resolved scenario lists the units in full; the preset and restructure have done
        // their work.
        model.preset = None;
        model.restructure = None;
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Checks a preset's settings with the same words as the checks of the units built from
/// them, so the loader can tell a unit's copy of a preset's problem and drop it.
fn preset_settings(path: &str, preset: &RawPreset) -> Vec<Problem> {
    let mut check = Checker::new();
    check.probability(&format!("{path}.panel_attendance"), preset.panel_attendance);
    check.probability(&format!("{path}.network_take_probability"), preset.network_take_probability);
    check.probability(&format!("{path}.team_time_share"), preset.team_time_share);
    check.probability(&format!("{path}.statutory_share"), preset.statutory_share);
    check.positive(&format!("{path}.panel_cadence_days"), preset.panel_cadence_days, "days");
    check.positive(&format!("{path}.network_retry_days_mean"), preset.network_retry_days_mean, "days");
    check.non_negative(&format!("{path}.call_in_days_mean"), preset.call_in_days_mean, "days");
    if preset.panel_slots_per_meeting == Some(0) {
        check.fail(
            format!("{path}.panel_slots_per_meeting"),
            "a panel that allocates no cases would hold every family for ever; give at least 1, or None for no limit",
        );
    }
    check.problems
}

struct Context<'a> {
    services: &'a [RawService],
    preset: &'a RawPreset,
    n_localities: usize,
    professions: &'a [RawProfession],
    /// The localities' names and how many times a unit's written staffing each one's copy
    /// gets (`validate::locality_scales`).
    localities: &'a [String],
    scales: &'a [f64],
}

struct Built {
    units: Vec<RawUnit>,
    front_door: RawFrontDoor,
    information: RawInformation,
    /// After a county-wide restructure, the new structure's way of sharing information.
    information_after: Option<(f64, RawInformation)>,
}

type Builder = fn(&Context) -> Built;

fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "siloed" => siloed,
        "status_quo_plus" => status_quo_plus,
        "panel" => panel,
        "multi_agency_team" => multi_agency_team,
        "integrated_service" => integrated_service,
        "integrated_hub" => integrated_hub,
        "networks" => networks,
        "networks_then_teams" => networks_then_teams,
        "teams_then_networks" => teams_then_networks,
        "fully_integrated" => fully_integrated,
        _ => return None,
    })
}

const ALL_TIERS: u8 = 0b1111;
const TIERS_1_2: u8 = 0b0011;
const TIERS_1_3: u8 = 0b0111;
const TIER_4: u8 = 0b1000;

fn own_systems() -> RawInformation {
    RawInformation::OwnSystems { consent_delay_days_mean: 5.0 }
}

fn mask(tiers: &[u8]) -> u8 {
    tiers.iter().filter(|t| (1..=4).contains(*t)).fold(0, |m, t| m | 1 << (t - 1))
}

fn tiers_of(mask: u8) -> Vec<u8> {
    (1..=4u8).filter(|t| mask & (1 << (t - 1)) != 0).collect()
}

/// Tiers a service takes in one domain.
fn remit(service: &RawService, domain: &str) -> u8 {
    if !service.domains.iter().any(|d| d == domain) {
        return 0;
    }
    match service.tiers_for.iter().find(|t| t.domain == domain) {
        Some(special) => mask(&special.tiers),
        None => mask(&service.tiers),
    }
}

fn highest_tier(service: &RawService) -> u8 {
    let all = service.domains.iter().fold(0, |m, d| m | remit(service, d));
    8 - all.leading_zeros() as u8
}

fn is_locality(service: &RawService) -> bool {
    service.scope == RawScope::Locality
}

/// A service kept as its own single-agency unit, with its own assessment.
fn single(service: &RawService) -> RawUnit {
    let mut unit = RawUnit::new(&service.name, service.domains.clone(), service.tiers.clone(), service.staff.clone());
    unit.tiers_for = service.tiers_for.clone();
    unit.scope = service.scope;
    unit.assessment = RawAssessment::Own { days_mean: service.assessment_days_mean };
    unit.professionals_per_intervention = service.professionals_per_intervention;
    unit.waiting_list = service.waiting_list.clone();
    unit
}

/// Staff of a borough-wide service shared out to locality teams: each locality gets an
/// equal share, rounded, at least one.
fn per_locality(n: u32, n_localities: usize) -> u32 {
    if n == 0 { 0 } else { ((f64::from(n) / n_localities as f64).round() as u32).max(1) }
}

/// Where a locality service gives some localities exact counts (`by_locality`), the merged
/// unit gives those localities exact counts too: the practitioners each service would have
/// had there, exact or scaled, added up, so the merged structure has the same people in
/// each locality as the services it was made from. Other localities keep the scaled sum.
fn exact_counts_merged(staff: &mut [RawStaff], services: &[&RawService], c: &Context) {
    for entry in staff.iter_mut() {
        let profession = entry.profession.clone();
        let members = || services.iter().flat_map(|s| s.staff.iter().filter(|m| m.profession == profession).map(move |m| (*s, m)));
        let named: BTreeSet<String> =
            members().filter(|(s, _)| s.scope == RawScope::Locality).flat_map(|(_, m)| m.by_locality.keys().cloned()).collect();
        for locality in named {
            // An unknown name is reported on the service it was written in.
            let Some(l) = c.localities.iter().position(|n| *n == locality) else { continue };
            let n = members().map(|(s, m)| in_locality(s, m, &locality, l, c)).fold(0u32, u32::saturating_add);
            entry.by_locality.insert(locality, n);
        }
    }
}

/// Practitioners of a service's staff member in one locality, as the engine would place them
/// in the service's own unit there: the exact count, or the written number (shared out, for a
/// borough-wide service joining locality units) scaled to the locality's size.
fn in_locality(service: &RawService, member: &RawStaff, locality: &str, l: usize, c: &Context) -> u32 {
    match service.scope {
        RawScope::Locality => {
            member.by_locality.get(locality).copied().unwrap_or_else(|| scaled_staff(member.n_practitioners, c.scales[l]))
        }
        RawScope::BoroughWide => scaled_staff(per_locality(member.n_practitioners, c.n_localities), c.scales[l]),
    }
}

/// One unit made of several services: their staff together, each domain at the tiers any
/// of them took, limited to `band`. Borough-wide services joining a locality unit share
/// their staff out across localities. Each service's professionals per intervention stay
/// with the domains and tiers it took. The merged unit has no waiting-list policy: one
/// service's rules for its own list say nothing about a team that serves every need.
fn merged(name: &str, services: &[&RawService], band: u8, scope: RawScope, c: &Context) -> Option<RawUnit> {
    let mut domains: Vec<String> = Vec::new();
    for s in services {
        for d in &s.domains {
            if !domains.contains(d) {
                domains.push(d.clone());
            }
        }
    }
    let remits: Vec<(String, u8)> =
        domains.iter().map(|d| (d.clone(), services.iter().fold(0, |m, s| m | remit(s, d)) & band)).filter(|(_, m)| *m != 0).collect();
    if remits.is_empty() {
        return None;
    }
    let all = remits.iter().fold(0, |m, (_, r)| m | r);
    let mut staff: Vec<RawStaff> = Vec::new();
    for s in services {
        for member in &s.staff {
            let n = if scope == RawScope::Locality && s.scope == RawScope::BoroughWide {
                per_locality(member.n_practitioners, c.n_localities)
            } else {
                member.n_practitioners
            };
            match staff.iter_mut().find(|m| m.profession == member.profession) {
                // Saturating: presets are expanded before validation, which reports the sizes.
                Some(existing) => existing.n_practitioners = existing.n_practitioners.saturating_add(n),
                None => staff.push(RawStaff::new(&member.profession, n)),
            }
        }
    }
    if scope == RawScope::Locality {
        exact_counts_merged(&mut staff, services, c);
    }
    let mut unit = RawUnit::new(name, remits.iter().map(|(d, _)| d.clone()).collect(), tiers_of(all), staff);
    unit.tiers_for =
        remits.iter().filter(|(_, r)| *r != all).map(|(d, r)| RawDomainTiers { domain: d.clone(), tiers: tiers_of(*r) }).collect();
    unit.scope = scope;
    let days: f64 = services.iter().map(|s| s.assessment_days_mean).sum::<f64>() / services.len() as f64;
    unit.assessment = RawAssessment::Common { days_mean: days };
    // Each domain and tier keeps the number of professionals of the service that took it (the
    // largest, where several did): a team that absorbs a multi-disciplinary disability service
    // sends eight professionals to the disability and complex health work that service did,
    // not to every family.
    unit.professionals_per_intervention = services.iter().map(|s| s.professionals_per_intervention).min().unwrap_or(1);
    let mut special: Vec<&RawService> =
        services.iter().copied().filter(|s| s.professionals_per_intervention != unit.professionals_per_intervention).collect();
    // Ascending, so that where two services took the same domain and tier the larger number,
    // listed later, wins.
    special.sort_by_key(|s| s.professionals_per_intervention);
    unit.professionals_for = special
        .iter()
        .flat_map(|s| {
            remits.iter().filter_map(move |(domain, band_remit)| {
                let tiers = remit(s, domain) & band_remit;
                (tiers != 0).then(|| RawDomainProfessionals {
                    domain: domain.clone(),
                    tiers: tiers_of(tiers),
                    professionals_per_intervention: s.professionals_per_intervention,
                })
            })
        })
        .collect();
    Some(unit)
}

fn partition(services: &[RawService], keep: impl Fn(&RawService) -> bool) -> (Vec<&RawService>, Vec<&RawService>) {
    services.iter().partition(|s| keep(s))
}

fn siloed(c: &Context) -> Built {
    Built {
        units: c.services.iter().map(single).collect(),
        front_door: RawFrontDoor::ByNeed,
        information: own_systems(),
        information_after: None,
    }
}

fn status_quo_plus(c: &Context) -> Built {
    // The common assessment is the referral into each service, which still assesses for its
    // own purposes: less retelling, the same number of doors and assessments.
    Built {
        units: c.services.iter().map(single).collect(),
        front_door: RawFrontDoor::ByNeed,
        information: RawInformation::SharedRecord,
        information_after: None,
    }
}

fn panel(c: &Context) -> Built {
    let (local, borough) = partition(c.services, is_locality);
    let mut units = Vec::new();
    if let Some(mut unit) = merged("locality_panel", &local, ALL_TIERS, RawScope::Locality, c) {
        unit.kind = RawUnitKind::Panel;
        unit.lead_professional = true;
        unit.allocation = RawAllocation::Panel {
            cadence_days: c.preset.panel_cadence_days,
            slots_per_meeting: c.preset.panel_slots_per_meeting,
            first_meeting_day: None,
            meeting_hours: 2.0,
            n_members: unit.staff.len() as u32,
            attendance: c.preset.panel_attendance,
        };
        units.push(unit);
    }
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door: RawFrontDoor::ByNeed, information: own_systems(), information_after: None }
}

fn team(mut unit: RawUnit, c: &Context) -> RawUnit {
    unit.kind = RawUnitKind::Team { shared_base: true, team_time_share: c.preset.team_time_share };
    unit.allocation = RawAllocation::TeamLeader;
    unit.lead_professional = true;
    unit
}

fn network(mut unit: RawUnit, c: &Context) -> RawUnit {
    unit.kind =
        RawUnitKind::Network { take_probability: c.preset.network_take_probability, retry_days_mean: c.preset.network_retry_days_mean };
    unit
}

fn multi_agency_team(c: &Context) -> Built {
    let (local, borough) = partition(c.services, is_locality);
    let mut units: Vec<RawUnit> =
        merged("locality_team", &local, ALL_TIERS, RawScope::Locality, c).map(|u| team(u, c)).into_iter().collect();
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door: RawFrontDoor::ByNeed, information: RawInformation::SharedRecord, information_after: None }
}

fn hub(mut unit: RawUnit) -> RawUnit {
    unit.kind = RawUnitKind::Hub;
    unit.lead_professional = true;
    unit
}

fn integrated_service(c: &Context) -> Built {
    let (local, borough) = partition(c.services, is_locality);
    let mut units: Vec<RawUnit> = merged("locality_hub", &local, ALL_TIERS, RawScope::Locality, c).map(hub).into_iter().collect();
    let front_door = units.first().map_or(RawFrontDoor::ByNeed, |u| RawFrontDoor::Single(u.name.clone()));
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door, information: RawInformation::SharedRecord, information_after: None }
}

/// The professions of a service able to work at tier 4 in some domain it serves.
fn statutory_professions(service: &RawService, professions: &[RawProfession]) -> Vec<String> {
    service
        .staff
        .iter()
        .filter(|member| {
            professions.iter().any(|p| {
                p.name == member.profession && p.competences.iter().any(|c| c.tier_max >= 4 && remit(service, &c.domain) & TIER_4 != 0)
            })
        })
        .map(|m| m.profession.clone())
        .collect()
}

/// Practitioners who stay in the statutory service behind an integrated hub: `share` of `n`,
/// rounded, at least one.
fn statutory_part(n: u32, share: f64) -> u32 {
    ((f64::from(n) * share).round() as u32).clamp(1, n.max(1))
}

fn integrated_hub(c: &Context) -> Built {
    let (local, borough) = partition(c.services, is_locality);
    // Locality services with statutory work keep a share of their tier-4-capable staff in a
    // statutory service behind the hub; the rest join the hub.
    let mut hub_services: Vec<RawService> = Vec::new();
    let mut statutory_units = Vec::new();
    for service in &local {
        let statutory = statutory_professions(service, c.professions);
        let mut to_hub = (*service).clone();
        if !statutory.is_empty() && highest_tier(service) == 4 {
            let mut kept = Vec::new();
            for member in &mut to_hub.staff {
                if statutory.contains(&member.profession) {
                    let share = c.preset.statutory_share;
                    let stay = statutory_part(member.n_practitioners, share);
                    let mut statutory = RawStaff::new(&member.profession, stay);
                    member.n_practitioners -= stay.min(member.n_practitioners);
                    if member.n_practitioners == 0 {
                        // Nobody joins the hub from a locality of average size, so the
                        // statutory service keeps them all, wherever they are.
                        statutory.by_locality = std::mem::take(&mut member.by_locality);
                    } else {
                        // A locality with an exact count splits it the same way.
                        for (locality, n) in &mut member.by_locality {
                            let stay_here = statutory_part(*n, share).min(*n);
                            statutory.by_locality.insert(locality.clone(), stay_here);
                            *n -= stay_here;
                        }
                    }
                    kept.push(statutory);
                }
            }
            to_hub.staff.retain(|m| m.n_practitioners > 0);
            let mut unit = single(service);
            unit.name = format!("{}_statutory", service.name);
            unit.staff = kept;
            unit.tiers = vec![4];
            unit.tiers_for.clear();
            statutory_units.push(unit);
        }
        hub_services.push(to_hub);
    }
    let refs: Vec<&RawService> = hub_services.iter().filter(|s| !s.staff.is_empty()).collect();
    let mut units: Vec<RawUnit> = merged("hub", &refs, TIERS_1_3, RawScope::Locality, c).map(hub).into_iter().collect();
    let front_door = units.first().map_or(RawFrontDoor::ByNeed, |u| RawFrontDoor::Single(u.name.clone()));
    units.extend(statutory_units);
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door, information: RawInformation::SharedRecord, information_after: None }
}

fn networks(c: &Context) -> Built {
    let (local, borough) = partition(c.services, is_locality);
    let mut units: Vec<RawUnit> =
        merged("locality_network", &local, ALL_TIERS, RawScope::Locality, c).map(|u| network(u, c)).into_iter().collect();
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door: RawFrontDoor::ByNeed, information: own_systems(), information_after: None }
}

fn networks_then_teams(c: &Context) -> Built {
    let (early, rest) = partition(c.services, |s| is_locality(s) && highest_tier(s) <= 2);
    let (local_targeted, borough) = rest.into_iter().partition::<Vec<_>, _>(|s| is_locality(s));
    let mut units = Vec::new();
    units.extend(merged("tier12_network", &early, TIERS_1_2, RawScope::Locality, c).map(|u| network(u, c)));
    units.extend(merged("tier3_team", &local_targeted, ALL_TIERS, RawScope::Locality, c).map(|u| team(u, c)));
    units.extend(borough.iter().map(|s| single(s)));
    Built { units, front_door: RawFrontDoor::ByNeed, information: RawInformation::SharedRecord, information_after: None }
}

fn teams_then_networks(c: &Context) -> Built {
    let (early, rest) = partition(c.services, |s| is_locality(s) && highest_tier(s) <= 2);
    let (local_specialist, borough) = rest.into_iter().partition::<Vec<_>, _>(|s| is_locality(s));
    let mut units = Vec::new();
    units.extend(merged("locality_team", &early, TIERS_1_2, RawScope::Locality, c).map(|u| team(u, c)));
    units.extend(merged("local_specialist_network", &local_specialist, ALL_TIERS, RawScope::Locality, c).map(|u| network(u, c)));
    units.extend(merged("specialist_network", &borough, ALL_TIERS, RawScope::BoroughWide, c).map(|u| network(u, c)));
    Built { units, front_door: RawFrontDoor::ByNeed, information: RawInformation::SharedRecord, information_after: None }
}

fn fully_integrated(c: &Context) -> Built {
    let all: Vec<&RawService> = c.services.iter().collect();
    let mut units = Vec::new();
    if let Some(unit) = merged("integrated_team", &all, ALL_TIERS, RawScope::Locality, c) {
        let mut unit = team(unit, c);
        // The paper's named risk: with statutory work in the same team, it comes first.
        unit.priority = RawPriority::HighestTierFirst;
        units.push(unit);
    }
    let front_door = units.first().map_or(RawFrontDoor::ByNeed, |u| RawFrontDoor::Single(u.name.clone()));
    Built { units, front_door, information: RawInformation::SharedRecord, information_after: None }
}

/// Limits a locality unit to `localities` (all when `None`), keeping only the exact staff
/// counts of localities it still has a copy in.
fn limit_to(unit: &mut RawUnit, localities: Option<Vec<String>>) {
    if let Some(names) = &localities {
        for member in &mut unit.staff {
            member.by_locality.retain(|l, _| names.contains(l));
        }
    }
    unit.localities = localities;
}

/// The units of a restructure: the old structure until `day` in the changing localities
/// (handing its families on under an exit strategy), the new one from `day` there, with the
/// disruption the paper warns of. Borough-wide services the two structures share carry on;
/// the old structure's other borough-wide services stop only when every locality changes.
fn combine(from: Built, to: Built, restructure: &RawRestructure, all: &[String], changing: &[String]) -> Built {
    let everywhere = all.iter().all(|l| changing.contains(l));
    let from_names: Vec<String> = from.units.iter().map(|u| u.name.clone()).collect();
    let same = |a: &RawUnit, b: &RawUnit| serde_json::to_value(a).ok() == serde_json::to_value(b).ok();
    let mut units = Vec::new();
    // New units first: where they run, they are the model's first preference.
    for unit in &to.units {
        let mut unit = unit.clone();
        if unit.scope == RawScope::BoroughWide {
            let shared = from.units.iter().any(|f| same(f, &unit));
            if shared || !everywhere {
                continue;
            }
        } else {
            let covered: Vec<String> =
                changing.iter().filter(|l| unit.localities.as_ref().is_none_or(|ls| ls.contains(l))).cloned().collect();
            if covered.is_empty() {
                continue;
            }
            limit_to(&mut unit, Some(covered));
        }
        if from_names.contains(&unit.name) {
            unit.name = format!("{}_new", unit.name);
        }
        unit.starts_on_day = Some(restructure.day);
        unit.disruption_days = restructure.disruption_days;
        unit.capacity_loss_share = restructure.capacity_loss_share;
        units.push(unit);
    }
    let mut front_doors: Vec<String> = Vec::new();
    for unit in &from.units {
        if unit.scope == RawScope::BoroughWide {
            let mut unit = unit.clone();
            if everywhere && !to.units.iter().any(|t| same(t, &unit)) {
                unit.ends_on_day = Some(restructure.day);
                unit.exit_strategy = true;
            }
            units.push(unit);
            continue;
        }
        let mine: Vec<String> = unit.localities.clone().unwrap_or_else(|| all.to_vec());
        let staying: Vec<String> = mine.iter().filter(|l| !changing.contains(l)).cloned().collect();
        let leaving: Vec<String> = mine.iter().filter(|l| changing.contains(l)).cloned().collect();
        if !staying.is_empty() {
            let mut kept = unit.clone();
            limit_to(&mut kept, if staying.len() == all.len() { None } else { Some(staying) });
            units.push(kept);
        }
        if !leaving.is_empty() {
            let mut ending = unit.clone();
            if ending.localities.is_some() || mine.len() != leaving.len() || units.iter().any(|u| u.name == ending.name) {
                ending.name = format!("{}_before", unit.name);
            }
            limit_to(&mut ending, Some(leaving));
            ending.ends_on_day = Some(restructure.day);
            ending.exit_strategy = true;
            units.push(ending);
        }
    }
    // Single points of contact: the new structure's first, then the old one's (which, where
    // it closed, no longer counts); families with neither go to the service for their need.
    if let RawFrontDoor::Single(door) = &to.front_door {
        let renamed = if from_names.contains(door) { format!("{door}_new") } else { door.clone() };
        front_doors.push(renamed);
    }
    if let RawFrontDoor::Single(door) = &from.front_door {
        for candidate in [door.clone(), format!("{door}_before")] {
            if units.iter().any(|u| u.name == candidate) {
                front_doors.push(candidate);
            }
        }
    }
    let front_door = if front_doors.is_empty() { RawFrontDoor::ByNeed } else { RawFrontDoor::FirstOf(front_doors) };
    let information_after = everywhere.then(|| (restructure.day, to.information.clone()));
    Built { units, front_door, information: from.information, information_after }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_preset_has_a_builder() {
        for (name, description) in PRESETS {
            assert!(builder(name).is_some(), "{name} is listed but not built");
            assert!(!description.is_empty());
        }
        assert!(builder("no_such_preset").is_none());
    }

    #[test]
    fn borough_staff_are_shared_out_at_least_one_each() {
        assert_eq!(per_locality(40, 8), 5);
        assert_eq!(per_locality(3, 8), 1);
        assert_eq!(per_locality(0, 8), 0);
    }

    #[test]
    fn tier_masks_round_trip() {
        assert_eq!(tiers_of(mask(&[1, 3, 4])), vec![1, 3, 4]);
        assert_eq!(mask(&[3, 4]), 0b1100);
    }
}
