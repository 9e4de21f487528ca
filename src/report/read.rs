//! Reading a finished results folder (`summary.json`, `replications.csv`, `timeseries.csv`,
//! `scenario.ron`, and `provenance.json` when the run wrote one) back into memory.
//!
//! The report is built only from these files, never from a `Comparison` in memory, so
//! `joinedup report DIR` gives the same page for any finished run as `run --report` did.

use crate::error::{Error, Result};
use crate::metrics::{METRICS, MONTH_DAYS, TIMESERIES};
use crate::output::SCHEMA_VERSION;
use crate::provenance::{self, Provenance};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One metric of one model as `summary.json` states it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct MetricFile {
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
}

impl MetricFile {
    /// The pooled percentiles, in [`crate::metrics::PERCENTILES`] order.
    pub fn percentiles(&self) -> [Option<f64>; 3] {
        [self.p50, self.p90, self.p99]
    }
}

#[derive(Deserialize)]
struct ModelFile {
    name: String,
    metrics: BTreeMap<String, MetricFile>,
}

#[derive(Deserialize)]
struct SummaryFile {
    schema_version: u32,
    scenario: String,
    seed: u64,
    replications: u32,
    models: Vec<ModelFile>,
}

#[derive(Deserialize)]
struct ReplicationRow {
    model: String,
    metric: String,
    value: f64,
}

#[derive(Deserialize)]
struct TimeseriesRow {
    model: String,
    month: usize,
    metric: String,
    value: f64,
}

/// One model's results.
#[derive(Debug, Clone)]
pub struct ModelResults {
    pub name: String,
    /// One entry per metric, in [`METRICS`] order; `None` when `summary.json` lacks it.
    pub summary: Vec<Option<MetricFile>>,
    /// Per-replication values of each metric, in [`METRICS`] order and replication order.
    pub replications: Vec<Vec<f64>>,
}

/// A monthly series: the mean across replications of each model, month by month.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// One entry per model (in model order), one value per month; `None` where no replication
    /// observed the month.
    pub by_model: Vec<Vec<Option<f64>>>,
}

/// Everything a report needs from a results folder.
#[derive(Debug, Clone)]
pub struct Results {
    pub dir: PathBuf,
    pub scenario: String,
    /// The scenario's own description, when `scenario.ron` could be read.
    pub description: Option<String>,
    pub seed: u64,
    pub replications: u32,
    pub models: Vec<ModelResults>,
    /// In [`TIMESERIES`] order, then any other series in the file by name.
    pub timeseries: Vec<Series>,
    pub provenance: Provenance,
    /// Whether `provenance.json` was present (otherwise it was rebuilt from `scenario.ron`,
    /// and the command that made the run is unknown).
    pub provenance_recorded: bool,
    /// SHA-256 of `scenario.ron` as found now; differs from the recorded one if the file was
    /// edited after the run.
    pub scenario_sha256_now: String,
}

impl Results {
    /// Months that lie wholly inside the horizon: a last, partial month would show a
    /// misleading dip in counts.
    pub fn full_months(&self) -> usize {
        (self.provenance.horizon_days / MONTH_DAYS + 1e-9).floor() as usize
    }

    /// Index of a model by name.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.models.iter().position(|m| m.name == name)
    }
}

/// What to tell a user whose folder is not a complete run.
const FIX_RERUN: &str = "This file is written by `joinedup run`; point `joinedup report` at a folder that a finished run wrote (`joinedup run --out DIR`), or run the scenario again.";

fn fail(path: &Path, message: impl Into<String>) -> Error {
    Error::ReadResults { path: path.to_path_buf(), message: message.into() }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| fail(path, format!("{e}. {FIX_RERUN}")))
}

/// What a results folder holds, by the files in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// `summary.json`: a run (`joinedup run`, or the workbench).
    Run,
    /// `sweep.json`: a finished sweep (`joinedup sweep`, or `joinedup merge` of its shards).
    Sweep,
}

/// Which report `dir` can have. A folder that is neither a run's nor a finished sweep's is
/// refused with what it is and what to do: an unfinished sweep or a shard names its points
/// and the command that finishes it.
pub fn folder(dir: &Path) -> Result<Folder> {
    if !dir.is_dir() {
        return Err(fail(
            dir,
            "no such folder. Give the folder a run wrote its results into (by default results/<scenario name>/), or a sweep's (by default results/sweeps/<plan name>/).",
        ));
    }
    // sweep.json is the last file a sweep writes, so its presence means the sweep finished.
    if dir.join("sweep.json").exists() {
        return Ok(Folder::Sweep);
    }
    if dir.join("summary.json").exists() {
        return Ok(Folder::Run);
    }
    // A shard.json that cannot be read is bad input to `report` (exit 2), like any other
    // damaged results file, not a failure of the sweep itself.
    let shard = crate::sweep::unfinished(dir).map_err(|e| fail(&dir.join("shard.json"), e.to_string()))?;
    if let Some(unfinished) = shard {
        let crate::sweep::Unfinished { plan, shard, n_points_shard, n_points_done } = unfinished;
        let message = if shard.n > 1 {
            format!(
                "there is no sweep.json: the folder holds shard {shard} of sweep `{plan}` ({n_points_done} of its {n_points_shard} points finished), and a shard has only part of the points. \
When every shard is finished, merge them with `joinedup merge <each shard's folder> --out <folder> --report`, or run `joinedup report` on the merged folder."
            )
        } else if n_points_done == n_points_shard {
            format!(
                "there is no sweep.json: every one of the {n_points_shard} points of sweep `{plan}` is finished, but the final files were not written (the sweep was stopped while writing them). \
Run the same `joinedup sweep` command again to write them (add --report for the report), then `joinedup report` if you did not."
            )
        } else {
            format!(
                "there is no sweep.json: sweep `{plan}` is unfinished, with {n_points_done} of its {n_points_shard} points done. \
Run the same `joinedup sweep` command again to finish it (finished points are kept; add --report to write the report at the end), then `joinedup report`."
            )
        };
        return Err(fail(dir, message));
    }
    Err(fail(
        dir,
        "this folder holds neither summary.json (written by `joinedup run`) nor sweep.json (written by `joinedup sweep` or `joinedup merge` when a sweep is finished). \
Point `joinedup report` at the folder a finished run or sweep wrote its results into.",
    ))
}

/// Reads the results folder `dir`.
pub fn read(dir: &Path) -> Result<Results> {
    if !dir.is_dir() {
        return Err(fail(dir, "no such folder. Give the folder a run wrote its results into (by default results/<scenario name>/)."));
    }
    let summary_path = dir.join("summary.json");
    let summary: SummaryFile = serde_json::from_str(&read_text(&summary_path)?)
        .map_err(|e| fail(&summary_path, format!("line {}, column {}: {e}. {FIX_RERUN}", e.line(), e.column())))?;
    if summary.schema_version != SCHEMA_VERSION {
        return Err(fail(
            &summary_path,
            format!(
                "schema_version is {}, but this joinedup reads version {SCHEMA_VERSION}. Make the report with the joinedup version that ran it, or run scenario.ron again with this one.",
                summary.schema_version
            ),
        ));
    }
    if summary.models.is_empty() {
        return Err(fail(&summary_path, format!("the file lists no models. {FIX_RERUN}")));
    }
    let mut models: Vec<ModelResults> = summary
        .models
        .iter()
        .map(|m| ModelResults {
            name: m.name.clone(),
            summary: METRICS.iter().map(|def| m.metrics.get(def.name).copied()).collect(),
            replications: vec![Vec::new(); METRICS.len()],
        })
        .collect();
    let model_index = |name: &str, path: &Path, line: u64| -> Result<usize> {
        models_position(&summary.models, name).ok_or_else(|| {
            fail(path, format!("line {line}: model `{name}` is not in summary.json. The files come from different runs; {FIX_RERUN}"))
        })
    };

    let replications_path = dir.join("replications.csv");
    for (line, row) in csv_rows::<ReplicationRow>(&replications_path)? {
        let m = model_index(&row.model, &replications_path, line)?;
        // Percentile rows (`*_p50`) and metrics this version does not know are not needed here.
        if let Some(metric) = METRICS.iter().position(|d| d.name == row.metric) {
            models[m].replications[metric].push(row.value);
        }
    }

    let timeseries_path = dir.join("timeseries.csv");
    // series name → model → month → (sum, count)
    let mut sums: BTreeMap<String, Vec<Vec<(f64, u32)>>> = BTreeMap::new();
    for (line, row) in csv_rows::<TimeseriesRow>(&timeseries_path)? {
        let m = model_index(&row.model, &timeseries_path, line)?;
        let per_model = sums.entry(row.metric).or_insert_with(|| vec![Vec::new(); summary.models.len()]);
        let months = &mut per_model[m];
        if months.len() <= row.month {
            months.resize(row.month + 1, (0.0, 0));
        }
        months[row.month].0 += row.value;
        months[row.month].1 += 1;
    }
    let mut names: Vec<String> = TIMESERIES.iter().filter(|n| sums.contains_key(**n)).map(|n| n.to_string()).collect();
    names.extend(sums.keys().filter(|k| !TIMESERIES.contains(&k.as_str())).cloned());
    let timeseries = names
        .into_iter()
        .map(|name| {
            let by_model =
                sums[&name].iter().map(|months| months.iter().map(|&(sum, n)| (n > 0).then(|| sum / f64::from(n))).collect()).collect();
            Series { name, by_model }
        })
        .collect();

    let scenario_path = dir.join("scenario.ron");
    let scenario_text = read_text(&scenario_path)?;
    let scenario_sha256_now = provenance::sha256_hex(scenario_text.as_bytes());
    let loaded = crate::scenario::load_str(&scenario_path.display().to_string(), &scenario_text, &[]);
    let description = loaded.as_ref().ok().map(|l| l.raw.description.clone()).filter(|d| !d.trim().is_empty());

    let provenance_path = dir.join(provenance::FILE_NAME);
    let (provenance, provenance_recorded) = if provenance_path.exists() {
        let text = read_text(&provenance_path)?;
        let recorded: Provenance = serde_json::from_str(&text).map_err(|e| {
            fail(
                &provenance_path,
                format!("line {}, column {}: {e}. Remove the file to report without it, or run the scenario again.", e.line(), e.column()),
            )
        })?;
        (recorded, true)
    } else {
        // A run from before provenance.json existed: rebuild what the scenario itself says.
        let loaded = loaded.map_err(|e| {
            fail(&scenario_path, format!("there is no provenance.json, and scenario.ron cannot be read to rebuild it: {e}"))
        })?;
        let mut rebuilt = Provenance::new(&loaded.scenario, &scenario_text, &[]);
        rebuilt.joinedup_version = "unknown (no provenance.json)".into();
        (rebuilt, false)
    };

    // Keep the report's sentences honest: every model must have its replications.
    for model in &mut models {
        if model.replications.iter().all(Vec::is_empty) {
            return Err(fail(&replications_path, format!("there are no rows for model `{}`. {FIX_RERUN}", model.name)));
        }
    }
    Ok(Results {
        dir: dir.to_path_buf(),
        scenario: summary.scenario,
        description,
        seed: summary.seed,
        replications: summary.replications,
        models,
        timeseries,
        provenance,
        provenance_recorded,
        scenario_sha256_now,
    })
}

fn models_position(models: &[ModelFile], name: &str) -> Option<usize> {
    models.iter().position(|m| m.name == name)
}

/// Every row of a CSV file with a header line, each with its 1-based line number.
fn csv_rows<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<(u64, T)>> {
    let file = std::fs::File::open(path).map_err(|e| fail(path, format!("{e}. {FIX_RERUN}")))?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let row = record.deserialize(Some(&headers)).map_err(|e| fail(path, format!("line {line}: {e}. {FIX_RERUN}")))?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let place = error.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    fail(path, format!("{place}{error}. {FIX_RERUN}"))
}
