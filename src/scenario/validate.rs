//! Stage two of reading a scenario: check every field and build engine types.
//!
//! Validation reports every problem in one pass, each with the dotted path `--set` would use
//! and what would fix it, so a planner fixes the file once rather than once per error.

use super::raw::*;
use crate::error::{Problem, nearest};
use crate::model::*;

/// Largest number of families a scenario may describe (about twice England's).
pub const MAX_FAMILIES: u64 = 50_000_000;
/// Largest number of localities.
pub const MAX_LOCALITIES: usize = 512;
/// Largest number of units in one model.
pub const MAX_UNITS: usize = 256;
/// Largest number of practitioners in one unit instance.
pub const MAX_PRACTITIONERS_PER_UNIT: u32 = 100_000;
/// Most agencies: trust is kept per practitioner and agency.
pub const MAX_AGENCIES: usize = 32;
/// Longest horizon: a century of simulated days.
pub const MAX_HORIZON_DAYS: f64 = 36_525.0;
/// Most replications in one run.
pub const MAX_REPLICATIONS: u32 = 100_000;
/// Most open episodes a replication may be allowed to hold (`run.max_open_episodes`): each
/// takes about a kilobyte with its needs and events, so this is about 10 GB per worker
/// thread, and a county that needs more has a structure that cannot keep up.
pub const MAX_OPEN_EPISODES: u32 = 10_000_000;
/// Most practitioners in one model (every copy of every unit together); each carries its
/// caseload and a trust level per agency. Far more than any English county employs.
pub const MAX_PRACTITIONERS_PER_MODEL: u64 = 1_000_000;
/// Most memory the results of one run may hold at once (every replication keeps wait
/// histograms for the model and two for every unit until the run ends): 8 GiB.
pub const MAX_RESULTS_BYTES: u64 = 8 << 30;
/// Highest employment cost per practitioner per year, in pounds.
pub const MAX_COST_PER_YEAR_GBP: f64 = 10_000_000.0;
/// Highest rate of anything happening per family per year: once a day.
pub const MAX_PER_FAMILY_YEAR: f64 = 365.25;

/// Collects problems; every check adds to the list rather than stopping, so one pass finds
/// them all.
pub(super) struct Checker {
    pub(super) problems: Vec<Problem>,
}

impl Checker {
    pub(super) fn new() -> Self {
        Checker { problems: Vec::new() }
    }
    pub(super) fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { path: path.into(), message: message.into() });
    }
    pub(super) fn positive(&mut self, path: &str, value: f64, unit: &str) {
        // A value so small its reciprocal (a rate) is infinite is zero in all but name.
        if !value.is_finite() {
            self.fail(path, format!("must be a finite positive number{}, found {value}", of_unit(unit)));
        } else if !(value > 0.0 && (1.0 / value).is_finite()) {
            self.fail(path, format!("must be a positive number{}, found {value}", of_unit(unit)));
        }
    }
    pub(super) fn non_negative(&mut self, path: &str, value: f64, unit: &str) {
        if !(value.is_finite() && value >= 0.0) {
            let finite = if value.is_finite() { "" } else { "finite " };
            self.fail(path, format!("must be zero or a {finite}positive number{}, found {value}", of_unit(unit)));
        }
    }
    pub(super) fn probability(&mut self, path: &str, value: f64) {
        if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
            self.fail(path, format!("is a probability, so it must be between 0 and 1, found {value}"));
        }
    }
    /// Turns shares into a cumulative distribution, reporting shares that do not sum to 1.
    /// `path` names the whole list, `entry` the place of the i-th share.
    fn cumulative(&mut self, path: &str, entry: impl Fn(usize) -> String, shares: &[f64]) -> Vec<f64> {
        for (i, share) in shares.iter().enumerate() {
            if !(share.is_finite() && *share >= 0.0) {
                self.fail(entry(i), format!("must be a share between 0 and 1, found {share}"));
            }
        }
        let (out, total) = cumulative_table(shares);
        if !adds_up(shares, total) {
            self.fail(path, format!("shares must add up to 1, they add up to {total}"));
        }
        out
    }
    /// Checks a per-tier list has exactly `n` entries and returns it padded to that length.
    fn per_tier<T: Clone + Default>(&mut self, path: &str, values: &[T], n: usize, what: &str) -> Vec<T> {
        if values.len() != n {
            self.fail(path, format!("must list {n} values, {what}; found {}", values.len()));
        }
        let mut out: Vec<T> = values.iter().take(n).cloned().collect();
        out.resize(n, T::default());
        out
    }
    fn unique_names<'a>(&mut self, path: &str, names: impl Iterator<Item = &'a str>) {
        let mut seen = std::collections::BTreeSet::new();
        for name in names {
            if name.is_empty() {
                self.fail(path, "every entry needs a non-empty name");
            } else if !seen.insert(name) {
                self.fail(path, format!("the name `{name}` is used twice; names must be unique"));
            }
        }
    }
}

/// Running totals of shares (a negative or NaN share counts as 0), ending at exactly 1 when
/// they add up to 1, so a uniform draw below 1 always finds an entry; and their sum.
fn cumulative_table(shares: &[f64]) -> (Vec<f64>, f64) {
    let mut total = 0.0;
    let mut out = Vec::with_capacity(shares.len());
    for share in shares {
        total += share.max(0.0);
        out.push(total);
    }
    if adds_up(shares, total) {
        *out.last_mut().expect("non-empty") = 1.0;
    }
    (out, total)
}

fn adds_up(shares: &[f64], total: f64) -> bool {
    let off_by = (total - 1.0).abs();
    !(shares.is_empty() || off_by.is_nan() || off_by > 1e-6)
}

/// How many times its written staffing each locality's copy of a `Locality` unit gets (its
/// share of families times the number of localities), from the raw localities, with exactly
/// the arithmetic of `Population::locality_scale`, so presets and the workbench count the
/// practitioners the engine will.
pub fn locality_scales(localities: &[RawLocality]) -> Vec<f64> {
    let shares: Vec<f64> = localities.iter().map(|l| l.share).collect();
    let (table, _) = cumulative_table(&shares);
    let n = localities.len() as f64;
    (0..table.len()).map(|l| (table[l] - if l == 0 { 0.0 } else { table[l - 1] }) * n).collect()
}

/// " of days", or " (a ratio)" for a unit written as a parenthesis.
fn of_unit(unit: &str) -> String {
    if unit.starts_with('(') { format!(" {unit}") } else { format!(" of {unit}") }
}

fn lookup(names: &[String], wanted: &str) -> Result<usize, String> {
    if names.is_empty() {
        return Err(format!("`{wanted}` is not defined, and nothing of this kind is defined yet; define it first"));
    }
    names.iter().position(|n| n == wanted).ok_or_else(|| match nearest(wanted, names.iter().map(String::as_str)) {
        Some(close) => format!("`{wanted}` is not defined; did you mean `{close}`?"),
        None => format!("`{wanted}` is not defined; defined names are: {}", names.join(", ")),
    })
}

/// What a scenario's or a sweep plan's `name` must be, said when it is not.
pub(crate) const FOLDER_NAME_RULE: &str =
    "must be a non-empty name without slashes or surrounding spaces, and not `.` or `..` (it names the results folder)";

/// Whether `name` can name a results folder of its own: a name with a slash, or `.` or `..`,
/// would put the results somewhere else (`..` straight into the folder above).
pub(crate) fn is_folder_name(name: &str) -> bool {
    !(name.trim().is_empty() || name.contains(['/', '\\']) || name.trim() != name || name == "." || name == "..")
}

pub(super) fn validate(raw: &RawScenario) -> Result<Scenario, Vec<Problem>> {
    let mut check = Checker::new();
    if !is_folder_name(&raw.name) {
        check.fail("name", FOLDER_NAME_RULE);
    }
    let population = population(&mut check, &raw.population);
    // Beyond MAX_DOMAINS (already reported) a domain has no bit in the masks, so references
    // to it are looked up among the first MAX_DOMAINS only.
    let domain_names: Vec<String> = population.domains.iter().take(MAX_DOMAINS).map(|d| d.name.clone()).collect();
    let workforce = workforce(&mut check, &raw.workforce, &domain_names);
    services(&mut check, &raw.workforce, &domain_names, &population.locality_names);
    if raw.models.is_empty() {
        check.fail("models", "lists no models; add at least one structure to simulate (see docs/scenarios.md)");
    }
    check.unique_names("models", raw.models.iter().map(|m| m.name.as_str()));
    let models: Vec<Model> =
        raw.models.iter().map(|m| model(&mut check, m, &domain_names, &workforce, &population, raw.run.horizon_days)).collect();
    let run = run(&mut check, &raw.run);
    let results_bytes = results_memory_bytes_of(&models, &run, run.replications);
    if results_bytes > MAX_RESULTS_BYTES {
        let per_replication = (results_bytes / u64::from(run.replications.max(1))).max(1);
        check.fail(
            "run.replications",
            format!(
                "{} replications of {} models would hold about {} of results in memory at once (wait histograms for every unit), above the limit of {}; use at most {} replications, fewer models, or a sweep (docs/sweeps.md), which holds one point at a time",
                run.replications,
                models.len(),
                gigabytes(results_bytes),
                gigabytes(MAX_RESULTS_BYTES),
                MAX_RESULTS_BYTES / per_replication
            ),
        );
    }
    let (calibration, calibration_unavailable) = match raw.calibration.as_ref() {
        Some(c) => calibration(&mut check, c, &models, &workforce, &population),
        None => (None, None),
    };
    if check.problems.is_empty() {
        Ok(Scenario {
            name: raw.name.clone(),
            description: raw.description.clone(),
            population,
            workforce,
            models,
            run,
            calibration,
            calibration_unavailable,
        })
    } else {
        Err(check.problems)
    }
}

fn calibration(
    check: &mut Checker,
    raw: &RawCalibration,
    models: &[Model],
    workforce: &Workforce,
    population: &Population,
) -> (Option<CalibrationParts>, Option<String>) {
    let Some(first) = models.first() else { return (None, None) };
    let units: Vec<String> = first.units.iter().map(|u| u.name.clone()).collect();
    let professions: Vec<String> = workforce.professions.iter().map(|p| p.name.clone()).collect();
    let domains: Vec<String> = population.domains.iter().map(|d| d.name.clone()).collect();
    // Professions and domains are the scenario's own: a name missing there is a mistake.
    let mut find =
        |field: &str, names: &[String], wanted: &str| lookup(names, wanted).map_err(|m| check.fail(format!("calibration.{field}"), m)).ok();
    let social_worker_profession = find("social_worker_profession", &professions, &raw.social_worker_profession);
    let child_protection_domain = find("child_protection_domain", &domains, &raw.child_protection_domain);
    let looked_after_domain = find("looked_after_domain", &domains, &raw.looked_after_domain);
    let disability_domain = find("disability_domain", &domains, &raw.disability_domain);
    // The units are the first model's, and a run of some models only (`--set models=[...]`,
    // the workbench's ticks) may put a joined-up model first: that run needs no calibration,
    // so the section is set aside with the reason, which `joinedup calibrate` reports.
    let mut missing = Vec::new();
    let mut unit = |field: &str, wanted: &str| match lookup(&units, wanted) {
        Ok(idx) => Some(idx),
        Err(m) => {
            missing.push(format!("calibration.{field}: {m}"));
            None
        }
    };
    let social_care_unit = unit("social_care_unit", &raw.social_care_unit);
    let early_help_unit = unit("early_help_unit", &raw.early_help_unit);
    let camhs_unit = unit("camhs_unit", &raw.camhs_unit);
    let (Some(social_care_unit), Some(early_help_unit), Some(camhs_unit)) = (social_care_unit, early_help_unit, camhs_unit) else {
        let reason = format!(
            "the calibration section names units of the first model, `{}`, which it lacks ({}); put the status quo first in `models`, or name units of this model",
            first.name,
            missing.join("; ")
        );
        return (None, Some(reason));
    };
    // A missing profession or domain is already a problem reported above.
    let (Some(social_worker_profession), Some(child_protection_domain), Some(looked_after_domain), Some(disability_domain)) =
        (social_worker_profession, child_protection_domain, looked_after_domain, disability_domain)
    else {
        return (None, None);
    };
    let parts = CalibrationParts {
        social_care_unit,
        early_help_unit,
        camhs_unit,
        social_worker_profession,
        child_protection_domain,
        looked_after_domain,
        disability_domain,
    };
    (Some(parts), None)
}

fn population(check: &mut Checker, raw: &RawPopulation) -> Population {
    let p = "population";
    if raw.n_families == 0 || raw.n_families > MAX_FAMILIES {
        check.fail(format!("{p}.n_families"), format!("must be between 1 and {MAX_FAMILIES}, found {}", raw.n_families));
    }
    if raw.n_children == 0 || raw.n_children > 4 * MAX_FAMILIES {
        check.fail(format!("{p}.n_children"), format!("must be between 1 and {}, found {}", 4 * MAX_FAMILIES, raw.n_children));
    } else if raw.n_children < raw.n_families {
        // Every family in the model has a child (rates per 10,000 children divide by this).
        check.fail(
            format!("{p}.n_children"),
            format!(
                "is below n_families ({}): every family has at least one child; give the number of children, found {}",
                raw.n_families, raw.n_children
            ),
        );
    }
    if raw.localities.is_empty() || raw.localities.len() > MAX_LOCALITIES {
        check.fail(format!("{p}.localities"), format!("must list between 1 and {MAX_LOCALITIES} localities"));
    }
    check.unique_names(&format!("{p}.localities"), raw.localities.iter().map(|l| l.name.as_str()));
    let shares: Vec<f64> = raw.localities.iter().map(|l| l.share).collect();
    let locality_cumulative_share =
        check.cumulative(&format!("{p}.localities"), |i| format!("{p}.localities.{}.share", raw.localities[i].name), &shares);
    check.positive(&format!("{p}.presentations_per_family_year"), raw.presentations_per_family_year, "presentations per family per year");
    if raw.presentations_per_family_year > MAX_PER_FAMILY_YEAR {
        check.fail(
            format!("{p}.presentations_per_family_year"),
            format!(
                "must be at most {MAX_PER_FAMILY_YEAR} (one a day per family), found {}; English counties see about 0.05 to 0.3",
                raw.presentations_per_family_year
            ),
        );
    }

    if raw.domains.is_empty() || raw.domains.len() > MAX_DOMAINS {
        check.fail(format!("{p}.domains"), format!("must list between 1 and {MAX_DOMAINS} domains of need"));
    }
    check.unique_names(&format!("{p}.domains"), raw.domains.iter().map(|d| d.name.as_str()));
    for d in &raw.domains {
        if d.age_min_years > d.age_max_years || d.age_max_years > 17 {
            // Blamed on the bound that breaks the rule: the upper one when past 17.
            let bound = if d.age_max_years > 17 { "age_max_years" } else { "age_min_years" };
            check.fail(
                format!("{p}.domains.{}.{bound}", d.name),
                format!("ages must satisfy age_min_years <= age_max_years <= 17, found {}-{}", d.age_min_years, d.age_max_years),
            );
        }
    }
    let domain_shares: Vec<f64> = raw.domains.iter().map(|d| d.share).collect();
    let domain_cumulative_share =
        check.cumulative(&format!("{p}.domains"), |i| format!("{p}.domains.{}.share", raw.domains[i].name), &domain_shares);
    let tier_mix = check.per_tier(&format!("{p}.tier_mix"), &raw.tier_mix, 4, "one share per tier 1-4");
    let tier_cumulative = to4(check.cumulative(&format!("{p}.tier_mix"), |i| format!("{p}.tier_mix.{i}"), &tier_mix));
    let needs_per_episode =
        check.per_tier(&format!("{p}.needs_per_episode"), &raw.needs_per_episode, 4, "the probability of 1, 2, 3 and 4 needs");
    let needs_cumulative =
        to4(check.cumulative(&format!("{p}.needs_per_episode"), |i| format!("{p}.needs_per_episode.{i}"), &needs_per_episode));
    if raw.domains.len() < needs_per_episode.iter().rposition(|p| *p > 0.0).map_or(1, |i| i + 1) {
        check.fail(
            format!("{p}.needs_per_episode"),
            "asks for more needs per episode than there are domains; add domains or move probability to fewer needs",
        );
    }
    check.probability(&format!("{p}.extra_need_same_tier_probability"), raw.extra_need_same_tier_probability);
    check.probability(&format!("{p}.overstated_tier_probability"), raw.overstated_tier_probability);
    check.probability(&format!("{p}.misdirected_probability"), raw.misdirected_probability);
    let mut escalation_rate_per_day = [0.0; 3];
    let escalation = check.per_tier(&format!("{p}.escalation_days_mean"), &raw.escalation_days_mean, 3, "for tiers 1, 2 and 3");
    for (i, days) in escalation.iter().enumerate() {
        if let Some(days) = days {
            check.positive(&format!("{p}.escalation_days_mean.{i}"), *days, "days (or None for never)");
            escalation_rate_per_day[i] = 1.0 / days;
        }
    }
    let mut natural_resolution_rate_per_day = [0.0; N_TIERS];
    let natural = check.per_tier(&format!("{p}.natural_resolution_days_mean"), &raw.natural_resolution_days_mean, 4, "one per tier 1-4");
    for (i, days) in natural.iter().enumerate() {
        if let Some(days) = days {
            check.positive(&format!("{p}.natural_resolution_days_mean.{i}"), *days, "days (or None for never)");
            natural_resolution_rate_per_day[i] = 1.0 / days;
        }
    }
    let s = &raw.service;
    let service_days = check.per_tier(&format!("{p}.service.days_mean_by_tier"), &s.days_mean_by_tier, 4, "one per tier 1-4");
    for (i, days) in service_days.iter().enumerate() {
        check.positive(&format!("{p}.service.days_mean_by_tier.{i}"), *days, "days");
    }
    let shape = match s.distribution {
        RawDistribution::Exponential => DurationShape::Exponential,
        RawDistribution::Fixed => DurationShape::Fixed,
        RawDistribution::LogNormal => {
            check.positive(&format!("{p}.service.cv"), s.cv, "(a ratio)");
            DurationShape::LogNormal { sigma: crate::math::ln(1.0 + s.cv * s.cv).sqrt() }
        }
    };
    let recurrence =
        check.per_tier(&format!("{p}.recurrence.probability_by_tier"), &raw.recurrence.probability_by_tier, 4, "one per tier 1-4");
    for (i, prob) in recurrence.iter().enumerate() {
        check.probability(&format!("{p}.recurrence.probability_by_tier.{i}"), *prob);
    }
    check.positive(&format!("{p}.recurrence.delay_days_mean"), raw.recurrence.delay_days_mean, "days");

    Population {
        n_families: raw.n_families,
        n_children: raw.n_children,
        locality_names: raw.localities.iter().map(|l| l.name.clone()).collect(),
        locality_cumulative_share,
        presentations_per_day: raw.n_families as f64 * raw.presentations_per_family_year / 365.25,
        domains: raw
            .domains
            .iter()
            .map(|d| {
                let dpath = format!("{p}.domains.{}", d.name);
                let tier_cumulative = d.tier_mix.as_ref().map(|mix| {
                    let mix = check.per_tier(&format!("{dpath}.tier_mix"), mix, 4, "one share per tier 1-4");
                    to4(check.cumulative(&format!("{dpath}.tier_mix"), |i| format!("{dpath}.tier_mix.{i}"), &mix))
                });
                let service_days_mean_by_tier = d.service_days_mean_by_tier.as_ref().map(|days| {
                    let days = check.per_tier(&format!("{dpath}.service_days_mean_by_tier"), days, 4, "one per tier 1-4");
                    for (i, value) in days.iter().enumerate() {
                        check.positive(&format!("{dpath}.service_days_mean_by_tier.{i}"), *value, "days");
                    }
                    to4(days)
                });
                Domain {
                    name: d.name.clone(),
                    age_min_years: d.age_min_years,
                    age_max_years: d.age_max_years.min(17),
                    tier_cumulative,
                    service_days_mean_by_tier,
                }
            })
            .collect(),
        domain_cumulative_share,
        tier_cumulative,
        needs_cumulative,
        extra_need_same_tier_probability: raw.extra_need_same_tier_probability,
        overstated_tier_probability: raw.overstated_tier_probability,
        misdirected_probability: raw.misdirected_probability,
        escalation_rate_per_day,
        natural_resolution_rate_per_day,
        service: ServiceDuration { shape, days_mean_by_tier: to4(service_days) },
        hidden_need: {
            let h = &raw.hidden_need;
            check.probability(&format!("{p}.hidden_need.initial_share_of_families"), h.initial_share_of_families);
            check.non_negative(&format!("{p}.hidden_need.new_per_family_year"), h.new_per_family_year, "per family per year");
            for (field, value) in [
                ("new_per_family_year", h.new_per_family_year),
                ("presentations_per_year_at_full_access", h.presentations_per_year_at_full_access),
            ] {
                if value > MAX_PER_FAMILY_YEAR {
                    check.fail(
                        format!("{p}.hidden_need.{field}"),
                        format!("must be at most {MAX_PER_FAMILY_YEAR} (once a day per family), found {value}"),
                    );
                }
            }
            check.non_negative(
                &format!("{p}.hidden_need.presentations_per_year_at_full_access"),
                h.presentations_per_year_at_full_access,
                "per year",
            );
            HiddenNeed {
                initial_families: (raw.n_families as f64 * h.initial_share_of_families).round() as u64,
                new_per_day: raw.n_families as f64 * h.new_per_family_year / 365.25,
                presentations_per_day_at_full_access: h.presentations_per_year_at_full_access / 365.25,
            }
        },
        recurrence_probability_by_tier: to4(recurrence),
        recurrence_delay_days_mean: raw.recurrence.delay_days_mean,
    }
}

fn to4(v: Vec<f64>) -> [f64; 4] {
    let mut out = [1.0; 4];
    for (slot, value) in out.iter_mut().zip(v) {
        *slot = value;
    }
    out
}

fn workforce(check: &mut Checker, raw: &RawWorkforce, domain_names: &[String]) -> Workforce {
    let w = "workforce";
    if raw.agencies.is_empty() {
        check.fail(format!("{w}.agencies"), "lists no agencies; add at least one employer, e.g. local_authority");
    }
    check.unique_names(&format!("{w}.agencies"), raw.agencies.iter().map(String::as_str));
    check.unique_names(&format!("{w}.professions"), raw.professions.iter().map(|p| p.name.as_str()));
    let professions = raw
        .professions
        .iter()
        .map(|prof| {
            let path = format!("{w}.professions.{}", prof.name);
            let agency_idx = lookup(&raw.agencies, &prof.agency).unwrap_or_else(|m| {
                check.fail(format!("{path}.agency"), m);
                0
            });
            let mut competence_tiers_by_domain = [0u8; MAX_DOMAINS];
            if prof.competences.is_empty() {
                check.fail(format!("{path}.competences"), "lists no competences; say which domains and tiers this profession works with");
            }
            for (i, c) in prof.competences.iter().enumerate() {
                let cpath = format!("{path}.competences.{i}");
                if !(1..=4).contains(&c.tier_min) || !(1..=4).contains(&c.tier_max) || c.tier_min > c.tier_max {
                    check.fail(&cpath, format!("tiers must satisfy 1 <= tier_min <= tier_max <= 4, found {}-{}", c.tier_min, c.tier_max));
                    continue;
                }
                match lookup(domain_names, &c.domain) {
                    Ok(d) => {
                        for tier in c.tier_min..=c.tier_max {
                            competence_tiers_by_domain[d] |= tier_bit(tier);
                        }
                    }
                    Err(m) => check.fail(format!("{cpath}.domain"), m),
                }
            }
            if prof.caseload_capacity == 0 || prof.caseload_capacity > 10_000 {
                check.fail(
                    format!("{path}.caseload_capacity"),
                    format!("must be between 1 and 10000 cases, found {}", prof.caseload_capacity),
                );
            }
            check.positive(&format!("{path}.hours_per_week"), prof.hours_per_week, "hours");
            if prof.hours_per_week > 168.0 {
                check.fail(format!("{path}.hours_per_week"), "is more hours than a week has");
            }
            check.non_negative(&format!("{path}.cost_per_year_gbp"), prof.cost_per_year_gbp, "pounds");
            if prof.cost_per_year_gbp > MAX_COST_PER_YEAR_GBP {
                check.fail(
                    format!("{path}.cost_per_year_gbp"),
                    format!("must be at most {MAX_COST_PER_YEAR_GBP} pounds per practitioner per year, found {}", prof.cost_per_year_gbp),
                );
            }
            Profession {
                name: prof.name.clone(),
                agency_idx,
                competence_tiers_by_domain,
                caseload_capacity: prof.caseload_capacity.max(1),
                hours_per_week: prof.hours_per_week,
                cost_per_year_gbp: prof.cost_per_year_gbp,
            }
        })
        .collect();
    check.probability(&format!("{w}.turnover_per_year"), raw.turnover_per_year);
    check.non_negative(&format!("{w}.vacancy_days_mean"), raw.vacancy_days_mean, "days");
    check.probability(&format!("{w}.overload_threshold"), raw.overload_threshold);
    if raw.overload_threshold >= 1.0 && raw.overload_slowdown > 0.0 {
        check.fail(format!("{w}.overload_threshold"), "must be below 1 for the slowdown to take effect");
    }
    check.non_negative(&format!("{w}.overload_slowdown"), raw.overload_slowdown, "(a multiplier)");
    if raw.agencies.len() > MAX_AGENCIES {
        check.fail(format!("{w}.agencies"), format!("at most {MAX_AGENCIES} agencies are supported (relationships are kept per agency)"));
    }
    Workforce {
        agencies: raw.agencies.clone(),
        professions,
        turnover_per_day: raw.turnover_per_year / 365.25,
        vacancy_days_mean: raw.vacancy_days_mean,
        overload_threshold: raw.overload_threshold,
        overload_slowdown: raw.overload_slowdown,
    }
}

fn handoff(check: &mut Checker, path: &str, raw: &RawHandoff) -> Handoff {
    check.positive(&format!("{path}.delay_days_mean"), raw.delay_days_mean, "days");
    check.probability(&format!("{path}.bounce_probability"), raw.bounce_probability);
    check.probability(&format!("{path}.lost_probability"), raw.lost_probability);
    if raw.bounce_probability + raw.lost_probability > 1.0 {
        check.fail(path, "bounce_probability + lost_probability must not exceed 1");
    }
    Handoff {
        delay_days_mean: raw.delay_days_mean,
        bounce_probability: raw.bounce_probability,
        lost_probability: raw.lost_probability,
        max_bounces: raw.max_bounces,
    }
}

fn model(
    check: &mut Checker,
    raw: &RawModel,
    domain_names: &[String],
    workforce: &Workforce,
    population: &Population,
    horizon_days: f64,
) -> Model {
    let path = format!("models.{}", raw.name);
    if raw.units.is_empty() || raw.units.len() > MAX_UNITS {
        check.fail(format!("{path}.units"), format!("must list between 1 and {MAX_UNITS} units"));
    }
    check.unique_names(&format!("{path}.units"), raw.units.iter().map(|u| u.name.as_str()));
    let unit_names: Vec<String> = raw.units.iter().map(|u| u.name.clone()).collect();
    let profession_names: Vec<String> = workforce.professions.iter().map(|p| p.name.clone()).collect();
    let front_door = match &raw.front_door {
        RawFrontDoor::ByNeed => FrontDoor::ByNeed,
        RawFrontDoor::Single(name) => {
            FrontDoor::Single(lookup(&unit_names, name).map_err(|m| check.fail(format!("{path}.front_door"), m)).into_iter().collect())
        }
        RawFrontDoor::FirstOf(names) => FrontDoor::Single(
            names.iter().filter_map(|n| lookup(&unit_names, n).map_err(|m| check.fail(format!("{path}.front_door"), m)).ok()).collect(),
        ),
    };
    let access_ease = match raw.access_ease {
        Some(ease) => {
            check.probability(&format!("{path}.access_ease"), ease);
            ease
        }
        None if matches!(front_door, FrontDoor::Single(_)) => 0.8,
        None => 0.3,
    };
    let collaboration = collaboration(check, &format!("{path}.collaboration"), &raw.collaboration);
    let access_ease = (access_ease
        + 0.1 * f64::from(u8::from(raw_conditions(&raw.collaboration).user_involvement))
        + 0.1 * f64::from(u8::from(raw_conditions(&raw.collaboration).support_for_schools)))
    .min(1.0);
    let units: Vec<Unit> = raw
        .units
        .iter()
        .map(|u| unit(check, &format!("{path}.units.{}", u.name), u, domain_names, workforce, &profession_names, population))
        .collect();
    somewhere_to_go(check, &path, &units, population, domain_names, horizon_days);
    let n_practitioners: u64 = units
        .iter()
        .map(|u| {
            let copies = if u.scope == Scope::BoroughWide { &[0][..] } else { &u.localities[..] };
            copies.iter().map(|&l| (0..u.staff.len()).map(|i| u64::from(u.written_staff(i, l))).sum::<u64>()).sum::<u64>()
        })
        .sum();
    if n_practitioners > MAX_PRACTITIONERS_PER_MODEL {
        check.fail(
            format!("{path}.units"),
            format!("has {n_practitioners} practitioners in all (every locality copy of every unit), more than the limit of {MAX_PRACTITIONERS_PER_MODEL}; a Locality unit's staff are per locality, so check the numbers are not county totals"),
        );
    }
    let information = information_sharing(check, &format!("{path}.information"), &raw.information);
    let information_after = raw.information_after_restructure.as_ref().map(|(day, after)| {
        check.non_negative(&format!("{path}.information_after_restructure.0"), *day, "days");
        (*day, information_sharing(check, &format!("{path}.information_after_restructure.1"), after))
    });
    let c = &raw.coordination;
    check.non_negative(&format!("{path}.coordination.assessment_hours"), c.assessment_hours, "hours");
    check.non_negative(&format!("{path}.coordination.referral_hours"), c.referral_hours, "hours");
    check.non_negative(&format!("{path}.coordination.lead_professional_hours_per_week"), c.lead_professional_hours_per_week, "hours");
    Model {
        name: raw.name.clone(),
        description: raw.description.clone(),
        front_door,
        units,
        handoff: handoff(check, &format!("{path}.handoff"), &raw.handoff),
        coordinated_handoff: handoff(check, &format!("{path}.coordinated_handoff"), &raw.coordinated_handoff),
        information,
        information_after,
        coordination: Coordination {
            assessment_hours: c.assessment_hours,
            referral_hours: c.referral_hours,
            lead_professional_hours_per_week: c.lead_professional_hours_per_week,
        },
        collaboration,
        access_ease,
    }
}

fn information_sharing(check: &mut Checker, path: &str, raw: &RawInformation) -> Information {
    match raw {
        RawInformation::SharedRecord => Information::SharedRecord,
        RawInformation::OwnSystems { consent_delay_days_mean } => {
            check.non_negative(&format!("{path}.consent_delay_days_mean"), *consent_delay_days_mean, "days");
            Information::OwnSystems { consent_delay_days_mean: *consent_delay_days_mean }
        }
    }
}

/// The order conditions are counted in when `n_conditions` is given: the Oxfordshire
/// evaluation's ten, then LARC's six.
pub const CONDITION_NAMES: [&str; 16] = [
    "clearly_bounded_localities",
    "links_to_centre",
    "local_ownership",
    "strong_project_management",
    "systems_minding",
    "inclusive_communication_access",
    "inclusive_communication_up_and_down",
    "appreciative_systems",
    "user_involvement",
    "support_for_schools",
    "shared_vision",
    "positive_leadership",
    "history_of_joint_working",
    "fewer_funding_worries",
    "consultation",
    "adequate_resourcing",
];

fn condition_flags(c: &RawConditions) -> [bool; 16] {
    [
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
        c.shared_vision,
        c.positive_leadership,
        c.history_of_joint_working,
        c.fewer_funding_worries,
        c.consultation,
        c.adequate_resourcing,
    ]
}

/// The conditions in force: the listed ones, or the first `n_conditions` when that is set.
fn raw_conditions(raw: &RawCollaboration) -> RawConditions {
    let Some(n) = raw.n_conditions else { return raw.conditions.clone() };
    let on = |i: usize| i < n as usize;
    RawConditions {
        clearly_bounded_localities: on(0),
        links_to_centre: on(1),
        local_ownership: on(2),
        strong_project_management: on(3),
        systems_minding: on(4),
        inclusive_communication_access: on(5),
        inclusive_communication_up_and_down: on(6),
        appreciative_systems: on(7),
        user_involvement: on(8),
        support_for_schools: on(9),
        shared_vision: on(10),
        positive_leadership: on(11),
        history_of_joint_working: on(12),
        fewer_funding_worries: on(13),
        consultation: on(14),
        adequate_resourcing: on(15),
    }
}

/// Applies the conditions for advantage to the relationship mechanics. Each condition moves
/// one mechanism; docs/collaboration.md gives the reasoning and the paper's words for each.
fn collaboration(check: &mut Checker, path: &str, raw: &RawCollaboration) -> Collaboration {
    if let Some(n) = raw.n_conditions
        && n > 16
    {
        check.fail(format!("{path}.n_conditions"), format!("there are 16 conditions, found {n}"));
    }
    check.probability(&format!("{path}.initial_trust"), raw.initial_trust);
    for (field, value) in [
        ("gain_per_shared_case", raw.gain_per_shared_case),
        ("gain_per_week_co_located", raw.gain_per_week_co_located),
        ("gain_per_joint_training", raw.gain_per_joint_training),
        ("gain_per_shared_meeting", raw.gain_per_shared_meeting),
    ] {
        check.probability(&format!("{path}.{field}"), value);
    }
    check.positive(&format!("{path}.joint_training_interval_days"), raw.joint_training_interval_days, "days");
    check.positive(&format!("{path}.half_life_days"), raw.half_life_days, "days");
    check.positive(&format!("{path}.overload_erosion_factor"), raw.overload_erosion_factor, "(a multiplier)");
    check.non_negative(&format!("{path}.friction_days_mean"), raw.friction_days_mean, "days");
    let c = raw_conditions(raw);
    let flags = condition_flags(&c);
    let factor = |present: bool, when_present: f64| if present { when_present } else { 1.0 };
    Collaboration {
        conditions_present: CONDITION_NAMES.iter().zip(flags).filter(|(_, on)| *on).map(|(n, _)| *n).collect(),
        initial_trust: (raw.initial_trust + if c.history_of_joint_working { 0.2 } else { 0.0 }).min(1.0),
        centre_trust_bonus: if c.links_to_centre { 0.2 } else { 0.0 },
        gain_per_shared_case: (raw.gain_per_shared_case * factor(c.inclusive_communication_access, 1.5) * factor(c.shared_vision, 1.3))
            .min(1.0),
        gain_per_week_co_located: (raw.gain_per_week_co_located * factor(c.clearly_bounded_localities, 1.5)).min(1.0),
        gain_per_joint_training: raw.gain_per_joint_training,
        joint_training_interval_days: raw.joint_training_interval_days * factor(c.local_ownership, 0.5),
        gain_per_shared_meeting: (raw.gain_per_shared_meeting * factor(c.inclusive_communication_up_and_down, 2.0)).min(1.0),
        half_life_days: raw.half_life_days * factor(c.systems_minding, 2.0),
        overload_erosion_factor: if c.appreciative_systems { 1.0 } else { raw.overload_erosion_factor },
        friction_days_mean: raw.friction_days_mean,
        bounce_factor: factor(c.user_involvement, 0.7),
        overstatement_factor: factor(c.support_for_schools, 0.7),
        disruption_days_factor: factor(c.strong_project_management, 0.5),
        capacity_loss_factor: factor(c.consultation, 0.5),
        turnover_factor: factor(c.positive_leadership, 0.7),
        vacancy_factor: factor(c.fewer_funding_worries, 0.5),
        coordination_hours_factor: factor(c.adequate_resourcing, 0.7),
    }
}

/// Every need that can present must have somewhere to go at tiers 2-4 (tier 1 is met by
/// universal services) in every locality on every day of the run, or families with it can
/// only be lost. A unit limited to some `localities`, a project that closes (`ends_on_day`)
/// and a unit that opens late (`starts_on_day`) can each leave such a gap; each gap is
/// reported once, with the localities it affects.
fn somewhere_to_go(check: &mut Checker, path: &str, units: &[Unit], population: &Population, domain_names: &[String], horizon_days: f64) {
    let horizon = if horizon_days.is_finite() && horizon_days > 0.0 { horizon_days.min(MAX_HORIZON_DAYS) } else { MAX_HORIZON_DAYS };
    let localities = &population.locality_names;
    for (d, name) in domain_names.iter().enumerate() {
        if population.domain_share(d) == 0.0 {
            continue;
        }
        let reachable = reachable_tiers(population, d);
        // (gap, localities) -> tiers, so one gap left by one unit is one problem.
        let mut gaps: Vec<Gap> = Vec::new();
        for tier in 2..=4u8 {
            if reachable & tier_bit(tier) == 0 {
                continue;
            }
            let mut by_gap: Vec<((f64, f64), Vec<&str>)> = Vec::new();
            for (l, locality) in localities.iter().enumerate() {
                let mut spells: Vec<(f64, f64)> =
                    units.iter().filter(|u| u.covers(l) && u.accepts(d as u8, tier)).map(|u| (u.starts_on_day, u.ends_on_day)).collect();
                if let Some(gap) = first_gap(&mut spells, horizon) {
                    match by_gap.iter_mut().find(|(g, _)| *g == gap) {
                        Some((_, names)) => names.push(locality),
                        None => by_gap.push((gap, vec![locality])),
                    }
                }
            }
            for (gap, names) in by_gap {
                match gaps.iter_mut().find(|(g, n, _)| *g == gap && *n == names) {
                    Some((_, _, tiers)) => tiers.push(tier),
                    None => gaps.push((gap, names, vec![tier])),
                }
            }
        }
        for ((from, to), names, tiers) in gaps {
            let place = if names.len() == localities.len() {
                String::new()
            } else {
                format!(" in {} {}", if names.len() == 1 { "locality" } else { "localities" }, names.join(", "))
            };
            let tiers = match tiers.split_last() {
                Some((last, [])) => format!("tier {last}"),
                Some((last, rest)) => format!("tiers {} and {last}", rest.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")),
                None => continue,
            };
            let message = if from <= 0.0 && to >= horizon {
                let cover = if place.is_empty() { "" } else { " that covers them (see its `localities`)" };
                format!(
                    "no unit serves `{name}` needs at {tiers}{place}, so families with them could only be lost; add the domain and tier to a unit{cover}"
                )
            } else {
                format!(
                    "from day {} to day {} no unit serves `{name}` needs at {tiers}{place}, so families with them could only be lost; a unit closes then (`ends_on_day`) or opens only later (`starts_on_day`): change those days, or add the domain and tier to a unit that runs then",
                    day_text(from),
                    day_text(to)
                )
            };
            check.fail(format!("{path}.units"), message);
        }
    }
}

/// A stretch of days, the localities without service in it, and the tiers affected.
type Gap<'a> = ((f64, f64), Vec<&'a str>, Vec<u8>);

/// The first stretch of [0, horizon) that no (start, end) spell covers.
fn first_gap(spells: &mut [(f64, f64)], horizon: f64) -> Option<(f64, f64)> {
    spells.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut covered_to = 0.0f64;
    for &(start, end) in spells.iter() {
        if covered_to >= horizon {
            break;
        }
        if start > covered_to {
            return Some((covered_to, start.min(horizon)));
        }
        covered_to = covered_to.max(end);
    }
    (covered_to < horizon).then_some((covered_to, horizon))
}

fn day_text(day: f64) -> String {
    if day.fract() == 0.0 { format!("{day:.0}") } else { format!("{day:.2}") }
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / f64::from(1u32 << 30))
}

/// Memory the results of `replications` replications of every model hold until the run ends:
/// per replication, the wait histograms (`WAIT_METRICS`), two histograms per unit, the monthly series
/// and the metrics.
pub fn results_memory_bytes(scenario: &Scenario, replications: u32) -> u64 {
    results_memory_bytes_of(&scenario.models, &scenario.run, replications)
}

fn results_memory_bytes_of(models: &[Model], run: &RunSettings, replications: u32) -> u64 {
    use std::sync::OnceLock;
    static HISTOGRAM_BYTES: OnceLock<u64> = OnceLock::new();
    let histogram = *HISTOGRAM_BYTES.get_or_init(|| {
        let h = crate::metrics::new_wait_histogram();
        (h.distinct_values() * std::mem::size_of::<crate::metrics::WaitCount>() + std::mem::size_of_val(&h)) as u64
    });
    let months = if run.horizon_days.is_finite() {
        (run.horizon_days.clamp(0.0, MAX_HORIZON_DAYS) / crate::metrics::MONTH_DAYS) as u64 + 1
    } else {
        0
    };
    let month_bytes = months * (crate::metrics::N_TIMESERIES as u64) * 16;
    models
        .iter()
        .map(|m| {
            let histograms = crate::metrics::WAIT_METRICS.len() as u64 + 2 * m.units.len() as u64;
            u64::from(replications) * (histograms * histogram + month_bytes + 1024 * (1 + m.units.len() as u64))
        })
        .sum()
}

/// The county's existing services, from which presets build their units: every name they
/// refer to must exist. Messages match those of the units built from them, so the loader can
/// drop a unit's copy of a service's problem.
fn services(check: &mut Checker, raw: &RawWorkforce, domain_names: &[String], locality_names: &[String]) {
    let w = "workforce.services";
    check.unique_names(w, raw.services.iter().map(|s| s.name.as_str()));
    let professions: Vec<String> = raw.professions.iter().map(|p| p.name.clone()).collect();
    for s in &raw.services {
        let path = format!("{w}.{}", s.name);
        if let Err(m) = lookup(&raw.agencies, &s.agency) {
            check.fail(format!("{path}.agency"), m);
        }
        if s.domains.is_empty() {
            check.fail(format!("{path}.domains"), "lists no domains; say which needs this unit works with");
        }
        for (i, name) in s.domains.iter().enumerate() {
            if let Err(m) = lookup(domain_names, name) {
                check.fail(format!("{path}.domains"), m);
            } else if s.domains[..i].contains(name) {
                check.fail(format!("{path}.domains"), format!("`{name}` is listed twice; list each domain once"));
            }
        }
        if s.tiers.is_empty() {
            check.fail(format!("{path}.tiers"), "lists no tiers; give the tiers of need this unit accepts, e.g. [2, 3]");
        }
        tier_mask(check, format!("{path}.tiers"), &s.tiers);
        for (i, special) in s.tiers_for.iter().enumerate() {
            let spath = format!("{path}.tiers_for.{i}");
            match lookup(domain_names, &special.domain) {
                Ok(_) if !s.domains.contains(&special.domain) => {
                    check.fail(format!("{spath}.domain"), format!("`{}` is not in this unit's domains; add it there first", special.domain))
                }
                Ok(_) => {}
                Err(m) => check.fail(format!("{spath}.domain"), m),
            }
            tier_mask(check, format!("{spath}.tiers"), &special.tiers);
        }
        if s.staff.is_empty() {
            check.fail(format!("{path}.staff"), "lists no staff; a unit needs at least one practitioner");
        }
        for (i, member) in s.staff.iter().enumerate() {
            if let Err(m) = lookup(&professions, &member.profession) {
                check.fail(format!("{path}.staff.{i}.profession"), m);
            }
            if member.n_practitioners == 0 || member.n_practitioners > MAX_PRACTITIONERS_PER_UNIT {
                check.fail(
                    format!("{path}.staff.{i}.n_practitioners"),
                    format!("must be between 1 and {MAX_PRACTITIONERS_PER_UNIT}, found {}", member.n_practitioners),
                );
            }
            by_locality(check, &format!("{path}.staff.{i}"), member, s.scope, locality_names, None);
        }
        check.positive(&format!("{path}.assessment_days_mean"), s.assessment_days_mean, "days");
        if s.professionals_per_intervention == 0 || s.professionals_per_intervention > 20 {
            check.fail(
                format!("{path}.professionals_per_intervention"),
                format!("must be between 1 and 20, found {}", s.professionals_per_intervention),
            );
        }
        waiting_list(check, &path, s.waiting_list.as_ref());
    }
}

/// Checks a unit's (or a service's) waiting-list rules, with the same words for both so a
/// unit's copy of a service's problem is reported once.
fn waiting_list(check: &mut Checker, path: &str, raw: Option<&RawWaitingList>) -> Option<WaitingList> {
    let raw = raw?;
    let wpath = format!("{path}.waiting_list");
    let from_path = format!("{wpath}.turn_away_from_wait_days");
    let all_path = format!("{wpath}.turn_away_all_at_wait_days");
    let (from, all_at) = match (raw.turn_away_from_wait_days, raw.turn_away_all_at_wait_days) {
        (None, None) => (f64::INFINITY, f64::INFINITY),
        (Some(from), Some(all_at)) => {
            check.non_negative(&from_path, from, "days");
            check.positive(&all_path, all_at, "days");
            if from.is_finite() && all_at.is_finite() && all_at <= from {
                check.fail(
                    &all_path,
                    format!(
                        "must be above turn_away_from_wait_days ({from}): the chance of turning a referral away rises from 0 at that wait to 1 at this one"
                    ),
                );
            }
            (from, all_at)
        }
        (Some(_), None) => {
            check.fail(
                &all_path,
                "is missing: give the wait at which every referral below the top tier is turned away, above turn_away_from_wait_days",
            );
            (f64::INFINITY, f64::INFINITY)
        }
        (None, Some(_)) => {
            check.fail(
                &from_path,
                "is missing: give the wait at which the unit starts turning referrals away, below turn_away_all_at_wait_days",
            );
            (f64::INFINITY, f64::INFINITY)
        }
    };
    let patience_days_mean = match raw.patience_days_mean {
        Some(days) => {
            check.positive(&format!("{wpath}.patience_days_mean"), days, "days");
            days
        }
        None => f64::INFINITY,
    };
    check.probability(&format!("{wpath}.met_elsewhere_probability"), raw.met_elsewhere_probability);
    if raw.met_elsewhere_probability > 0.0 && !from.is_finite() && !patience_days_mean.is_finite() {
        check.fail(
            format!("{wpath}.met_elsewhere_probability"),
            "acts on families turned away or leaving the list, and this list turns nobody away and nobody leaves it; set turn_away_from_wait_days (with turn_away_all_at_wait_days) or patience_days_mean",
        );
    }
    Some(WaitingList {
        turn_away_from_wait_days: from,
        turn_away_all_at_wait_days: all_at,
        patience_days_mean,
        met_elsewhere_probability: raw.met_elsewhere_probability,
    })
}

/// Tiers a need in a domain can be at: those that present, those one above them when
/// referrers overstate, and those reached by escalation.
fn reachable_tiers(population: &Population, domain_idx: usize) -> u8 {
    let mix = population.domains[domain_idx].tier_cumulative.as_ref().unwrap_or(&population.tier_cumulative);
    let mut mask = 0u8;
    let mut previous = 0.0;
    for tier in 1..=4u8 {
        let cumulative = mix[tier as usize - 1];
        if cumulative - previous > 0.0 {
            mask |= tier_bit(tier);
            if population.overstated_tier_probability > 0.0 && tier < 4 {
                mask |= tier_bit(tier + 1);
            }
        }
        previous = cumulative;
    }
    for tier in 1..=3u8 {
        if mask & tier_bit(tier) != 0 && population.escalation_rate_per_day[tier as usize - 1] > 0.0 {
            mask |= tier_bit(tier + 1);
        }
    }
    mask
}

/// The bit mask of `tiers` (as `tier_bit`), reporting at `place` any that is not 1 to 4.
fn tier_mask(check: &mut Checker, place: String, tiers: &[u8]) -> u8 {
    let mut mask = 0;
    for tier in tiers {
        if (1..=4).contains(tier) {
            if mask & tier_bit(*tier) != 0 {
                check.fail(place.clone(), format!("tier {tier} is listed twice; list each tier once"));
            }
            mask |= tier_bit(*tier);
        } else {
            check.fail(place.clone(), format!("tiers run from 1 to 4, found {tier}"));
        }
    }
    mask
}

fn unit(
    check: &mut Checker,
    path: &str,
    raw: &RawUnit,
    domain_names: &[String],
    workforce: &Workforce,
    profession_names: &[String],
    population: &Population,
) -> Unit {
    let mut domains = 0u16;
    if raw.domains.is_empty() {
        check.fail(format!("{path}.domains"), "lists no domains; say which needs this unit works with");
    }
    for name in &raw.domains {
        match lookup(domain_names, name) {
            Ok(d) if domains & (1 << d) != 0 => {
                check.fail(format!("{path}.domains"), format!("`{name}` is listed twice; list each domain once"))
            }
            Ok(d) => domains |= 1 << d,
            Err(m) => check.fail(format!("{path}.domains"), m),
        }
    }
    let mut tiers = 0u8;
    if raw.tiers.is_empty() {
        check.fail(format!("{path}.tiers"), "lists no tiers; give the tiers of need this unit accepts, e.g. [2, 3]");
    }
    tiers |= tier_mask(check, format!("{path}.tiers"), &raw.tiers);
    let mut remit_by_domain = [tiers; MAX_DOMAINS];
    for (i, special) in raw.tiers_for.iter().enumerate() {
        let spath = format!("{path}.tiers_for.{i}");
        match lookup(domain_names, &special.domain) {
            Ok(d) if domains & (1 << d) != 0 => remit_by_domain[d] = tier_mask(check, format!("{spath}.tiers"), &special.tiers),
            Ok(_) => {
                check.fail(format!("{spath}.domain"), format!("`{}` is not in this unit's domains; add it there first", special.domain))
            }
            Err(m) => check.fail(format!("{spath}.domain"), m),
        }
    }
    let mut staff = Vec::new();
    let mut staff_by_locality = Vec::new();
    if raw.staff.is_empty() {
        check.fail(format!("{path}.staff"), "lists no staff; a unit needs at least one practitioner");
    }
    for (i, s) in raw.staff.iter().enumerate() {
        let exact = by_locality(check, &format!("{path}.staff.{i}"), s, raw.scope, &population.locality_names, raw.localities.as_deref());
        match lookup(profession_names, &s.profession) {
            Ok(p) => {
                if s.n_practitioners == 0 || s.n_practitioners > MAX_PRACTITIONERS_PER_UNIT {
                    check.fail(
                        format!("{path}.staff.{i}.n_practitioners"),
                        format!("must be between 1 and {MAX_PRACTITIONERS_PER_UNIT}, found {}", s.n_practitioners),
                    );
                } else {
                    staff_by_locality.extend(exact.into_iter().map(|(l, n)| (staff.len(), l, n)));
                    staff.push((p, s.n_practitioners));
                }
            }
            Err(m) => check.fail(format!("{path}.staff.{i}.profession"), m),
        }
    }
    staff_by_locality.sort_unstable();
    // The unit takes a need when it is in its remit and someone on its staff can work with
    // it; a listed domain nobody can take at any listed tier is surely a mistake.
    let mut tiers_by_domain = [0u8; MAX_DOMAINS];
    for d in 0..domain_names.len().min(MAX_DOMAINS) {
        if domains & (1 << d) == 0 {
            continue;
        }
        for tier in 1..=4u8 {
            if remit_by_domain[d] & tier_bit(tier) != 0 && staff.iter().any(|(p, _)| workforce.professions[*p].can_work(d as u8, tier)) {
                tiers_by_domain[d] |= tier_bit(tier);
            }
        }
        if tiers_by_domain[d] == 0 && !staff.is_empty() && remit_by_domain[d] != 0 {
            check.fail(
                format!("{path}.staff"),
                format!(
                    "nobody on the staff can work with `{}` needs at any of the unit's tiers; add a competent profession or remove the domain",
                    domain_names[d]
                ),
            );
        }
    }
    let assessment = match raw.assessment {
        RawAssessment::NoAssessment => Assessment::NoAssessment,
        RawAssessment::Own { days_mean } => {
            check.positive(&format!("{path}.assessment.Own.days_mean"), days_mean, "days");
            Assessment::Own { days_mean }
        }
        RawAssessment::Common { days_mean } => {
            check.positive(&format!("{path}.assessment.Common.days_mean"), days_mean, "days");
            Assessment::Common { days_mean }
        }
    };
    let allocation = match &raw.allocation {
        RawAllocation::OnArrival => Allocation::OnArrival,
        RawAllocation::TeamLeader => Allocation::TeamLeader,
        RawAllocation::Panel { cadence_days, slots_per_meeting, first_meeting_day, meeting_hours, n_members, attendance } => {
            let ppath = format!("{path}.allocation.Panel");
            check.positive(&format!("{ppath}.cadence_days"), *cadence_days, "days");
            if *slots_per_meeting == Some(0) {
                check.fail(
                    format!("{ppath}.slots_per_meeting"),
                    "a panel that allocates no cases would hold every family for ever; give at least 1, or None for no limit",
                );
            }
            if let Some(day) = first_meeting_day {
                check.non_negative(&format!("{ppath}.first_meeting_day"), *day, "days");
            }
            check.non_negative(&format!("{ppath}.meeting_hours"), *meeting_hours, "hours");
            check.probability(&format!("{ppath}.attendance"), *attendance);
            if *attendance == 0.0 {
                check.fail(format!("{ppath}.attendance"), "a panel nobody attends never allocates a case; give a probability above 0");
            }
            Allocation::Panel {
                cadence_days: *cadence_days,
                slots_per_meeting: slots_per_meeting.unwrap_or(u32::MAX),
                first_meeting_day: first_meeting_day.unwrap_or(*cadence_days),
                meeting_hours: *meeting_hours,
                n_members: *n_members,
                attendance: *attendance,
            }
        }
    };
    let kind = match raw.kind {
        RawUnitKind::SingleAgency => UnitKind::SingleAgency,
        RawUnitKind::Panel => UnitKind::Panel,
        RawUnitKind::Hub => UnitKind::Hub,
        RawUnitKind::Team { shared_base, team_time_share } => {
            check.probability(&format!("{path}.kind.Team.team_time_share"), team_time_share);
            UnitKind::Team { shared_base, team_time_share }
        }
        RawUnitKind::Network { take_probability, retry_days_mean } => {
            check.probability(&format!("{path}.kind.Network.take_probability"), take_probability);
            if take_probability == 0.0 {
                check.fail(
                    format!("{path}.kind.Network.take_probability"),
                    "a network whose members never take a case loses every family; give a probability above 0",
                );
            }
            check.positive(&format!("{path}.kind.Network.retry_days_mean"), retry_days_mean, "days");
            UnitKind::Network { take_probability, retry_days_mean }
        }
        RawUnitKind::VirtualTeam { call_in_days_mean } => {
            check.non_negative(&format!("{path}.kind.VirtualTeam.call_in_days_mean"), call_in_days_mean, "days");
            UnitKind::VirtualTeam { call_in_days_mean }
        }
    };
    if matches!(kind, UnitKind::Panel) && !matches!(allocation, Allocation::Panel { .. }) {
        check.fail(format!("{path}.allocation"), "a Panel unit allocates at meetings; set allocation: Panel(cadence_days: 14.0)");
    }
    let all_localities: Vec<usize> = (0..population.locality_names.len()).collect();
    let localities = match &raw.localities {
        None => all_localities,
        Some(names) => {
            if names.is_empty() {
                check.fail(format!("{path}.localities"), "lists no localities; remove the field to cover all of them");
            }
            if matches!(raw.scope, RawScope::BoroughWide) {
                check.fail(format!("{path}.localities"), "a BoroughWide unit serves every locality; use scope: Locality to limit it");
            }
            names
                .iter()
                .filter_map(|name| lookup(&population.locality_names, name).map_err(|m| check.fail(format!("{path}.localities"), m)).ok())
                .collect()
        }
    };
    if !staff_by_locality.is_empty() {
        every_copy_staffed(check, path, &staff, &staff_by_locality, &localities, &tiers_by_domain, workforce, population, domain_names);
    }
    check.probability(&format!("{path}.step_down_probability"), raw.step_down_probability);
    let professionals_in_range = |check: &mut Checker, place: String, n: u32| {
        if n == 0 || n > 20 {
            check.fail(place, format!("must be between 1 and 20, found {n}"));
        }
        n.clamp(1, 20) as u8
    };
    let mut professionals_per_intervention =
        [[professionals_in_range(check, format!("{path}.professionals_per_intervention"), raw.professionals_per_intervention); 4];
            MAX_DOMAINS];
    for (i, special) in raw.professionals_for.iter().enumerate() {
        let spath = format!("{path}.professionals_for.{i}");
        let n = professionals_in_range(check, format!("{spath}.professionals_per_intervention"), special.professionals_per_intervention);
        let tiers = if special.tiers.is_empty() { 0b1111 } else { tier_mask(check, format!("{spath}.tiers"), &special.tiers) };
        match lookup(domain_names, &special.domain) {
            Ok(d) if domains & (1 << d) != 0 => {
                for (tier_idx, slot) in professionals_per_intervention[d].iter_mut().enumerate() {
                    if tiers & (1 << tier_idx) != 0 {
                        *slot = n;
                    }
                }
            }
            Ok(_) => {
                check.fail(format!("{spath}.domain"), format!("`{}` is not in this unit's domains; add it there first", special.domain))
            }
            Err(m) => check.fail(format!("{spath}.domain"), m),
        }
    }
    if let Some(day) = raw.ends_on_day {
        check.positive(&format!("{path}.ends_on_day"), day, "days");
    }
    if let Some(day) = raw.starts_on_day {
        check.non_negative(&format!("{path}.starts_on_day"), day, "days");
        if raw.ends_on_day.is_some_and(|end| end <= day) {
            check.fail(format!("{path}.ends_on_day"), "a unit must open before it closes");
        }
    }
    check.non_negative(&format!("{path}.disruption_days"), raw.disruption_days, "days");
    check.probability(&format!("{path}.capacity_loss_share"), raw.capacity_loss_share);
    let waiting_list = waiting_list(check, path, raw.waiting_list.as_ref());
    Unit {
        name: raw.name.clone(),
        kind,
        localities,
        priority: match raw.priority {
            RawPriority::FirstComeFirstServed => Priority::FirstComeFirstServed,
            RawPriority::HighestTierFirst => Priority::HighestTierFirst,
        },
        step_down_probability: raw.step_down_probability,
        ends_on_day: raw.ends_on_day.unwrap_or(f64::INFINITY),
        exit_strategy: raw.exit_strategy,
        starts_on_day: raw.starts_on_day.unwrap_or(0.0),
        disruption_days: raw.disruption_days,
        capacity_loss_share: raw.capacity_loss_share,
        domains,
        tiers,
        tiers_by_domain,
        scope: match raw.scope {
            RawScope::Locality => Scope::Locality,
            RawScope::BoroughWide => Scope::BoroughWide,
        },
        staff,
        staff_by_locality,
        assessment,
        allocation,
        lead_professional: raw.lead_professional,
        professionals_per_intervention,
        waiting_list,
    }
}

/// Checks a staff entry's `by_locality` (at `path`, the entry's own path) and returns the
/// (locality index, practitioners) of each entry that fits. `copies` is a unit's
/// `localities` when it has only some (a service has a copy everywhere). The messages are
/// the same for a service and the units a preset builds from it, so the loader reports the
/// service's problem once.
fn by_locality(
    check: &mut Checker,
    path: &str,
    member: &RawStaff,
    scope: RawScope,
    locality_names: &[String],
    copies: Option<&[String]>,
) -> Vec<(usize, u32)> {
    if member.by_locality.is_empty() {
        return Vec::new();
    }
    if scope == RawScope::BoroughWide {
        check.fail(
            format!("{path}.by_locality"),
            "a BoroughWide unit's staff serve every locality from one team, so they cannot differ by locality; give the county's total in n_practitioners, or use scope: Locality",
        );
        return Vec::new();
    }
    let mut exact = Vec::new();
    for (name, &n) in &member.by_locality {
        let here = format!("{path}.by_locality.{name}");
        let Some(l) = locality_names.iter().position(|known| known == name) else {
            let hint = match nearest(name, locality_names.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the localities are: {}", locality_names.join(", ")),
            };
            check.fail(here, format!("`{name}` is not a locality; {hint}"));
            continue;
        };
        if copies.is_some_and(|covered| !covered.contains(name)) {
            check.fail(
                here,
                format!(
                    "this unit has no copy in `{name}` (its `localities` leave it out); remove the entry, or add `{name}` to `localities`"
                ),
            );
            continue;
        }
        if n > MAX_PRACTITIONERS_PER_UNIT {
            check.fail(here, format!("must be between 0 and {MAX_PRACTITIONERS_PER_UNIT} practitioners, found {n}"));
            continue;
        }
        exact.push((l, n));
    }
    exact
}

/// With staff given by locality, every copy of the unit must still have someone, and
/// someone able to take each need the unit takes: a copy without would hold those families
/// for ever.
#[allow(clippy::too_many_arguments)]
fn every_copy_staffed(
    check: &mut Checker,
    path: &str,
    staff: &[(usize, u32)],
    staff_by_locality: &[(usize, usize, u32)],
    localities: &[usize],
    tiers_by_domain: &[u8; MAX_DOMAINS],
    workforce: &Workforce,
    population: &Population,
    domain_names: &[String],
) {
    for &l in localities {
        let count = |i: usize| staff_by_locality.iter().find(|(s, at, _)| *s == i && *at == l).map_or(staff[i].1, |(_, _, n)| *n);
        let present: Vec<usize> = (0..staff.len()).filter(|&i| count(i) > 0).map(|i| staff[i].0).collect();
        let name = &population.locality_names[l];
        if present.is_empty() {
            check.fail(
                format!("{path}.staff"),
                format!("in locality `{name}` this unit would have nobody (by_locality gives 0 of every profession there); give someone there, or leave `{name}` out of the unit's `localities`"),
            );
            continue;
        }
        let uncovered: Vec<String> = domain_names
            .iter()
            .enumerate()
            .take(MAX_DOMAINS)
            .filter_map(|(d, domain)| {
                let covered = present.iter().fold(0u8, |m, &p| m | workforce.professions[p].competence_tiers_by_domain[d]);
                let missing = tiers_by_domain[d] & !covered;
                (missing != 0).then(|| format!("`{domain}` needs at {}", tiers_text(missing)))
            })
            .collect();
        if !uncovered.is_empty() {
            check.fail(
                format!("{path}.staff"),
                format!(
                    "in locality `{name}` nobody on the staff can work with {} (by_locality leaves none of the professions able to); give at least one there, or leave `{name}` out of the unit's `localities`",
                    uncovered.join(", ")
                ),
            );
        }
    }
}

/// "tier 3", "tiers 3 and 4", "tiers 1, 2 and 3".
fn tiers_text(mask: u8) -> String {
    let tiers: Vec<u8> = (1..=4u8).filter(|t| mask & tier_bit(*t) != 0).collect();
    match tiers.split_last() {
        Some((last, [])) => format!("tier {last}"),
        Some((last, rest)) => format!("tiers {} and {last}", rest.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")),
        None => "no tier".into(),
    }
}

fn run(check: &mut Checker, raw: &RawRun) -> RunSettings {
    check.positive("run.horizon_days", raw.horizon_days, "days");
    if raw.horizon_days > MAX_HORIZON_DAYS {
        check.fail("run.horizon_days", format!("must be at most {MAX_HORIZON_DAYS} days (a century)"));
    }
    check.non_negative("run.warmup_days", raw.warmup_days, "days");
    if raw.warmup_days >= raw.horizon_days {
        check.fail(
            "run.warmup_days",
            format!(
                "the warm-up ({} days) must be shorter than the horizon ({} days), or nothing is measured",
                raw.warmup_days, raw.horizon_days
            ),
        );
    }
    if raw.replications == 0 || raw.replications > MAX_REPLICATIONS {
        check.fail("run.replications", format!("must be between 1 and {MAX_REPLICATIONS}, found {}", raw.replications));
    }
    if raw.max_open_episodes == 0 || raw.max_open_episodes > MAX_OPEN_EPISODES {
        check.fail(
            "run.max_open_episodes",
            format!(
                "must be between 1 and {MAX_OPEN_EPISODES} (each open episode takes memory while the run goes on), found {}",
                raw.max_open_episodes
            ),
        );
    }
    RunSettings {
        horizon_days: raw.horizon_days,
        warmup_days: raw.warmup_days,
        replications: raw.replications,
        seed: raw.seed,
        max_open_episodes: raw.max_open_episodes,
        calendar: match raw.calendar {
            RawCalendar::Weekdays => Calendar::Weekdays,
            RawCalendar::Continuous => Calendar::Continuous,
        },
    }
}
