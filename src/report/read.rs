//! Reading a finished results folder (`summary.json`, with the run's warnings when it had any,
//! `replications.csv`, `timeseries.csv`, `scenario.ron`, and `provenance.json` when the run
//! wrote one) back into memory.
//!
//! The report is built only from these files, never from a `Comparison` in memory, so
//! `joinedup report DIR` gives the same page for any finished run as `run --report` did.
//! The files are checked against what `summary.json` promises (every model, replication and
//! month, finite numbers only), and the rows written only sometimes against what the other
//! rows, `summary.json`'s means and the scenario imply, so a folder cut short is refused rather
//! than reported on.

use super::count;
use super::rows::{self, RowNames, Seen, Stated, Twice};
use crate::error::{Error, Result};
use crate::metrics::{ALWAYS_WRITTEN_SERIES, METRICS, MONTH_DAYS, SERIES_WRITTEN_BY_SCENARIO, SERIES_WRITTEN_WITH_SERVICES, TIMESERIES};
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
    /// Absent when the run had no warnings (and in folders from before they were kept).
    #[serde(default)]
    warnings: Vec<String>,
    models: Vec<ModelFile>,
}

#[derive(Deserialize)]
struct ReplicationRow {
    model: String,
    replication: u32,
    metric: String,
    value: f64,
}

#[derive(Deserialize)]
struct TimeseriesRow {
    model: String,
    replication: u32,
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
    /// Per-replication values of each metric, in [`METRICS`] order, indexed by replication
    /// (`None` where the replication observed nothing): replication r of every model faced the
    /// same families, so the comparison pairs them by index.
    pub replications: Vec<Vec<Option<f64>>>,
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
    /// What `joinedup run` warned about the run (`summary.json`'s `warnings`, written by
    /// `overload::warnings`), in the order it printed them; empty when it warned about nothing.
    pub warnings: Vec<String>,
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
        let what = if dir.exists() { "it is a file, not a folder" } else { "no such folder" };
        return Err(fail(
            dir,
            format!(
                "{what}. Give the folder a run wrote its results into (by default results/<scenario name>/), or a sweep's (by default results/sweeps/<plan name>/)."
            ),
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

/// Reads the results folder `dir`, checking that its files hold everything `summary.json`
/// promises: rows for every model and replication in `replications.csv`, every month of every
/// replication in `timeseries.csv`, and only finite numbers. Rows written only sometimes (a
/// wait, rates per closed episode, utilisation, trust) are checked too: each group written
/// together is whole, each metric's rows give `summary.json`'s mean and interval, and what
/// the scenario decides is the same in every replication.
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
    if summary.models.is_empty() || summary.replications == 0 {
        return Err(fail(&summary_path, format!("the file lists no models or no replications. {FIX_RERUN}")));
    }

    // Provenance first: the horizon says how many months the time series must have, and the
    // recorded command is how to remake a damaged folder.
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
    let fix = remake(dir, &provenance, provenance_recorded);

    let n_models = summary.models.len();
    let n_replications = summary.replications as usize;
    let mut models: Vec<ModelResults> = summary
        .models
        .iter()
        .map(|m| ModelResults {
            name: m.name.clone(),
            summary: METRICS.iter().map(|def| m.metrics.get(def.name).copied()).collect(),
            replications: vec![vec![None; n_replications]; METRICS.len()],
        })
        .collect();
    let model_index = |name: &str, path: &Path, line: u64| -> Result<usize> {
        models_position(&summary.models, name).ok_or_else(|| {
            fail(path, format!("line {line}: model `{name}` is not in summary.json. The files come from different runs. {fix}"))
        })
    };
    let replication_index = |replication: u32, path: &Path, line: u64| -> Result<usize> {
        (replication < summary.replications).then_some(replication as usize).ok_or_else(|| {
            fail(
                path,
                format!(
                    "line {line}: replication {replication}, but summary.json says the run has {n_replications} (numbered 0 to {}). The files come from different runs. {fix}",
                    n_replications - 1
                ),
            )
        })
    };

    let replications_path = dir.join("replications.csv");
    let bytes = read_csv(&replications_path, "model,replication,metric,value", &fix)?;
    // By model and replication: the rows it has, to find rows missing or written twice.
    let mut seen = vec![Seen::default(); n_models * n_replications];
    let names = RowNames::new();
    for_each_row::<ReplicationRow>(&replications_path, &bytes, &fix, |line, row| {
        finite(&replications_path, line, row.value, &fix)?;
        let m = model_index(&row.model, &replications_path, line)?;
        let r = replication_index(row.replication, &replications_path, line)?;
        let recorded = names.record(&mut seen[m * n_replications + r], &row.metric).map_err(|Twice| {
            fail(
                &replications_path,
                format!("line {line}: a second `{}` row for model `{}`, replication {r}. {fix}", row.metric, row.model),
            )
        })?;
        // Percentile rows and metrics this version does not know are not shown.
        if let Some(metric) = recorded {
            models[m].replications[metric][r] = Some(row.value);
        }
        Ok(())
    })?;
    for (i, rows) in seen.iter().enumerate() {
        if let Some(metric) = rows.missing_always_written() {
            return Err(fail(
                &replications_path,
                format!(
                    "there is no `{}` row for model `{}`, replication {}, though every replication of every model has one \
(summary.json lists {} and {n_replications} replication{}): rows are missing. {fix}",
                    METRICS[metric as usize].name,
                    summary.models[i / n_replications].name,
                    i % n_replications,
                    count(n_models, "model"),
                    if n_replications == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    for (m, model) in summary.models.iter().enumerate() {
        rows::check_written_together(
            &replications_path,
            &format!("model `{}`", model.name),
            &seen[m * n_replications..(m + 1) * n_replications],
            &fix,
        )?;
    }
    check_against_summary(&replications_path, &summary.models, &models, &fix)?;

    let timeseries_path = dir.join("timeseries.csv");
    let n_months = crate::metrics::n_months(provenance.horizon_days);
    let bytes = read_csv(&timeseries_path, "model,replication,month,metric,value", &fix)?;
    let cells = n_models * n_replications * n_months;
    // Each cell needs a row of every always-written series, each row at least ten bytes: a
    // file shorter than that cannot be whole (and the check below never allocates more than
    // the file it checks).
    if bytes.len() < cells * ALWAYS_WRITTEN_SERIES.len() * 10 {
        return Err(fail(
            &timeseries_path,
            format!(
                "the file is too short for {}, {n_replications} replication{} and {n_months} months (the horizon of {} days): rows are missing. {fix}",
                count(n_models, "model"),
                if n_replications == 1 { "" } else { "s" },
                provenance.horizon_days
            ),
        ));
    }
    // By model, replication and month: a bit for each series in TIMESERIES with a row, and
    // STARTED when the month's `services_started` is above zero.
    const STARTED: u16 = 1 << 15;
    let services_started = TIMESERIES.iter().position(|n| *n == "services_started").expect("a series");
    let mut seen = vec![0u16; cells];
    // series name → model → month → (sum, count)
    let mut sums: BTreeMap<String, Vec<Vec<(f64, u32)>>> = BTreeMap::new();
    for_each_row::<TimeseriesRow>(&timeseries_path, &bytes, &fix, |line, row| {
        finite(&timeseries_path, line, row.value, &fix)?;
        let m = model_index(&row.model, &timeseries_path, line)?;
        let r = replication_index(row.replication, &timeseries_path, line)?;
        if row.month >= n_months {
            return Err(fail(
                &timeseries_path,
                format!(
                    "line {line}: month {}, but the horizon of {} days has months 0 to {}. The files come from different runs. {fix}",
                    row.month,
                    provenance.horizon_days,
                    n_months - 1
                ),
            ));
        }
        if let Some(series) = TIMESERIES.iter().position(|n| *n == row.metric) {
            let cell = &mut seen[(m * n_replications + r) * n_months + row.month];
            if *cell & (1 << series) != 0 {
                return Err(fail(
                    &timeseries_path,
                    format!(
                        "line {line}: a second `{}` row for model `{}`, replication {r}, month {}. {fix}",
                        row.metric, row.model, row.month
                    ),
                ));
            }
            *cell |= 1 << series;
            if series == services_started && row.value > 0.0 {
                *cell |= STARTED;
            }
        }
        let per_model = sums.entry(row.metric).or_insert_with(|| vec![Vec::new(); n_models]);
        let months = &mut per_model[m];
        if months.len() <= row.month {
            months.resize(row.month + 1, (0.0, 0));
        }
        months[row.month].0 += row.value;
        months[row.month].1 += 1;
        Ok(())
    })?;
    let always: Vec<usize> = ALWAYS_WRITTEN_SERIES
        .iter()
        .map(|name| TIMESERIES.iter().position(|n| n == name).expect("an always-written series is a series"))
        .collect();
    for (i, mask) in seen.iter().enumerate() {
        if let Some(&series) = always.iter().find(|&&series| mask & (1 << series) == 0) {
            let (model, month) = (i / n_months / n_replications, i % n_months);
            return Err(fail(
                &timeseries_path,
                format!(
                    "there is no `{}` row for model `{}`, replication {}, month {month}, though every month (0 to {}) of every replication has one: rows are missing. {fix}",
                    TIMESERIES[series],
                    summary.models[model].name,
                    i / n_months % n_replications,
                    n_months - 1
                ),
            ));
        }
    }
    check_series_written_sometimes(&timeseries_path, &summary.models, n_replications, n_months, &seen, STARTED, &fix)?;
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

    Ok(Results {
        dir: dir.to_path_buf(),
        scenario: summary.scenario,
        description,
        seed: summary.seed,
        replications: summary.replications,
        warnings: summary.warnings,
        models,
        timeseries,
        provenance,
        provenance_recorded,
        scenario_sha256_now,
    })
}

// The checks keep a bit per series, and one for "services started", in a `u16`.
const _: () = assert!(crate::metrics::N_TIMESERIES < 16);

/// Checks the monthly rows of `timeseries.csv` (`path`) that are written only sometimes: the
/// month's mean wait to a service exactly when a service started that month (the `started` bit
/// of `seen`), and the series whose presence the scenario fixes (`SERIES_WRITTEN_BY_SCENARIO`)
/// in every replication of a model or in none. `seen` holds a bit per series (in TIMESERIES
/// order) for each model, replication and month.
fn check_series_written_sometimes(
    path: &Path,
    models: &[ModelFile],
    n_replications: usize,
    n_months: usize,
    seen: &[u16],
    started: u16,
    fix: &str,
) -> Result<()> {
    let bit = |name: &str| 1u16 << TIMESERIES.iter().position(|n| *n == name).expect("a series");
    let wait = bit(SERIES_WRITTEN_WITH_SERVICES);
    let place = |i: usize| {
        format!(
            "model `{}`, replication {}, month {}",
            models[i / n_months / n_replications].name,
            i / n_months % n_replications,
            i % n_months
        )
    };
    for (i, &mask) in seen.iter().enumerate() {
        match (mask & started != 0, mask & wait != 0) {
            (true, false) => {
                return Err(fail(
                    path,
                    format!(
                        "there is no `{SERIES_WRITTEN_WITH_SERVICES}` row for {}, though its `services_started` row says services started that month, \
and their mean wait is written whenever one did: rows are missing. {fix}",
                        place(i)
                    ),
                ));
            }
            (false, true) => {
                return Err(fail(
                    path,
                    format!(
                        "there is a `{SERIES_WRITTEN_WITH_SERVICES}` row for {}, though its `services_started` row says no service started that month, \
so there was no wait to average: the file was changed. {fix}",
                        place(i)
                    ),
                ));
            }
            _ => {}
        }
    }
    for name in SERIES_WRITTEN_BY_SCENARIO {
        let bit = bit(name);
        for m in 0..models.len() {
            for month in 0..n_months {
                let cell = |r: usize| seen[(m * n_replications + r) * n_months + month] & bit != 0;
                if let (Some(with), Some(without)) = ((0..n_replications).find(|&r| cell(r)), (0..n_replications).find(|&r| !cell(r))) {
                    return Err(fail(
                        path,
                        format!(
                            "there is no `{name}` row for {}, though replication {with} has one for that month, and whether it is written depends only on the scenario \
(which units are open, and which agencies the model has), so every replication has it or none does: rows are missing. {fix}",
                            place((m * n_replications + without) * n_months + month)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Checks each model's metrics in `summary.json` against the per-replication values read from
/// `replications.csv` (`path`): the summary's mean and interval were computed from exactly
/// those values, so rows missing from a metric written only in some replications (a wait, a
/// rate per closed episode) show as a mean, an interval or a count of replications that no
/// longer agrees. A metric `summary.json` does not list is left alone.
fn check_against_summary(path: &Path, files: &[ModelFile], models: &[ModelResults], fix: &str) -> Result<()> {
    for (file, model) in files.iter().zip(models) {
        for (k, (def, values)) in METRICS.iter().zip(&model.replications).enumerate() {
            let Some(summary) = &model.summary[k] else { continue };
            let stated = summary.mean.map(|mean| Stated { mean, ci95: summary.ci95_low.zip(summary.ci95_high), n: None });
            if let Some((stated, found)) = rows::disagreement(stated, values, "no value (no replication observed it)", "the run's") {
                return Err(fail(
                    path,
                    format!(
                        "summary.json gives model `{}`'s `{}` {stated}, computed from this file's rows, but {found}: rows are missing, or the files were changed. {fix}",
                        file.name, def.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What to tell a user whose run folder's files are damaged or incomplete: how to make the
/// results again.
fn remake(dir: &Path, provenance: &Provenance, recorded: bool) -> String {
    let scenario = dir.join("scenario.ron");
    let again = format!("`joinedup run {} --out NEW_FOLDER`", provenance::shell_quote(&scenario.display().to_string()));
    let start = "The results folder looks damaged or incomplete (a file cut short, or changed since the run).";
    if recorded {
        format!(
            "{start} Make the results again with the command recorded in provenance.json, `{}` (with --out to choose the folder, and --force to replace results there), \
or with {again}, which gives the same results.",
            provenance.command_line()
        )
    } else {
        format!("{start} Make the results again with {again}: scenario.ron holds every setting of the run, so it gives the same results.")
    }
}

fn finite(path: &Path, line: u64, value: f64, fix: &str) -> Result<()> {
    if value.is_finite() {
        return Ok(());
    }
    Err(fail(path, format!("line {line}, field `value`: `{value}` is not a finite number (joinedup never writes one). {fix}")))
}

fn models_position(models: &[ModelFile], name: &str) -> Option<usize> {
    models.iter().position(|m| m.name == name)
}

/// The whole of a CSV file joinedup wrote, checked to start with `header` and to end with a
/// line break (every line joinedup writes has one, so a file without it was cut short, perhaps
/// in the middle of a number that would still parse).
pub(crate) fn read_csv(path: &Path, header: &str, fix: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| fail(path, format!("{e}. {fix}")))?;
    if bytes.is_empty() {
        return Err(fail(path, format!("the file is empty. {fix}")));
    }
    if !bytes.ends_with(b"\n") {
        let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(fail(path, format!("line {line} (the last) stops without a line break: the file was cut short. {fix}")));
    }
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    if first.trim_end_matches('\r') != header {
        return Err(fail(path, format!("line 1: the columns are `{first}`, but this file has `{header}`. {fix}")));
    }
    Ok(bytes)
}

/// Calls `each` with every row of the CSV file `bytes` (read from `path`) after its header,
/// and the row's 1-based line number.
fn for_each_row<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    fix: &str,
    mut each: impl FnMut(u64, T) -> Result<()>,
) -> Result<()> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(path, &e, fix))?.clone();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(path, &e, fix)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let row = record.deserialize(Some(&headers)).map_err(|e| fail(path, format!("line {line}: {e}. {fix}")))?;
        each(line, row)?;
    }
}

fn csv_error(path: &Path, error: &csv::Error, fix: &str) -> Error {
    let place = error.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    fail(path, format!("{place}{error}. {fix}"))
}
