//! Running an experiment: every model for every replication, in parallel, combined in index
//! order so results never depend on the thread count.
//!
//! **Invariant:** rayon is used only here, across (model, replication) pairs; each pair is a
//! pure function of its indices, and results are collected in index order.

use crate::engine;
use crate::error::{Error, Result};
use crate::metrics::{new_wait_histogram, percentile_days, Estimate, Metric, ReplicationResult, METRICS, N_METRICS, PERCENTILES, WAIT_METRICS};
use crate::model::Scenario;
use hdrhistogram::Histogram;
use rayon::prelude::*;

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
    /// Percentiles (p50, p90, p99) of the pooled wait distribution, for `*_days` metrics.
    pub percentiles: Option<[Option<f64>; 3]>,
}

/// Runs every model of `scenario` for `scenario.run.replications` replications on `threads`
/// threads (all cores when `None`).
pub fn run(scenario: &Scenario, threads: Option<usize>) -> Result<Comparison> {
    let n_reps = scenario.run.replications;
    let jobs: Vec<(usize, u32)> =
        (0..scenario.models.len()).flat_map(|m| (0..n_reps).map(move |r| (m, r))).collect();
    let work = || -> Vec<Result<ReplicationResult>> {
        jobs.par_iter().map(|&(model_idx, replication)| engine::simulate(scenario, model_idx, replication)).collect()
    };
    let outcomes = match threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::BadArgument { option: "--threads".into(), message: format!("cannot start {n} threads: {e}") })?
            .install(work),
        None => work(),
    };
    let results = outcomes.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(Comparison {
        scenario_name: scenario.name.clone(),
        seed: scenario.run.seed,
        replications: n_reps,
        model_names: scenario.models.iter().map(|m| m.name.clone()).collect(),
        results,
    })
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
                    let mut pooled: Histogram<u64> = new_wait_histogram();
                    for r in reps {
                        pooled.add(&r.waits[wait_idx]).expect("histograms share bounds");
                    }
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
