//! Warnings for structures that are valid but cannot keep up: a unit whose caseload slots are
//! all in use while its queue keeps growing (a runaway), or holds more cases than the unit can
//! without growing (saturated: long waits that settle, named as such), or whose queue both
//! grew and came to outnumber its slots however busy it was on average, and a
//! model whose coordination would take more hours than its staff are contracted for; and for
//! units dated to open after the run ends.
//!
//! Judged after the run, from what each unit actually did (`Diagnostics::units`), rather than
//! from an estimate of offered load before it: how much work reaches a unit depends on
//! routing, several needs per family, bounces, escalation, natural resolution, turnover and
//! the slowdown under overload, and an estimate that left any of these out would warn about
//! healthy units and miss hopeless ones. The cost is that the warning comes after the run.

use crate::experiment::Comparison;
use crate::model::{Scenario, Scope};

/// Share of caseload slots in use above which a unit counts as full.
pub const FULL_UTILISATION: f64 = 0.95;
/// A full unit is warned about when its queue grew over the second half of the measured
/// window by at least this share of its caseload slots, or holds at least as many cases as
/// its slots at the horizon. A unit whose queue did both is warned about however full it
/// was on average: vacant posts count among its slots (with the default county's turnover,
/// about 4% of them are empty at any time) and a unit that filled up during the run averages
/// its early, emptier years in, so a unit in a runaway can average well below
/// [`FULL_UTILISATION`] (the default county's `integrated_hub` statutory social care: 0.89,
/// with 3,365 cases waiting at the horizon, eight times the 421 at mid-window).
pub const GROWTH_SHARE_OF_SLOTS: f64 = 0.1;
/// A queue counts as grown only when it also grew by at least this share of the interventions
/// the unit started over the same time, i.e. at least 1% more work reached the unit than it
/// started. A stable queue's length wanders by several of its slots between any two days
/// (an M/M/1 queue at 80% use, mean 3.2 waiting, has a standard deviation of 4.3), so for a
/// unit of one or a few slots the slot test alone mistook that wandering for growth; a
/// runaway's growth is a steady share of its throughput, and that share is what the warning
/// reports.
pub const MIN_EXCESS_SHARE: f64 = 0.01;

/// One unit of one model that could not keep up with the work reaching it.
#[derive(Debug, Clone, PartialEq)]
pub struct Overload {
    pub model: String,
    pub unit: String,
    /// Mean over replications of the share of caseload slots in use (0-1).
    pub utilisation: f64,
    /// Mean cases waiting at the horizon.
    pub waiting_at_end: f64,
    /// Cases the unit can hold at once (every copy, every practitioner's caseload).
    pub slots: u64,
    /// Mean growth of the queue per year over the second half of the measured window;
    /// `None` when the window is too short to tell.
    pub growth_per_year: Option<f64>,
    /// Interventions the unit started per year in the measured window (mean).
    pub started_per_year: f64,
    /// Whether the queue grew over the second half of the measured window (by at least
    /// [`GROWTH_SHARE_OF_SLOTS`] of the slots and [`MIN_EXCESS_SHARE`] of what the unit
    /// started): a runaway. A full unit whose queue did not grow is saturated: its waits are
    /// long but settle.
    pub grew: bool,
}

impl Overload {
    /// How much more work reaches the unit than it starts, as a share of what it starts
    /// (the queue's growth over its throughput); `None` when it cannot be told.
    pub fn excess_share(&self) -> Option<f64> {
        let growth = self.growth_per_year?;
        (self.started_per_year > 0.0 && growth > 0.0).then(|| growth / self.started_per_year)
    }
}

impl std::fmt::Display for Overload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let human = crate::output::human;
        // A saturated unit (full, its queue longer than its slots but not growing) is named
        // differently from a runaway: its results are a steady service with long waits, and
        // telling a planner they describe a growing backlog would be false. Which one it is
        // follows the growth measured, not `grew`: a queue that grew by a steady share of
        // what the unit starts, but over a window too short to add a tenth of its slots, is
        // still growing.
        let growing = self.excess_share().is_some_and(|excess| excess >= MIN_EXCESS_SHARE);
        let saturated = self.growth_per_year.is_some() && !growing;
        write!(
            f,
            "model `{}`, unit `{}` {}: {:.0}% of its caseload slots were in use and {} cases were waiting at the horizon ({:.1} times the {} cases it can hold at once)",
            self.model,
            self.unit,
            if saturated { "is saturated" } else { "cannot keep up" },
            self.utilisation * 100.0,
            human(self.waiting_at_end),
            self.waiting_at_end / self.slots.max(1) as f64,
            // A whole number, grouped in thousands like the other counts.
            if self.slots >= 1000 { human(self.slots as f64) } else { self.slots.to_string() }
        )?;
        if saturated {
            return write!(
                f,
                "; its queue did not keep growing over the second half of the run (by less than 1% of what the unit started, or not at all), so its waits are long but settle (families who give up waiting, or needs that resolve, keep it in balance): add staff or lower demand to shorten them."
            );
        }
        match (self.growth_per_year, self.excess_share()) {
            (Some(growth), Some(excess)) => write!(
                f,
                "; its queue grew by about {} cases a year over the second half of the run, so roughly {:.0}% more work reaches it than it can start. Its waits grow with the horizon rather than settle, so its results describe a backlog, not a steady service: add staff, narrow its tiers, or lower demand.",
                human(growth),
                excess * 100.0
            ),
            _ => write!(
                f,
                ". The measured window is too short to tell whether its queue is still growing, so its results may describe a backlog rather than a steady service: run longer to find out, or add staff, narrow its tiers, or lower demand."
            ),
        }
    }
}

/// Every unit of every model that was full and whose queue grew or overflowed, or whose
/// queue grew and overflowed however full it was, in model then unit order.
pub fn overloaded_units(scenario: &Scenario, comparison: &Comparison) -> Vec<Overload> {
    let run = &scenario.run;
    let measured_years = ((run.horizon_days - run.warmup_days) / 365.25).max(f64::MIN_POSITIVE);
    let mut found = Vec::new();
    for (model_idx, model) in scenario.models.iter().enumerate() {
        let results = comparison.model_results(model_idx);
        if results.is_empty() {
            continue;
        }
        let n = results.len() as f64;
        for (unit_idx, unit) in model.units.iter().enumerate() {
            let loads = results.iter().filter_map(|r| r.diagnostics.units.get(unit_idx));
            let utilisation = loads.clone().map(|l| l.utilisation).sum::<f64>() / n;
            if utilisation.is_nan() {
                continue;
            }
            let waiting_at_end = loads.clone().map(|l| l.waiting_at_end as f64).sum::<f64>() / n;
            let growths: Vec<f64> = loads
                .clone()
                .filter_map(|l| {
                    let (day, waiting) = l.waiting_midway?;
                    let years = (run.horizon_days - day) / 365.25;
                    (years > 0.0).then(|| (l.waiting_at_end as f64 - waiting as f64) / years)
                })
                .collect();
            let growth_per_year = (!growths.is_empty()).then(|| growths.iter().sum::<f64>() / growths.len() as f64);
            let copies = if unit.scope == Scope::BoroughWide { &[0][..] } else { &unit.localities[..] };
            let slots = copies
                .iter()
                .map(|&l| {
                    unit.staff
                        .iter()
                        .enumerate()
                        .map(|(i, (p, _))| {
                            u64::from(unit.written_staff(i, l)) * u64::from(scenario.workforce.professions[*p].caseload_capacity)
                        })
                        .sum::<u64>()
                })
                .sum::<u64>();
            let started =
                results.iter().filter_map(|r| r.diagnostics.unit_stats.get(unit_idx)).map(|s| s.needs_served as f64).sum::<f64>() / n;
            let started_per_year = started / measured_years;
            let grew = growth_per_year.is_some_and(|g| {
                let years = (run.horizon_days - (run.warmup_days + run.horizon_days) / 2.0) / 365.25;
                g * years >= GROWTH_SHARE_OF_SLOTS * slots as f64 && g >= MIN_EXCESS_SHARE * started_per_year
            });
            let overflowing = waiting_at_end >= slots as f64;
            let full = utilisation >= FULL_UTILISATION;
            // A queue that both grew and outgrew the unit is a runaway whatever the mean use.
            let runaway = grew && overflowing && slots > 0;
            if !(runaway || full && (grew || overflowing)) {
                continue;
            }
            found.push(Overload {
                model: model.name.clone(),
                unit: unit.name.clone(),
                utilisation,
                waiting_at_end,
                slots,
                growth_per_year,
                started_per_year,
                grew,
            });
        }
    }
    found
}

/// Every warning, as sentences: what `joinedup run` prints after its table, the workbench
/// shows above its results, and `summary.json` (or a sweep's `sweep.json`, by point) keeps for
/// the report. Besides the two kinds above, a unit that opens only after the run
/// ends (a restructure or project dated past the horizon): valid, since a shortened run of a
/// longer plan is a fair quick look, but its model then ran as the structure before it.
pub fn warnings(scenario: &Scenario, comparison: &Comparison) -> Vec<String> {
    let horizon = scenario.run.horizon_days;
    // One warning a model: a restructure opens many units on one day.
    let never_open = scenario.models.iter().filter_map(|model| {
        let late: Vec<&crate::model::Unit> = model.units.iter().filter(|unit| unit.starts_on_day >= horizon).collect();
        let first_day = late.iter().map(|unit| unit.starts_on_day).reduce(f64::min)?;
        let names: Vec<String> = late.iter().map(|unit| format!("`{}`", unit.name)).collect();
        Some(format!(
            "model `{}`: {} {} open{} on day {first_day} or later, after the run ends (day {horizon}), so {} never ran and the results are those of the structure before; lengthen run.horizon_days or move the day",
            model.name,
            if late.len() == 1 { "unit" } else { "units" },
            names.join(", "),
            if late.len() == 1 { "s" } else { "" },
            if late.len() == 1 { "it" } else { "they" }
        ))
    });
    let units = never_open.chain(overloaded_units(scenario, comparison).into_iter().map(|overload| overload.to_string()));
    let hours = coordination_beyond_hours(comparison).into_iter().map(|(model, share)| {
        format!(
            "model `{model}`: coordination (assessments, referrals, meetings, lead-professional time) would take {:.0}% of its staff's contracted hours. Hours do not pace work in the simulation, so its staff could not in fact do all this: add staff or cut coordination hours.",
            share * 100.0
        )
    });
    units.chain(hours).collect()
}

/// Models whose coordination (assessments, referrals, meetings, lead-professional time) would
/// take more than their staff's contracted hours, with the mean share. Hours do not pace
/// work in the engine (docs/scenarios.md, "How working time is counted"), so the metric
/// `coordination_time_share` can exceed 1, and such a structure's staff could not in fact do
/// all it asks of them.
pub fn coordination_beyond_hours(comparison: &Comparison) -> Vec<(String, f64)> {
    (0..comparison.model_names.len())
        .filter_map(|m| {
            let share = comparison.estimate(m, crate::metrics::Metric::CoordinationTimeShare)?.mean;
            (share > 1.0).then(|| (comparison.model_names[m].clone(), share))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(growth_per_year: Option<f64>, grew: bool) -> Overload {
        Overload {
            model: "siloed".into(),
            unit: "hub".into(),
            utilisation: 0.98,
            waiting_at_end: 8_880.0,
            slots: 7_376,
            growth_per_year,
            started_per_year: 12_000.0,
            grew,
        }
    }

    /// The words follow the growth measured: a queue growing by 5% of what the unit starts is
    /// a backlog even when a short window kept the growth under a tenth of the slots (`grew`
    /// false, named for being full and overflowing); one growing by 0.5% is saturated; one
    /// whose growth could not be measured is neither.
    #[test]
    fn the_warning_says_backlog_saturated_or_too_short_as_the_growth_measured() {
        let growing = unit(Some(600.0), false).to_string();
        assert!(
            growing.contains("cannot keep up") && growing.contains("roughly 5% more work") && growing.contains("a backlog"),
            "{growing}"
        );
        let saturated = unit(Some(60.0), false).to_string();
        assert!(
            saturated.contains("is saturated") && saturated.contains("did not keep growing") && !saturated.contains("a backlog"),
            "{saturated}"
        );
        let shrinking = unit(Some(-60.0), false).to_string();
        assert!(shrinking.contains("is saturated"), "{shrinking}");
        let unknown = unit(None, false).to_string();
        assert!(unknown.contains("cannot keep up") && unknown.contains("too short to tell"), "{unknown}");
    }
}
