//! `joinedup calibrate`: does the status-quo structure reproduce England's published
//! statistics? Each pattern has the published figure, its source and an accepted range
//! (from `docs/ODD.md`, section "Patterns"); the model's value comes from the first model of
//! the scenario (the status quo), averaged over replications.

use crate::experiment::Comparison;
use crate::metrics::{MINUTES_PER_DAY, Metric, WaitCounts};
use crate::model::Scenario;
use std::fmt::Write as _;

/// One published pattern and how the model measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternResult {
    pub name: &'static str,
    pub unit: &'static str,
    pub published: &'static str,
    pub source: &'static str,
    pub low: f64,
    pub high: f64,
    /// `None` when the run observed nothing to measure it by.
    pub value: Option<f64>,
}

impl PatternResult {
    pub fn passes(&self) -> bool {
        self.value.is_some_and(|v| v >= self.low && v <= self.high)
    }
}

/// Measures every pattern on replications of the scenario's first model.
///
/// Returns `None` when the scenario names no calibration parts (`calibration: (...)`).
pub fn patterns(scenario: &Scenario, comparison: &Comparison) -> Option<Vec<PatternResult>> {
    let parts = scenario.calibration.as_ref()?;
    let reps = comparison.model_results(0);
    let per_10k = 10_000.0 / scenario.population.n_children as f64;
    let window_years = (scenario.run.horizon_days - scenario.run.warmup_days) / 365.25;
    // Mean over replications of a per-replication value (skipping replications with none).
    let mean = |f: &dyn Fn(&crate::metrics::ReplicationResult) -> Option<f64>| {
        let values: Vec<f64> = reps.iter().filter_map(f).filter(|v| v.is_finite()).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    let sc = parts.social_care_unit;
    let camhs = parts.camhs_unit;
    let month_mean = |r: &crate::metrics::ReplicationResult, sum: f64| {
        (r.diagnostics.measured_month_ends > 0).then(|| sum / r.diagnostics.measured_month_ends as f64)
    };
    let median_days = |unit: usize, assessment: bool| {
        let mut pooled = WaitCounts::new();
        for r in reps {
            let stats = &r.diagnostics.unit_stats[unit];
            pooled.add(if assessment { &stats.assessment_minutes } else { &stats.wait_to_assessment_minutes });
        }
        (!pooled.is_empty()).then(|| pooled.to_histogram().value_at_quantile(0.5) as f64 / MINUTES_PER_DAY)
    };
    let results = vec![
        PatternResult {
            name: "referrals to children's social care",
            unit: "per 10,000 children a year",
            published: "~520 (621,880 for ~12.0m children, 2023/24)",
            source: "DfE, Children in need statistics 2024",
            low: 400.0,
            high: 650.0,
            value: mean(&|r| Some(r.diagnostics.unit_stats[sc].needs_arrived as f64 / window_years * per_10k)),
        },
        PatternResult {
            name: "re-referrals within 12 months",
            // The model's is a share of closures followed by a recurrence within a year; the
            // published one a share of referrals (docs/ODD.md, pattern 2).
            unit: "share of closed episodes",
            published: "22% (139,080 of 621,880), 2023/24",
            source: "DfE, CIN: a focus on re-referrals",
            low: 0.17,
            high: 0.27,
            value: mean(&|r| r.value(Metric::Rereferral12m)),
        },
        PatternResult {
            name: "referrals ending in no further action",
            unit: "share of social care referrals",
            published: "7.1%, 2022/23",
            source: "DfE CIN census",
            low: 0.03,
            high: 0.12,
            value: mean(&|r| ratio(r.diagnostics.unit_stats[sc].needs_no_further_action, r.diagnostics.unit_stats[sc].needs_arrived)),
        },
        PatternResult {
            name: "assessed, child not in need",
            unit: "share of social care assessments",
            published: "29.9%, 2022/23",
            source: "DfE CIN census",
            low: 0.20,
            high: 0.40,
            value: mean(&|r| ratio(r.diagnostics.unit_stats[sc].needs_assessed_not_in_need, r.diagnostics.unit_stats[sc].needs_assessed)),
        },
        PatternResult {
            name: "social care assessment duration (median)",
            unit: "days",
            published: "median 33, quartiles 17 and 43, 2024/25",
            source: "DfE CIN statistics, dataset C2",
            low: 25.0,
            high: 42.0,
            value: median_days(sc, true),
        },
        PatternResult {
            name: "children in need at a point in time",
            unit: "per 10,000 children",
            published: "332.9, 2024",
            source: "DfE CIN statistics",
            low: 250.0,
            high: 420.0,
            value: mean(&|r| month_mean(r, r.diagnostics.unit_stats[sc].open_children_month_sum).map(|v| v * per_10k)),
        },
        PatternResult {
            name: "children on a child protection plan",
            unit: "per 10,000 children",
            published: "42.8, 2019/20",
            source: "DfE CIN statistics",
            low: 30.0,
            high: 60.0,
            value: mean(&|r| {
                month_mean(r, r.diagnostics.unit_stats[sc].tier4_in_service_month_sum[parts.child_protection_domain]).map(|v| v * per_10k)
            }),
        },
        PatternResult {
            name: "looked-after children",
            unit: "per 10,000 children",
            published: "70, 2024 (25-191 across councils)",
            source: "DfE Children looked after",
            low: 45.0,
            high: 100.0,
            value: mean(&|r| {
                month_mean(r, r.diagnostics.unit_stats[sc].tier4_in_service_month_sum[parts.looked_after_domain]).map(|v| v * per_10k)
            }),
        },
        PatternResult {
            name: "social worker caseload",
            unit: "cases per practitioner",
            published: "16.0 per case-holding FTE, 2023",
            source: "DfE social work workforce",
            low: 12.0,
            high: 22.0,
            value: mean(&|r| month_mean(r, r.diagnostics.caseload_by_profession_month_sum[parts.social_worker_profession])),
        },
        PatternResult {
            name: "social worker turnover",
            unit: "share a year (a setting)",
            published: "15.9%, 2023",
            source: "DfE social work workforce",
            low: 0.12,
            high: 0.20,
            value: Some(scenario.workforce.turnover_per_day * 365.25),
        },
        PatternResult {
            name: "early help versus social care",
            unit: "children in early help per child in social care",
            published: "about 2 for every 3",
            source: "Action for Children, Too Little Too Late, 2022",
            low: 0.4,
            high: 1.0,
            value: mean(&|r| {
                let eh = r.diagnostics.unit_stats[parts.early_help_unit].open_children_month_sum;
                let social = r.diagnostics.unit_stats[sc].open_children_month_sum;
                (social > 0.0).then(|| eh / social)
            }),
        },
        PatternResult {
            name: "CAMHS referrals turned away",
            unit: "share of referrals",
            published: "26.3%, 2016/17",
            source: "Education Policy Institute",
            low: 0.15,
            high: 0.35,
            // Referrals *to CAMHS*: needs in its own domain. A family's other needs reach the
            // same door with its first need, and CAMHS sends them on, but nobody referred
            // them to CAMHS (docs/ODD.md, pattern 12).
            value: mean(&|r| {
                let s = &r.diagnostics.unit_stats[camhs];
                ratio(s.own_domain_needs_turned_away, s.own_domain_needs_arrived)
            }),
        },
        PatternResult {
            name: "CAMHS wait to assessment (median)",
            unit: "days",
            published: "median 33 to assessment, 56 to treatment, 2016/17",
            source: "Education Policy Institute",
            low: 20.0,
            high: 60.0,
            value: median_days(camhs, false),
        },
        PatternResult {
            name: "professionals seen by families of disabled children",
            unit: "a year",
            published: "about ten, 20+ clinic visits",
            source: "Sloper 2004, quoted in the seed paper section 2.3",
            low: 6.0,
            high: 14.0,
            value: mean(&|r| {
                let (n, sum) = r.diagnostics.professionals_by_domain[parts.disability_domain];
                (n > 0).then(|| sum / n as f64)
            }),
        },
    ];
    Some(results)
}

/// The calibration table printed by `joinedup calibrate`.
pub fn table(model_name: &str, results: &[PatternResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Calibration of `{model_name}` (the first model, the status quo) against published English statistics:\n");
    let width = results.iter().map(|r| r.name.len()).max().unwrap_or(0);
    for r in results {
        let value = r.value.map_or("-".to_string(), crate::output::human);
        let verdict = if r.passes() { "pass" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{verdict}  {:<width$}  model {value:>7}  accepted {}-{} {}\n      published: {} ({})",
            r.name,
            crate::output::human(r.low),
            crate::output::human(r.high),
            r.unit,
            r.published,
            r.source
        );
    }
    let failed = results.iter().filter(|r| !r.passes()).count();
    let _ = writeln!(
        out,
        "\n{} of {} patterns inside their accepted range{}",
        results.len() - failed,
        results.len(),
        if failed == 0 { "." } else { "; see docs/ODD.md for what each pattern measures." }
    );
    out
}
