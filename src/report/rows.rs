//! What the rows of a `replications.csv` promise about each other, checked the same way in a
//! run's folder ([`super::read`]) and a sweep's ([`super::sweep`]), where each point is a run.
//!
//! The engine writes some metrics only sometimes (a wait when something was waited for, rates
//! per closed episode when an episode closed), so a row missing from them cannot be seen row by
//! row. It can be seen from the rows around it: a group of rates over the same count is whole or
//! absent, a wait comes with its percentiles, what the scenario decides is in every replication
//! or none, and the means and intervals a summary file states were computed from exactly these
//! rows.

use super::count;
use crate::error::{Error, Result};
use crate::metrics::{
    ALWAYS_WRITTEN_METRICS, Estimate, HEADLINE_WAITS, METRICS, Metric, PERCENTILES, WAIT_METRICS, WRITTEN_BY_SCENARIO, WRITTEN_TOGETHER,
};
use std::path::Path;

// A bit per metric in a `u32`, a bit per wait percentile row in another.
const _: () = assert!(crate::metrics::N_METRICS <= 32 && WAIT_METRICS.len() * PERCENTILES.len() <= 32);

/// The rows one replication has in `replications.csv`: a bit for each metric of [`METRICS`]
/// and one for each wait's percentile row (`wait_first_contact_days_p50`, in [`WAIT_METRICS`]
/// then [`PERCENTILES`] order), which no page shows but a whole file has.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen {
    metrics: u32,
    percentiles: u32,
}

impl Seen {
    pub(crate) fn has(&self, metric: Metric) -> bool {
        self.metrics & (1 << metric as usize) != 0
    }

    fn has_percentile(&self, wait: usize, percentile: usize) -> bool {
        self.percentiles & (1 << (wait * PERCENTILES.len() + percentile)) != 0
    }

    /// The first metric every replication has a row of ([`ALWAYS_WRITTEN_METRICS`]) that this
    /// one lacks.
    pub(crate) fn missing_always_written(&self) -> Option<Metric> {
        ALWAYS_WRITTEN_METRICS.iter().copied().find(|&metric| !self.has(metric))
    }
}

/// A row already recorded for the replication: the file has it twice.
#[derive(Debug)]
pub(crate) struct Twice;

/// The names of the rows [`Seen`] keeps, looked up once per file rather than once per row.
pub(crate) struct RowNames {
    percentiles: Vec<String>,
}

impl RowNames {
    pub(crate) fn new() -> RowNames {
        RowNames { percentiles: crate::metrics::percentile_row_names().collect() }
    }

    /// Records the row of `metric` in `seen`: the metric's index in [`METRICS`] when it is
    /// one, `None` for a percentile row or a name this version does not know (which the
    /// reports do not need), and [`Twice`] when the replication already has the row.
    pub(crate) fn record(&self, seen: &mut Seen, metric: &str) -> std::result::Result<Option<usize>, Twice> {
        if let Some(index) = METRICS.iter().position(|d| d.name == metric) {
            let bit = 1 << index;
            if seen.metrics & bit != 0 {
                return Err(Twice);
            }
            seen.metrics |= bit;
            return Ok(Some(index));
        }
        if let Some(index) = self.percentiles.iter().position(|name| name == metric) {
            let bit = 1 << index;
            if seen.percentiles & bit != 0 {
                return Err(Twice);
            }
            seen.percentiles |= bit;
        }
        Ok(None)
    }
}

/// Checks the rows of one model's replications (at one point, in a sweep) that are written
/// only sometimes but never alone: a group of metrics over the same count
/// ([`WRITTEN_TOGETHER`]) has a row for each or for none in a replication, a wait's percentile
/// rows come with its mean's row, and a metric absent only when no unit with staff is open
/// ([`WRITTEN_BY_SCENARIO`]) is in every replication or in none. `seen` is by replication
/// number; `who` names the model (and point) in a message, `fix` ends it.
pub(crate) fn check_written_together(path: &Path, who: &str, seen: &[Seen], fix: &str) -> Result<()> {
    let name = |metric: Metric| METRICS[metric as usize].name;
    let missing = |r: usize, absent: &str, present: &str, why: &str| {
        fail(
            path,
            format!(
                "there is no `{absent}` row for {who}, replication {r}, though there is a `{present}` row, and {why}: rows are missing. {fix}"
            ),
        )
    };
    for (r, rows) in seen.iter().enumerate() {
        for group in WRITTEN_TOGETHER {
            if let (Some(&present), Some(&absent)) = (group.iter().find(|&&m| rows.has(m)), group.iter().find(|&&m| !rows.has(m))) {
                return Err(missing(
                    r,
                    name(absent),
                    name(present),
                    "the two are written together, as rates over the same closed episodes",
                ));
            }
        }
        for (w, &wait) in WAIT_METRICS.iter().enumerate() {
            // The waits by tier had means before they had percentiles: a model none of whose
            // replications has a percentile row of one is from a folder written then.
            if w >= HEADLINE_WAITS.len() && !seen.iter().any(|s| (0..PERCENTILES.len()).any(|p| s.has_percentile(w, p))) {
                continue;
            }
            let row = |p: usize| format!("{}_{}", name(wait), PERCENTILES[p].0);
            let why = "a wait's percentiles are written with its mean, from the same waits";
            let absent = (0..PERCENTILES.len()).find(|&p| !rows.has_percentile(w, p));
            let present = (0..PERCENTILES.len()).find(|&p| rows.has_percentile(w, p));
            match (absent, present) {
                (Some(p), _) if rows.has(wait) => return Err(missing(r, &row(p), name(wait), why)),
                (Some(p), Some(q)) => return Err(missing(r, &row(p), &row(q), why)),
                (None, _) if !rows.has(wait) => return Err(missing(r, name(wait), &row(0), why)),
                _ => {}
            }
        }
    }
    for metric in WRITTEN_BY_SCENARIO {
        if let (Some(with), Some(without)) = (seen.iter().position(|s| s.has(metric)), seen.iter().position(|s| !s.has(metric))) {
            return Err(fail(
                path,
                format!(
                    "there is no `{}` row for {who}, replication {without}, though replication {with} has one, and whether it is written \
depends only on the scenario (which units are open in the measured window), so every replication has it or none does: rows are missing. {fix}",
                    name(metric)
                ),
            ));
        }
    }
    Ok(())
}

/// A metric's mean over replications as a summary file states it (`summary.json`, or a
/// sweep's `points.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stated {
    pub mean: f64,
    pub ci95: Option<(f64, f64)>,
    /// The replications that observed the metric, when the file says (`points.csv` does).
    pub n: Option<usize>,
}

/// Compares what a summary file states of a metric (`None`: that no replication observed it,
/// in the words `none`) with the per-replication `values` it was computed from, by replication
/// number (`None` where the replication has no row). They were computed from exactly these
/// values, so a row missing, added or changed shows as a mean, an interval or a count that no
/// longer agrees. Gives nothing when they agree, or what the file states and what the rows give,
/// in words (`of` names whose replications they are: "the run's", "the point's").
pub(crate) fn disagreement(stated: Option<Stated>, values: &[Option<f64>], none: &str, of: &str) -> Option<(String, String)> {
    // The same values in the same order give the same bits; the tolerance only allows for a
    // file written by another build's floating-point library.
    let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-9 * scale;
    let recomputed = Estimate::from_values(values.iter().flatten().copied());
    let n = values.iter().flatten().count();
    let agrees = match (stated, recomputed) {
        (None, None) => true,
        (Some(stated), Some(estimate)) => {
            let scale = stated.mean.abs().max(estimate.mean.abs()) + estimate.ci95.map_or(0.0, |(low, high)| high - low);
            stated.n.is_none_or(|n| n == estimate.n)
                && close(stated.mean, estimate.mean, scale)
                && match (stated.ci95, estimate.ci95) {
                    (None, None) => true,
                    (Some((low, high)), Some((l, h))) => close(low, l, scale) && close(high, h, scale),
                    _ => false,
                }
        }
        _ => false,
    };
    if agrees {
        return None;
    }
    let interval = |ci95: Option<(f64, f64)>| ci95.map_or(String::new(), |(low, high)| format!(" [{low}, {high}]"));
    let stated = match stated {
        Some(stated) => format!(
            "a mean of {}{}{}",
            stated.mean,
            interval(stated.ci95),
            stated.n.map_or(String::new(), |n| format!(" from {}", count(n, "replication")))
        ),
        None => none.to_string(),
    };
    let found = match recomputed {
        Some(estimate) => format!(
            "{}, from {n} of {of} {}, give{} a mean of {}{}",
            if n == 1 { "its one row" } else { "its rows" },
            count(values.len(), "replication"),
            if n == 1 { "s" } else { "" },
            estimate.mean,
            interval(estimate.ci95)
        ),
        None => "there is no row of it for any replication".to_string(),
    };
    Some((stated, found))
}

fn fail(path: &Path, message: String) -> Error {
    Error::ReadResults { path: path.to_path_buf(), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stated_mean_agrees_only_with_the_rows_it_was_computed_from() {
        let values = [Some(1.0), None, Some(3.0)];
        let estimate = Estimate::from_values([1.0, 3.0]).unwrap();
        let stated = Stated { mean: estimate.mean, ci95: estimate.ci95, n: Some(2) };
        assert_eq!(disagreement(Some(stated), &values, "no value", "the run's"), None);
        assert_eq!(disagreement(Some(Stated { n: None, ..stated }), &values, "no value", "the run's"), None);
        assert_eq!(disagreement(None, &[None, None], "no value", "the run's"), None);
        // A count, a mean or an interval that differs; rows where the file says there are none.
        let (said, found) = disagreement(Some(Stated { n: Some(3), ..stated }), &values, "no value", "the point's").unwrap();
        assert_eq!(said, format!("a mean of 2 [{}, {}] from 3 replications", estimate.ci95.unwrap().0, estimate.ci95.unwrap().1));
        assert!(found.starts_with("its rows, from 2 of the point's 3 replications, give a mean of 2 ["), "{found}");
        assert!(disagreement(Some(Stated { mean: 2.5, ..stated }), &values, "no value", "the run's").is_some());
        assert!(disagreement(Some(Stated { ci95: None, ..stated }), &values, "no value", "the run's").is_some());
        let (said, _) = disagreement(None, &values, "no value", "the run's").unwrap();
        assert_eq!(said, "no value");
        let (_, found) = disagreement(Some(stated), &[None, None, Some(1.0)], "no value", "the run's").unwrap();
        assert!(found.starts_with("its one row, from 1 of the run's 3 replications, gives a mean of 1"), "{found}");
        let (_, found) = disagreement(Some(stated), &[None; 3], "no value", "the run's").unwrap();
        assert_eq!(found, "there is no row of it for any replication");
    }

    #[test]
    fn a_row_recorded_twice_is_told_apart_from_a_name_not_known() {
        let names = RowNames::new();
        let mut seen = Seen::default();
        assert_eq!(names.record(&mut seen, "referrals").unwrap(), Some(Metric::Referrals as usize));
        assert!(names.record(&mut seen, "referrals").is_err());
        assert_eq!(names.record(&mut seen, "wait_service_start_days_p90").unwrap(), None);
        assert!(names.record(&mut seen, "wait_service_start_days_p90").is_err());
        assert_eq!(names.record(&mut seen, "a_metric_of_a_later_version").unwrap(), None);
        assert_eq!(names.record(&mut seen, "a_metric_of_a_later_version").unwrap(), None);
        assert!(seen.has(Metric::Referrals) && seen.has_percentile(2, 1) && !seen.has_percentile(2, 0));
        assert_eq!(seen.missing_always_written(), Some(ALWAYS_WRITTEN_METRICS[1]));
    }
}
