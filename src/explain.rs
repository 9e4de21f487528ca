//! `joinedup explain` and `joinedup models`: plain-text descriptions of structures, so a
//! planner can check that a scenario file says what they meant.

use crate::model::*;
use crate::scenario::presets::PRESETS;
use std::fmt::Write as _;

/// The preset list printed by `joinedup models`.
pub fn presets_list() -> String {
    let width = PRESETS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from("Ready-made structures (use as `preset: (name: \"...\")` in a model; docs/scenarios.md):\n\n");
    for (name, description) in PRESETS {
        writeln!(out, "  {name:<width$}  {description}").expect("writing to a String");
    }
    out
}

fn tier_list(mask: u8) -> String {
    let tiers: Vec<u8> = (1..=4u8).filter(|t| mask & tier_bit(*t) != 0).collect();
    match (tiers.first(), tiers.last()) {
        (Some(first), Some(last)) if tiers.len() as u8 == last - first + 1 && tiers.len() > 1 => format!("tiers {first}-{last}"),
        _ => format!("tier{} {}", if tiers.len() > 1 { "s" } else { "" }, tiers.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// The practitioners who see a family in each intervention, where more than one: "8
/// professionals per intervention" for all of a unit's work, or by domain and tiers
/// ("8 professionals per intervention in health tiers 2-4, disability tiers 2-4").
fn professionals_text(unit: &Unit, domains: &[Domain]) -> Option<String> {
    // (domain index, tiers, count) for every domain the unit takes, grouped by count.
    let mut groups: Vec<(usize, u8, u8)> = Vec::new();
    for (d, _) in domains.iter().enumerate().filter(|(d, _)| unit.tiers_by_domain[*d] != 0) {
        for tier in (1..=4u8).filter(|t| unit.tiers_by_domain[d] & tier_bit(*t) != 0) {
            let n = unit.professionals_per_intervention[d][usize::from(tier) - 1];
            match groups.iter_mut().find(|(gd, _, gn)| *gd == d && *gn == n) {
                Some(group) => group.1 |= tier_bit(tier),
                None => groups.push((d, tier_bit(tier), n)),
            }
        }
    }
    let many: Vec<&(usize, u8, u8)> = groups.iter().filter(|(_, _, n)| *n > 1).collect();
    let first = many.first()?;
    if many.len() == groups.len() && many.iter().all(|(_, _, n)| n == &first.2) {
        return Some(format!("{} professionals per intervention", first.2));
    }
    let mut counts: Vec<u8> = many.iter().map(|(_, _, n)| *n).collect();
    counts.sort_unstable();
    counts.dedup();
    let parts: Vec<String> = counts
        .iter()
        .map(|&n| {
            let places: Vec<String> = many
                .iter()
                .filter(|(_, _, gn)| *gn == n)
                .map(|(d, tiers, _)| format!("{} {}", domains[*d].name, tier_list(*tiers)))
                .collect();
            format!("{n} professionals per intervention in {}", places.join(" and "))
        })
        .collect();
    Some(parts.join(", "))
}

fn allocation_text(allocation: &Allocation) -> String {
    match allocation {
        Allocation::OnArrival => "on arrival".into(),
        Allocation::TeamLeader => "by the team leader each working morning".into(),
        Allocation::Panel { cadence_days, slots_per_meeting, attendance, .. } => format!(
            "at a panel every {cadence_days} days ({}, attendance {:.0}%)",
            if *slots_per_meeting == u32::MAX {
                "no limit per meeting".to_string()
            } else {
                format!("up to {slots_per_meeting} cases a meeting")
            },
            attendance * 100.0
        ),
    }
}

fn kind_text(kind: UnitKind) -> String {
    match kind {
        UnitKind::Team { shared_base, team_time_share } => format!(
            "multi-agency team ({}, {:.0}% of hours on team building)",
            if shared_base { "shared base" } else { "no shared base" },
            team_time_share * 100.0
        ),
        UnitKind::Network { take_probability, retry_days_mean } => {
            format!(
                "professional network (members take {:.0}% of cases offered; re-offered after {retry_days_mean} days)",
                take_probability * 100.0
            )
        }
        UnitKind::VirtualTeam { call_in_days_mean } => format!("virtual team (called in after {call_in_days_mean} days on average)"),
        other => other.label().to_string(),
    }
}

/// Who serves which tier where, and the routes between units, for every model, or for the
/// models named in `only` (each must be one of the scenario's, see [`model_indices`]).
pub fn explain(scenario: &Scenario, only: &[usize]) -> String {
    let population = &scenario.population;
    let professions = &scenario.workforce.professions;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Scenario `{}`: {}", scenario.name, scenario.description);
    let _ = writeln!(w, "{} localities: {}.", population.locality_names.len(), population.locality_names.join(", "));
    for (m, model) in scenario.models.iter().enumerate() {
        if !only.is_empty() && !only.contains(&m) {
            continue;
        }
        let _ = writeln!(w, "\n== Model {} of {}: {} ==", m + 1, scenario.models.len(), model.name);
        if !model.description.is_empty() {
            let _ = writeln!(w, "{}", model.description);
        }
        let _ = writeln!(
            w,
            "Front door: {}.",
            match &model.front_door {
                FrontDoor::ByNeed => "each family goes to the service for its presenting need".to_string(),
                FrontDoor::Single(doors) => format!(
                    "a single point of contact, {} (families in localities it does not cover go by need)",
                    doors.iter().map(|u| format!("`{}`", model.units[*u].name)).collect::<Vec<_>>().join(", then ")
                ),
            }
        );
        let _ = writeln!(
            w,
            "Information: {}.",
            match model.information {
                Information::SharedRecord => "one shared record; later services read it, families tell their story once".to_string(),
                Information::OwnSystems { consent_delay_days_mean } => format!(
                    "each service its own records; every new service re-assesses and consent takes {consent_delay_days_mean} days on average"
                ),
            }
        );
        let _ = writeln!(w, "Units:");
        for unit in &model.units {
            let total: u32 = unit.staff.iter().map(|(_, n)| n).sum();
            let staff: Vec<String> = unit
                .staff
                .iter()
                .enumerate()
                .map(|(i, (p, n))| {
                    let exact: Vec<String> = unit
                        .staff_by_locality
                        .iter()
                        .filter(|(s, _, _)| *s == i)
                        .map(|(_, l, n)| format!("{n} in {}", population.locality_names[*l]))
                        .collect();
                    let exact = if exact.is_empty() { String::new() } else { format!(" ({})", exact.join(", ")) };
                    format!("{n} {}{exact}", professions[*p].name)
                })
                .collect();
            let place = match unit.scope {
                Scope::BoroughWide => "one borough-wide".to_string(),
                Scope::Locality if unit.localities.len() == population.locality_names.len() => "one in each locality".to_string(),
                Scope::Locality => format!(
                    "one in each of {}",
                    unit.localities.iter().map(|l| population.locality_names[*l].as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            let _ = writeln!(
                w,
                "  {} - {}, {place}, {total} practitioners{} ({})",
                unit.name,
                kind_text(unit.kind),
                if unit.scope == Scope::Locality { " each" } else { "" },
                staff.join(", ")
            );
            let takes: Vec<String> = population
                .domains
                .iter()
                .enumerate()
                .filter(|(d, _)| unit.tiers_by_domain[*d] != 0)
                .map(|(d, domain)| format!("{} {}", domain.name, tier_list(unit.tiers_by_domain[d])))
                .collect();
            let _ = writeln!(w, "      takes: {}", takes.join("; "));
            let assessment = match unit.assessment {
                Assessment::NoAssessment => "none".to_string(),
                Assessment::Own { days_mean } => format!("its own, {days_mean} days"),
                Assessment::Common { days_mean } => format!("common assessment, {days_mean} days"),
            };
            let mut extras = Vec::new();
            if unit.lead_professional {
                extras.push("lead professional".to_string());
            }
            if unit.priority == Priority::HighestTierFirst {
                extras.push("highest tier first".to_string());
            }
            if let Some(text) = professionals_text(unit, &population.domains) {
                extras.push(text);
            }
            if unit.step_down_probability > 0.0 {
                extras.push(format!("steps down {:.0}% of tier 3-4 needs", unit.step_down_probability * 100.0));
            }
            if unit.ends_on_day.is_finite() {
                extras.push(format!(
                    "project ends on day {} {}",
                    unit.ends_on_day,
                    if unit.exit_strategy { "with an exit strategy" } else { "without an exit strategy" }
                ));
            }
            let _ = writeln!(
                w,
                "      assessment: {assessment}; allocation: {}{}",
                allocation_text(&unit.allocation),
                if extras.is_empty() { String::new() } else { format!("; {}", extras.join("; ")) }
            );
            if let Some(list) = unit.waiting_list.filter(|l| l.turns_away() || l.reneges()) {
                let _ = writeln!(w, "      waiting list: {}", waiting_list_text(&list));
            }
        }
        routes(w, scenario, model);
    }
    out
}

/// A unit's waiting-list policy in words (docs/ODD.md, 7.16).
fn waiting_list_text(list: &WaitingList) -> String {
    let mut parts = Vec::new();
    if list.turns_away() {
        parts.push(format!(
            "turns away referrals below its highest tier once the longest wait passes {} days (all of them at {} days)",
            list.turn_away_from_wait_days, list.turn_away_all_at_wait_days
        ));
    }
    if list.reneges() {
        parts.push(format!("families give up after {} days of waiting on average", list.patience_days_mean));
    }
    parts.push(format!("{:.0}% of those then find help elsewhere or get better", list.met_elsewhere_probability * 100.0));
    parts.join("; ")
}

/// The routing table: for each domain and tier, the unit that takes it. Localities with the
/// same table are grouped.
fn routes(w: &mut String, scenario: &Scenario, model: &Model) {
    let population = &scenario.population;
    let table_for = |locality: usize| -> Vec<Vec<String>> {
        population
            .domains
            .iter()
            .enumerate()
            .map(|(d, _)| {
                (1..=4u8)
                    .map(|tier| match model.route(d as u8, tier, locality, |_| true) {
                        Some(u) => model.units[u].name.clone(),
                        None if tier == 1 => "(universal services)".into(),
                        None => "(no service)".into(),
                    })
                    .collect()
            })
            .collect()
    };
    let mut groups: Vec<(Vec<usize>, Vec<Vec<String>>)> = Vec::new();
    for locality in 0..population.locality_names.len() {
        let table = table_for(locality);
        match groups.iter_mut().find(|(_, t)| *t == table) {
            Some((members, _)) => members.push(locality),
            None => groups.push((vec![locality], table)),
        }
    }
    for (members, table) in groups {
        let names: Vec<&str> = members.iter().map(|l| population.locality_names[*l].as_str()).collect();
        let _ = writeln!(
            w,
            "Who takes what{}:",
            if members.len() == population.locality_names.len() { String::new() } else { format!(" in {}", names.join(", ")) }
        );
        let domain_width = population.domains.iter().map(|d| d.name.len()).max().unwrap_or(6).max(6);
        let cell = table.iter().flatten().map(String::len).max().unwrap_or(6).max(6);
        let header = format!("  {:<domain_width$}  {:<cell$}  {:<cell$}  {:<cell$}  {}", "domain", "tier 1", "tier 2", "tier 3", "tier 4");
        let _ = writeln!(w, "{}", header.trim_end());
        for (d, row) in table.iter().enumerate() {
            let line = format!(
                "  {:<domain_width$}  {:<cell$}  {:<cell$}  {:<cell$}  {}",
                population.domains[d].name, row[0], row[1], row[2], row[3]
            );
            let _ = writeln!(w, "{}", line.trim_end());
        }
    }
    let _ = writeln!(
        w,
        "A service refers a need it does not take to the unit above for its domain and tier: a handoff (mean {} days, {:.0}% bounced, {:.0}% lost), or (mean {} days, {:.0}% bounced, {:.0}% lost) when a lead professional or co-located team arranges it.",
        model.handoff.delay_days_mean,
        model.handoff.bounce_probability * 100.0,
        model.handoff.lost_probability * 100.0,
        model.coordinated_handoff.delay_days_mean,
        model.coordinated_handoff.bounce_probability * 100.0,
        model.coordinated_handoff.lost_probability * 100.0
    );
}

/// The positions of the models `names` in `scenario`, or an error naming the first unknown one
/// with the nearest model name and the list of them.
pub fn model_indices(scenario: &Scenario, names: &[String]) -> crate::error::Result<Vec<usize>> {
    names
        .iter()
        .map(|name| {
            scenario.models.iter().position(|m| m.name == *name).ok_or_else(|| {
                let all: Vec<&str> = scenario.models.iter().map(|m| m.name.as_str()).collect();
                let hint = crate::error::nearest(name, all.iter().copied()).map_or(String::new(), |n| format!("did you mean `{n}`? "));
                crate::error::Error::BadArgument {
                    option: "--model".into(),
                    message: format!("scenario `{}` has no model `{name}`; {hint}its models are {}", scenario.name, all.join(", ")),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_models_asked_for_are_explained_and_an_unknown_one_is_named() {
        let county = crate::scenario::default_county().expect("the county loads").scenario;
        let only = super::model_indices(&county, &["panel".to_string(), "siloed".to_string()]).expect("both exist");
        let text = super::explain(&county, &only);
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("== Model")).collect();
        // In the scenario's order, numbered as in the whole scenario.
        assert_eq!(headings, ["== Model 1 of 10: siloed ==", "== Model 4 of 10: panel =="]);
        let error = super::model_indices(&county, &["pannel".to_string()]).expect_err("no such model").to_string();
        assert!(error.contains("no model `pannel`") && error.contains("did you mean `panel`?"), "{error}");
    }

    #[test]
    fn professionals_per_intervention_are_shown_where_more_than_one_sees_the_family() {
        let county = crate::scenario::default_county().expect("the county loads").scenario;
        let text = super::explain(&county, &[]);
        let unit_block = |model: &str, unit: &str| -> String {
            let model_start = text.find(&format!(": {model} ==")).unwrap_or_else(|| panic!("no model {model}"));
            let rest = &text[model_start..];
            let unit_start = rest.find(&format!("  {unit} - ")).unwrap_or_else(|| panic!("no unit {unit} in {model}"));
            rest[unit_start..].lines().take(3).collect::<Vec<_>>().join("\n")
        };
        assert!(unit_block("siloed", "disability_service").ends_with("; 8 professionals per intervention"));
        assert!(!unit_block("siloed", "early_help").contains("professionals per intervention"));
        assert!(
            unit_block("fully_integrated", "integrated_team")
                .ends_with("; 8 professionals per intervention in health tiers 2-4 and disability tiers 2-4"),
            "{}",
            unit_block("fully_integrated", "integrated_team")
        );
    }
}
