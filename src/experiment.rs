//! Running an experiment: every model for every replication, in parallel, combined in index
//! order so results never depend on the thread count.
//!
//! **Invariant:** rayon is used only here, across sweep points and (model, replication)
//! pairs; each pair is a pure function of its indices, and results are collected in index
//! order.

use crate::engine;
use crate::error::{Error, Result};
use crate::metrics::{Estimate, METRICS, Metric, N_METRICS, PERCENTILES, ReplicationResult, WAIT_METRICS, percentile_days, pool_waits};
use crate::model::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Set by Ctrl-C (the binary's signal handler): no new replication or sweep point starts,
/// and replications under way stop at their next check. Process-wide, like the signal.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every run in this process to stop soon (see [`stop_requested`]).
pub fn request_stop() {
    STOP.store(true, Ordering::Relaxed);
}

/// Whether [`request_stop`] has been called.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// All replications of all models of one scenario.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub scenario_name: String,
    pub seed: u64,
    pub replications: u32,
    pub model_names: Vec<String>,
    /// Model-major: all replications of model 0, then model 1, ...
    pub results: Vec<ReplicationResult>,
}

/// Summary of one metric for one model across replications.
#[derive(Debug, Clone)]
pub struct MetricSummary {
    pub estimate: Option<Estimate>,
    /// Percentiles (p50, p90, p99) of the pooled wait distribution, for the waits
    /// (`metrics::WAIT_METRICS`).
    pub percentiles: Option<[Option<f64>; 3]>,
}

/// Runs every model of `scenario` for `scenario.run.replications` replications on `threads`
/// threads (all cores when `None`).
pub fn run(scenario: &Scenario, threads: Option<usize>) -> Result<Comparison> {
    with_threads(threads, || replicate(scenario, None).map(|(comparison, _)| comparison))?
}

/// How far a run has got, in (model, replication) jobs, readable from another thread while
/// the run goes on (the workbench shows it as a progress bar). Jobs are of uneven length, so
/// this is a count, not a time estimate. It also carries the run's own stop, the per-run
/// counterpart of Ctrl-C's process-wide one: a workbench serving several planners cancels one
/// planner's run without touching the others'.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    stop: AtomicBool,
}

impl Progress {
    /// Asks this run (only) to stop soon: no new replication starts and those under way stop
    /// at their next check, so [`run_with_progress`] returns `Error::Interrupted` within
    /// moments, with no results.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether [`Progress::request_stop`] has been called.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Jobs finished so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Jobs started or queued so far (grows with each batch of a run to a precision).
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// Like [`run`], counting finished jobs in `progress` as they end. The results are exactly
/// those of [`run`]: counting touches nothing the replications read.
pub fn run_with_progress(scenario: &Scenario, threads: Option<usize>, progress: &Progress) -> Result<Comparison> {
    with_threads(threads, || replicate_observed(scenario, None, Some(progress)).map(|(comparison, _)| comparison))?
}

/// Runs `work` on a pool of `threads` threads (the global pool, all cores, when `None`).
fn with_threads<R: Send>(threads: Option<usize>, work: impl FnOnce() -> R + Send) -> Result<R> {
    check_threads(threads)?;
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::BadArgument { option: "--threads".into(), message: format!("cannot start {n} threads: {e}") })?
            .install(work)),
        None => Ok(work()),
    }
}

/// The most worker threads `--threads` may ask for. Each is an operating-system thread with
/// its own stack and its own replication in memory, and results are the same for any number,
/// so more than this (a typo for 16, say 16000) would only tie the machine up starting
/// threads that have nothing to do.
pub const MAX_THREADS: usize = 1024;

/// Checks a `--threads` value: at least 1, at most [`MAX_THREADS`] (`None` is every core).
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::BadArgument { option: "--threads".into(), message: "must be at least 1".into() }),
        Some(n) if n > MAX_THREADS => Err(Error::BadArgument {
            option: "--threads".into(),
            message: format!(
                "{n} is more than the {MAX_THREADS} allowed; results are the same for any number of threads, so give at most the number of cores ({})",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
        }),
        _ => Ok(()),
    }
}

/// Replications `range` of every model, model-major, in parallel on the current pool.
fn run_range(scenario: &Scenario, range: std::ops::Range<u32>, progress: Option<&Progress>) -> Result<Vec<ReplicationResult>> {
    let jobs: Vec<(usize, u32)> = (0..scenario.models.len()).flat_map(|m| range.clone().map(move |r| (m, r))).collect();
    if let Some(progress) = progress {
        progress.total.fetch_add(jobs.len() as u64, Ordering::Relaxed);
    }
    let never = AtomicBool::new(false);
    let own_stop = progress.map_or(&never, |p| &p.stop);
    jobs.par_iter()
        .map(|&(model_idx, replication)| {
            if stop_requested() || own_stop.load(Ordering::Relaxed) {
                return Err(Error::Interrupted {
                    message: "stopped before every replication had finished, so there are no results".into(),
                });
            }
            let result = engine::simulate_stoppable(scenario, model_idx, replication, own_stop);
            if let Some(progress) = progress {
                progress.done.fetch_add(1, Ordering::Relaxed);
            }
            result
        })
        .collect()
}

/// When to stop adding replications: every metric's 95% half-width within
/// `relative_half_width` of its mean, or `max_replications` reached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionRule {
    pub relative_half_width: f64,
    pub max_replications: u32,
}

/// Replications added in a batch at the least: enough to move a noisy estimate.
pub const MIN_BATCH: u32 = 2;

/// One (model, metric) whose interval is still wider than asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmet {
    pub model_idx: usize,
    pub metric_idx: usize,
    /// Half-width over |mean|; `None` when the metric was observed in fewer than two
    /// replications (no interval) or its mean is exactly zero.
    pub relative_half_width: Option<f64>,
}

/// How a run to a precision ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionReport {
    pub rule: PrecisionRule,
    pub met: bool,
    pub n_replications: u32,
    /// What was still too wide when the maximum stopped the run (empty when `met`).
    pub unmet: Vec<Unmet>,
}

/// Like [`run`], adding replications in batches until `rule` holds (see [`precision_unmet`]
/// for the rule) or its maximum is reached. Replication `r` is seeded by `r` alone, so the
/// first n replications are the same whatever the batches, and the thread count changes
/// nothing.
pub fn run_to_precision(scenario: &Scenario, rule: PrecisionRule, threads: Option<usize>) -> Result<(Comparison, PrecisionReport)> {
    with_threads(threads, || {
        replicate(scenario, Some(rule)).map(|(comparison, report)| (comparison, report.expect("a rule gives a report")))
    })?
}

/// Runs `scenario.run.replications` replications of every model on the current pool, then,
/// with a rule, more in batches until it holds. The first batch has at least two
/// replications (an interval needs two); each later batch aims at the size the widest
/// interval projects (n (half-width / target)^2), at least [`MIN_BATCH`] more and at most
/// double, never past the maximum.
pub fn replicate(scenario: &Scenario, rule: Option<PrecisionRule>) -> Result<(Comparison, Option<PrecisionReport>)> {
    replicate_observed(scenario, rule, None)
}

/// [`replicate`], counting finished jobs in `progress` when given.
fn replicate_observed(
    scenario: &Scenario,
    rule: Option<PrecisionRule>,
    progress: Option<&Progress>,
) -> Result<(Comparison, Option<PrecisionReport>)> {
    let n_models = scenario.models.len();
    let mut n = match rule {
        Some(rule) => scenario.run.replications.max(2).min(rule.max_replications),
        None => scenario.run.replications,
    };
    let mut per_model: Vec<Vec<ReplicationResult>> = vec![Vec::new(); n_models];
    let mut done = 0;
    let mut report = None;
    loop {
        let batch = run_range(scenario, done..n, progress)?;
        for (i, result) in batch.into_iter().enumerate() {
            per_model[i / (n - done) as usize].push(result);
        }
        done = n;
        let Some(rule) = rule else { break };
        let (unmet, projected) = unmet_in(&per_model, n, rule.relative_half_width);
        if unmet.is_empty() || n >= rule.max_replications {
            report = Some(PrecisionReport { rule, met: unmet.is_empty(), n_replications: n, unmet });
            break;
        }
        n = (n + MIN_BATCH).max(projected.min(2 * n)).min(rule.max_replications);
    }
    let comparison = Comparison {
        scenario_name: scenario.name.clone(),
        seed: scenario.run.seed,
        replications: n,
        model_names: scenario.models.iter().map(|m| m.name.clone()).collect(),
        results: per_model.into_iter().flatten().collect(),
    };
    Ok((comparison, report))
}

/// The (model, metric) pairs whose 95% half-width is wider than `relative_half_width` x
/// |mean|, and the replications the widest projects to be enough.
///
/// The rule, metric by metric: a metric never observed (no mean) is left out; one observed
/// in fewer than two replications is unmet; otherwise it is met when half-width <=
/// relative_half_width x |mean|. So a metric that is exactly zero in every replication
/// (half-width 0) is met, while one whose mean is near zero but which varies (a rare lost
/// family) is relatively wide and may need the maximum: the report then names it.
pub fn precision_unmet(comparison: &Comparison, relative_half_width: f64) -> (Vec<Unmet>, u32) {
    let per_model: Vec<&[ReplicationResult]> = (0..comparison.model_names.len()).map(|m| comparison.model_results(m)).collect();
    unmet_in(&per_model, comparison.replications, relative_half_width)
}

fn unmet_in<R: AsRef<[ReplicationResult]>>(per_model: &[R], n: u32, relative_half_width: f64) -> (Vec<Unmet>, u32) {
    let mut unmet = Vec::new();
    let mut projected = n;
    for (model_idx, results) in per_model.iter().enumerate() {
        for metric_idx in 0..N_METRICS {
            let values = results.as_ref().iter().filter_map(|r| r.values[metric_idx]);
            let Some(estimate) = Estimate::from_values(values) else {
                continue;
            };
            let target = relative_half_width * estimate.mean.abs();
            let (relative, wanted) = match estimate.half_width() {
                Some(half) if half <= target => continue,
                Some(half) if target > 0.0 => {
                    let wanted = (f64::from(n) * (half / target).powi(2)).ceil().min(f64::from(u32::MAX)) as u32;
                    (Some(half / estimate.mean.abs()), wanted)
                }
                _ => (None, n.saturating_mul(2)),
            };
            projected = projected.max(wanted);
            unmet.push(Unmet { model_idx, metric_idx, relative_half_width: relative });
        }
    }
    (unmet, projected)
}

/// Runs `work` for every item on `threads` threads (all cores when `None`), results in item
/// order. Each item may itself call [`replicate`]; its replications share the same pool.
pub fn for_each_point<T: Sync, R: Send>(items: &[T], threads: Option<usize>, work: impl Fn(&T) -> R + Sync + Send) -> Result<Vec<R>> {
    with_threads(threads, || items.par_iter().map(&work).collect())
}

impl Comparison {
    /// Replications of one model, in replication order.
    pub fn model_results(&self, model_idx: usize) -> &[ReplicationResult] {
        let n = self.replications as usize;
        &self.results[model_idx * n..(model_idx + 1) * n]
    }

    /// Mean, confidence interval and (for waits) pooled percentiles of every metric.
    pub fn summarise(&self, model_idx: usize) -> Vec<MetricSummary> {
        let reps = self.model_results(model_idx);
        (0..N_METRICS)
            .map(|m| {
                let estimate = Estimate::from_values(reps.iter().filter_map(|r| r.values[m]));
                let percentiles = WAIT_METRICS.iter().position(|w| *w as usize == m).map(|wait_idx| {
                    let pooled = pool_waits(reps.iter().map(|r| &r.waits[wait_idx]));
                    PERCENTILES.map(|(_, q)| percentile_days(&pooled, q))
                });
                MetricSummary { estimate, percentiles }
            })
            .collect()
    }

    /// The estimate of one metric for one model.
    pub fn estimate(&self, model_idx: usize, metric: Metric) -> Option<Estimate> {
        Estimate::from_values(self.model_results(model_idx).iter().filter_map(|r| r.value(metric)))
    }
}

/// Metric names, for callers that do not want to import the table.
pub fn metric_names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|m| m.name)
}
