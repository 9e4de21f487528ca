//! The sweep report: what each factor of a sweep changes, in sentences and charts, read back
//! from a finished sweep's folder (`sweep.json`, `points.csv`, `replications.csv`,
//! `morris.csv`, `plan.ron`, `scenario.ron`), so `sweep --report`, `merge --report` and
//! `joinedup report DIR` give the same page.
//!
//! For each headline measure ([`HEADLINE_METRICS`]) and model, the page names the factor with
//! the largest effect, ranks every factor by effect (one chart per measure), then draws each
//! measure against each factor with 95% intervals. The effect measure depends on the design
//! (docs/sweeps.md, "The sweep report"): Morris μ* and σ from `morris.csv` for a Morris
//! design; the range of the measure's means across the factor's levels for a factorial one;
//! the change across the factor's range of a linear regression on every factor for a
//! Latin hypercube.

use super::compare::{Kind, words_for};
use super::rows::{self, RowNames, Seen, Stated, Twice};
use super::{Section, charts, count, esc, esc_code, figure, model_legend, page};
use crate::error::{Error, Result};
use crate::metrics::{ALWAYS_WRITTEN_METRICS, CUT_AT_ZERO_NOTE, Estimate, METRICS, Metric, N_METRICS, shown_interval};
use crate::output::human;
use crate::sweep::{DesignInfo, PointWarnings, SweepInfo};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The measures a planner looks at first, in the order the report shows them: waits,
/// handoffs, duplication (a family telling its story again), escalation, families lost,
/// unmet need and cost.
pub const HEADLINE_METRICS: [Metric; 8] = [
    Metric::WaitServiceStart,
    Metric::HandoffsPerEpisode,
    Metric::RetellingsPerEpisode,
    Metric::EscalationTier3,
    Metric::EscalationTier4,
    Metric::LostEpisodes,
    Metric::UnmetNeedChildDays,
    Metric::StaffCost,
];

/// A mean with its 95% interval, in the files' own units (shares 0-1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub mean: f64,
    pub ci95: Option<(f64, f64)>,
}

/// The design points that share one value of one factor.
#[derive(Debug, Clone)]
pub struct Group {
    /// The value as the files write it.
    pub value: String,
    /// The value as a number, when every value of the factor is one.
    pub x: Option<f64>,
    pub points: Vec<usize>,
    /// By model, then headline measure: the mean of the group's point means (each point
    /// weighing the same), with a 95% interval (see [`read`]).
    pub cells: Vec<Vec<Option<Cell>>>,
}

/// One factor's values, each with its points.
#[derive(Debug, Clone)]
pub struct FactorGroups {
    /// Every value is a number: drawn on a numeric axis, in increasing order. Otherwise
    /// (text or true/false levels) the values keep the plan's order.
    pub numeric: bool,
    pub groups: Vec<Group>,
}

/// A factor's Morris statistics for one model and measure, as `morris.csv` gives them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisEffects {
    pub mu_star: f64,
    pub mu: f64,
    pub sigma: Option<f64>,
}

/// Everything the sweep report needs from a sweep's folder.
#[derive(Debug, Clone)]
pub struct SweepResults {
    pub dir: PathBuf,
    pub info: SweepInfo,
    /// Points that met the precision and points that stopped at the maximum, with a precision.
    pub precision_outcome: Option<(usize, usize)>,
    /// Each point's factor values as `points.csv` writes them (always `Some`: [`read`] refuses
    /// a `points.csv` without rows for every point).
    pub point_values: Vec<Option<Vec<String>>>,
    /// By point, model, then headline measure: the point's mean and interval (`points.csv`).
    pub cells: Vec<Vec<Vec<Option<Cell>>>>,
    /// By factor.
    pub factors: Vec<FactorGroups>,
    /// Morris designs: by model, headline measure, then factor (`morris.csv`).
    pub morris: Option<Vec<Vec<Vec<Option<MorrisEffects>>>>>,
    /// Every factor's effect, by model, headline measure, then factor ([`effect`]).
    pub effects: Vec<Vec<Vec<Option<Effect>>>>,
    /// SHA-256 of `plan.ron` and of `scenario.ron` (a folder without them is refused).
    pub plan_sha256: String,
    pub scenario_sha256: String,
    /// The joinedup version that assembled the sweep (`sweep.json`); `None` for sweeps
    /// assembled before it was recorded.
    pub joinedup_version: Option<String>,
    /// The points whose runs gave warnings (`sweep.json`'s `points_with_warnings`), in point
    /// order; empty when none did.
    pub points_with_warnings: Vec<PointWarnings>,
}

impl SweepResults {
    /// How this sweep's effects are measured.
    pub fn measure(&self) -> Measure {
        match self.info.design {
            DesignInfo::Morris { .. } => Measure::Morris,
            DesignInfo::Factorial => Measure::Range,
            DesignInfo::LatinHypercube { .. } => Measure::Line,
        }
    }
}

/// By replication number: the sum of a measure over a group's points, and how many of the
/// points observed it. Kept by group (slot), model and headline measure.
type ReplicationSums = Vec<(f64, usize)>;

/// What to tell someone whose sweep folder cannot be read.
const FIX_SWEEP: &str = "The sweep files are written by `joinedup sweep` (or `joinedup merge`) once every point is finished; run the same sweep command again (it keeps the finished points and rewrites these files), then `joinedup report`.";

/// Said of a sweep folder whose files do not hold what `sweep.json` promises.
const DAMAGED: &str = "The sweep folder looks damaged or incomplete (a file cut short, missing or changed since the sweep).";

fn fail(path: &Path, message: impl Into<String>) -> Error {
    Error::ReadResults { path: path.to_path_buf(), message: message.into() }
}

#[derive(Deserialize)]
struct PrecisionOutcome {
    n_points_met: usize,
    n_points_not_met: usize,
}

#[derive(Deserialize)]
struct SweepJson {
    schema_version: u32,
    /// Absent in sweeps assembled before it was recorded.
    #[serde(default)]
    joinedup_version: Option<String>,
    #[serde(flatten)]
    info: SweepInfo,
    precision_outcome: Option<PrecisionOutcome>,
    /// The final files the sweep wrote (absent in sweeps assembled before it was recorded).
    #[serde(default)]
    files: Vec<String>,
    /// Absent when no point gave a warning (and in sweeps assembled before they were kept).
    #[serde(default)]
    points_with_warnings: Vec<PointWarnings>,
}

/// A CSV reader over `path` whose header must be `expected`. The file is read whole first, to
/// refuse one cut short: every line joinedup writes ends with a line break.
fn csv_reader(path: &Path, expected: &[String]) -> Result<csv::Reader<std::io::Cursor<Vec<u8>>>> {
    let bytes = std::fs::read(path).map_err(|e| fail(path, format!("{e}. {FIX_SWEEP}")))?;
    if bytes.is_empty() {
        return Err(fail(path, format!("the file is empty. {DAMAGED} {FIX_SWEEP}")));
    }
    if !bytes.ends_with(b"\n") {
        let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(fail(
            path,
            format!("line {line} (the last) stops without a line break: the file was cut short. {DAMAGED} {FIX_SWEEP}"),
        ));
    }
    let mut reader = csv::Reader::from_reader(std::io::Cursor::new(bytes));
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?;
    if headers.iter().ne(expected.iter().map(String::as_str)) {
        return Err(fail(
            path,
            format!(
                "line 1: the columns are `{}`, but sweep.json's factors make them `{}`: the files come from different sweeps. {FIX_SWEEP}",
                headers.iter().collect::<Vec<_>>().join(","),
                expected.join(",")
            ),
        ));
    }
    Ok(reader)
}

fn csv_error(path: &Path, error: &csv::Error) -> Error {
    let place = error.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    fail(path, format!("{place}{error}. {FIX_SWEEP}"))
}

/// Reads the finished sweep in `dir`, checking that its files hold what `sweep.json` and
/// `points.csv` promise: every point, model and replication, the rows each point writes only
/// sometimes whole as a run's are (`rows::check_written_together`), each metric's rows in
/// `replications.csv` giving the point's count, mean and interval in `points.csv`, and only
/// finite numbers.
///
/// A group's mean is the mean of its points' means in `points.csv`. Its interval is the
/// point's own when the group is one point; otherwise it comes from `replications.csv`:
/// for each replication number, the average over the group's points (replication r of every
/// point faces the same families, common random numbers), then a Student-t interval across
/// the replications that observed the measure at every point of the group.
pub fn read(dir: &Path) -> Result<SweepResults> {
    let sweep_path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&sweep_path).map_err(|e| fail(&sweep_path, format!("{e}. {FIX_SWEEP}")))?;
    let sweep: SweepJson = serde_json::from_str(&text)
        .map_err(|e| fail(&sweep_path, format!("line {}, column {}: {e}. {FIX_SWEEP}", e.line(), e.column())))?;
    if sweep.schema_version != crate::sweep::SCHEMA_VERSION {
        return Err(fail(
            &sweep_path,
            format!(
                "schema_version is {}, but this joinedup reads sweep files of version {}. Make the report with the joinedup version that ran the sweep, or run the plan again with this one.",
                sweep.schema_version,
                crate::sweep::SCHEMA_VERSION
            ),
        ));
    }
    let info = sweep.info;
    if info.models.is_empty() || info.factors.is_empty() || info.n_points == 0 {
        return Err(fail(&sweep_path, format!("the file lists no models, factors or points. {FIX_SWEEP}")));
    }
    // In point order, each point once, and only points the sweep has: the page names them.
    let mut previous = None;
    for warned in &sweep.points_with_warnings {
        if warned.point >= info.n_points || previous.is_some_and(|p| warned.point <= p) {
            return Err(fail(
                &sweep_path,
                format!(
                    "points_with_warnings lists point {} {}, but the sweep's {} points (0 to {}) are listed once each, in order. {DAMAGED} {FIX_SWEEP}",
                    warned.point,
                    if warned.point >= info.n_points { "(not a point of the sweep)" } else { "out of order or twice" },
                    info.n_points,
                    info.n_points - 1
                ),
            ));
        }
        previous = Some(warned.point);
    }
    // Every file the report reads or states the hash of, and whatever else sweep.json lists.
    let mut required: Vec<String> = ["points.csv", "replications.csv", "plan.ron", "scenario.ron"].map(String::from).into();
    if matches!(info.design, DesignInfo::Morris { .. }) {
        required.push("morris.csv".into());
    }
    required.extend(sweep.files.iter().filter(|f| !f.contains(['/', '\\'])).cloned());
    if let Some(missing) = required.iter().find(|name| !dir.join(name).is_file()) {
        return Err(fail(
            &dir.join(missing),
            format!("there is no {missing}, though a finished sweep has one (sweep.json lists its files). {DAMAGED} {FIX_SWEEP}"),
        ));
    }
    let (n_points, n_models, n_factors) = (info.n_points, info.models.len(), info.factors.len());
    let model_of: HashMap<&str, usize> = info.models.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let headline_of: HashMap<&str, usize> = HEADLINE_METRICS.iter().enumerate().map(|(h, &m)| (METRICS[m as usize].name, h)).collect();
    let factor_columns: Vec<String> = info.factors.iter().map(|f| f.name.clone()).collect();
    let columns = |tail: &[&str]| -> Vec<String> {
        let mut all = vec!["point".to_string()];
        all.extend(factor_columns.iter().cloned());
        all.extend(tail.iter().map(|c| c.to_string()));
        all
    };

    // points.csv: every point's factor values, and the headline measures' means.
    let points_path = dir.join("points.csv");
    let mut reader =
        csv_reader(&points_path, &columns(&["model", "metric", "replications", "n", "mean", "ci95_low", "ci95_high", "precision_met"]))?;
    let mut point_values: Vec<Option<Vec<String>>> = vec![None; n_points];
    let mut cells = vec![vec![vec![None; HEADLINE_METRICS.len()]; n_models]; n_points];
    // By point and model: a bit for each metric with a row, to find rows missing or written
    // twice; and by point, its replications (every model of a point has the same number).
    let mut seen = vec![vec![0u32; n_models]; n_points];
    let mut point_replications: Vec<Option<usize>> = vec![None; n_points];
    // By point, model, then metric: the mean, interval and count the row states, to check
    // against the replications' values in replications.csv.
    let mut stated: Vec<Option<Stated>> = vec![None; n_points * n_models * N_METRICS];
    // With a precision a point runs more replications than the first batch, never more than
    // the most the plan allows; this also bounds what is kept below for each replication.
    let most_replications = info.replications.max(info.max_replications.unwrap_or(0)) as usize;
    let metric_of: HashMap<&str, usize> = METRICS.iter().enumerate().map(|(i, d)| (d.name, i)).collect();
    let header = columns(&["model", "metric", "replications", "n", "mean", "ci95_low", "ci95_high", "precision_met"]);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&points_path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let bad = |what: String| fail(&points_path, format!("line {line}: {what}. {DAMAGED} {FIX_SWEEP}"));
        let point = parse_point(&record[0], n_points).map_err(bad)?;
        if point_values[point].is_none() {
            point_values[point] = Some((1..=n_factors).map(|f| record[f].to_string()).collect());
        }
        let model =
            *model_of.get(&record[n_factors + 1]).ok_or_else(|| bad(format!("model `{}` is not in sweep.json", &record[n_factors + 1])))?;
        // Every number of every row is checked, so no value that is not a finite number passes.
        let number = |column: usize| -> std::result::Result<Option<f64>, Error> {
            let text = &record[column];
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| bad(format!("field `{}`: `{text}` is not a finite number", header[column])))
        };
        let count = |column: usize| -> std::result::Result<usize, Error> {
            let text = &record[column];
            text.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| bad(format!("field `{}`: `{text}` is not a count of replications", header[column])))
        };
        let replications = count(n_factors + 3)?;
        if replications > most_replications {
            return Err(bad(format!(
                "field `replications`: {replications}, but sweep.json runs a point {} at most",
                super::count(most_replications, "replication")
            )));
        }
        let n = count(n_factors + 4)?;
        let Some(mean) = number(n_factors + 5)? else { return Err(bad("field `mean` is empty".into())) };
        let ci95 = number(n_factors + 6)?.zip(number(n_factors + 7)?);
        match point_replications[point] {
            None => point_replications[point] = Some(replications),
            Some(r) if r != replications => {
                return Err(bad(format!("field `replications`: {replications}, but the point's other rows say {r}")));
            }
            Some(_) => {}
        }
        let metric_name = &record[n_factors + 2];
        if let Some(&metric) = metric_of.get(metric_name) {
            if seen[point][model] & (1 << metric) != 0 {
                return Err(bad(format!("a second `{metric_name}` row for point {point}, model `{}`", info.models[model])));
            }
            seen[point][model] |= 1 << metric;
            stated[(point * n_models + model) * N_METRICS + metric] = Some(Stated { mean, ci95, n: Some(n) });
        }
        let Some(&headline) = headline_of.get(metric_name) else { continue };
        cells[point][model][headline] = Some(Cell { mean, ci95 });
    }
    // sweep.json promises every point; each has a row of each always-written metric per model.
    for (point, by_model) in seen.iter().enumerate() {
        for (model, mask) in by_model.iter().enumerate() {
            if let Some(metric) = ALWAYS_WRITTEN_METRICS.iter().find(|&&m| mask & (1 << m as usize) == 0) {
                return Err(fail(
                    &points_path,
                    format!(
                        "there is no `{}` row for point {point}, model `{}`, though sweep.json promises {n_points} points and every point has one for every model: rows are missing. {DAMAGED} {FIX_SWEEP}",
                        METRICS[*metric as usize].name, info.models[model]
                    ),
                ));
            }
        }
    }
    // Where each point's replications start among all points', by model (a point run to a
    // precision may have more than another).
    let point_replications: Vec<usize> = point_replications.into_iter().map(|r| r.unwrap_or_default()).collect();
    let mut first_replication = Vec::with_capacity(n_points + 1);
    first_replication.push(0);
    for r in &point_replications {
        first_replication.push(first_replication.last().copied().unwrap_or_default() + r * n_models);
    }
    let n_cells = first_replication[n_points];

    // Each factor's values and the points at each.
    let mut factors: Vec<FactorGroups> = (0..n_factors)
        .map(|f| {
            let mut groups: Vec<Group> = Vec::new();
            let mut index: HashMap<&str, usize> = HashMap::new();
            for (point, values) in point_values.iter().enumerate() {
                let Some(values) = values else { continue };
                let value = values[f].as_str();
                let g = *index.entry(value).or_insert_with(|| {
                    groups.push(Group {
                        value: value.to_string(),
                        x: value.parse::<f64>().ok().filter(|x| x.is_finite()),
                        points: Vec::new(),
                        cells: Vec::new(),
                    });
                    groups.len() - 1
                });
                groups[g].points.push(point);
            }
            let numeric = groups.iter().all(|g| g.x.is_some());
            if numeric {
                groups.sort_by(|a, b| a.x.unwrap_or_default().total_cmp(&b.x.unwrap_or_default()));
            }
            FactorGroups { numeric, groups }
        })
        .collect();

    // replications.csv, only where a group holds several points: per replication, the sum
    // of the measure over the group's points and how many points observed it.
    let mut slot_of: Vec<Vec<Option<usize>>> = vec![vec![None; n_points]; n_factors];
    let mut n_slots = 0;
    for (f, factor) in factors.iter().enumerate() {
        for group in factor.groups.iter().filter(|g| g.points.len() > 1) {
            for &point in &group.points {
                slot_of[f][point] = Some(n_slots);
            }
            n_slots += 1;
        }
    }
    let mut sums: Vec<Vec<Vec<ReplicationSums>>> = vec![vec![vec![Vec::new(); HEADLINE_METRICS.len()]; n_models]; n_slots];
    // replications.csv is read whole even when no interval needs it, to check it holds every
    // replication of every point that points.csv counts, and only finite numbers.
    let replications_path = dir.join("replications.csv");
    let mut reader = csv_reader(&replications_path, &columns(&["model", "replication", "metric", "value"]))?;
    let mut record = csv::StringRecord::new();
    // By point, model and replication (from `first_replication`): the rows it has, and each
    // metric's value (by cell, then metric).
    let mut seen = vec![Seen::default(); n_cells];
    let mut values: Vec<Option<f64>> = vec![None; n_cells * N_METRICS];
    let names = RowNames::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&replications_path, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let bad = |what: String| fail(&replications_path, format!("line {line}: {what}. {DAMAGED} {FIX_SWEEP}"));
        let point = parse_point(&record[0], n_points).map_err(bad)?;
        let model =
            *model_of.get(&record[n_factors + 1]).ok_or_else(|| bad(format!("model `{}` is not in sweep.json", &record[n_factors + 1])))?;
        let replication = record[n_factors + 2].parse::<usize>().ok().filter(|&r| r < point_replications[point]).ok_or_else(|| {
            bad(format!(
                "field `replication`: `{}` is not a replication of point {point}, which has {} in points.csv",
                &record[n_factors + 2],
                point_replications[point]
            ))
        })?;
        let text = &record[n_factors + 4];
        let value: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad(format!("field `value`: `{text}` is not a finite number")))?;
        let metric_name = &record[n_factors + 3];
        let cell = first_replication[point] + model * point_replications[point] + replication;
        let recorded = names.record(&mut seen[cell], metric_name).map_err(|Twice| {
            bad(format!("a second `{metric_name}` row for point {point}, model `{}`, replication {replication}", info.models[model]))
        })?;
        if let Some(metric) = recorded {
            values[cell * N_METRICS + metric] = Some(value);
        }
        if let Some(&headline) = headline_of.get(metric_name) {
            for slots in &slot_of {
                if let Some(slot) = slots[point] {
                    let by_replication = &mut sums[slot][model][headline];
                    if by_replication.len() <= replication {
                        by_replication.resize(replication + 1, (0.0, 0));
                    }
                    by_replication[replication].0 += value;
                    by_replication[replication].1 += 1;
                }
            }
        }
    }
    for point in 0..n_points {
        for model in 0..n_models {
            for replication in 0..point_replications[point] {
                if let Some(metric) =
                    seen[first_replication[point] + model * point_replications[point] + replication].missing_always_written()
                {
                    return Err(fail(
                        &replications_path,
                        format!(
                            "there is no `{}` row for point {point}, model `{}`, replication {replication}, though points.csv gives the point {} and each has one for every model: rows are missing. {DAMAGED} {FIX_SWEEP}",
                            METRICS[metric as usize].name,
                            info.models[model],
                            count(point_replications[point], "replication")
                        ),
                    ));
                }
            }
        }
    }
    // Each point is a run: its rows written only sometimes keep the same promises as a run
    // folder's, and points.csv's means and intervals were computed from exactly these rows.
    let fix = format!("{DAMAGED} {FIX_SWEEP}");
    for point in 0..n_points {
        let n_replications = point_replications[point];
        for (model, name) in info.models.iter().enumerate() {
            let first = first_replication[point] + model * n_replications;
            rows::check_written_together(
                &replications_path,
                &format!("point {point}, model `{name}`"),
                &seen[first..first + n_replications],
                &fix,
            )?;
            for (metric, def) in METRICS.iter().enumerate() {
                let by_replication: Vec<Option<f64>> =
                    (first..first + n_replications).map(|cell| values[cell * N_METRICS + metric]).collect();
                let stated = stated[(point * n_models + model) * N_METRICS + metric];
                if let Some((stated, found)) = rows::disagreement(stated, &by_replication, "no value (it has no row there)", "the point's")
                {
                    return Err(fail(
                        &replications_path,
                        format!(
                            "points.csv gives model `{name}`'s `{}` at point {point} {stated}, computed from this file's rows, but {found}: rows are missing, or the files were changed. {fix}",
                            def.name
                        ),
                    ));
                }
            }
        }
    }
    let mut slot = 0;
    for factor in &mut factors {
        for group in &mut factor.groups {
            let several = group.points.len() > 1;
            group.cells = (0..n_models)
                .map(|model| {
                    (0..HEADLINE_METRICS.len())
                        .map(|headline| {
                            let means: Vec<f64> = group.points.iter().filter_map(|&p| cells[p][model][headline]).map(|c| c.mean).collect();
                            if means.is_empty() {
                                return None;
                            }
                            if !several {
                                return cells[group.points[0]][model][headline];
                            }
                            let n = group.points.len();
                            let averages = sums[slot][model][headline].iter().filter(|&&(_, k)| k == n).map(|&(sum, _)| sum / n as f64);
                            let ci95 = Estimate::from_values(averages).and_then(|e| e.ci95);
                            Some(Cell { mean: means.iter().sum::<f64>() / means.len() as f64, ci95 })
                        })
                        .collect()
                })
                .collect();
            if several {
                slot += 1;
            }
        }
    }

    let morris = match info.design {
        DesignInfo::Morris { trajectories, levels } => {
            let counts = morris_effect_counts(dir, &info, trajectories, levels, &cells)?;
            Some(read_morris(dir, &info, &model_of, &headline_of, &counts)?)
        }
        _ => None,
    };
    let sha = |name: &str| -> Result<String> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| fail(&path, format!("{e}. {DAMAGED} {FIX_SWEEP}")))?;
        Ok(crate::provenance::sha256_hex(&bytes))
    };
    let mut results = SweepResults {
        dir: dir.to_path_buf(),
        precision_outcome: sweep.precision_outcome.map(|p| (p.n_points_met, p.n_points_not_met)),
        point_values,
        cells,
        factors,
        morris,
        plan_sha256: sha("plan.ron")?,
        scenario_sha256: sha("scenario.ron")?,
        joinedup_version: sweep.joinedup_version,
        points_with_warnings: sweep.points_with_warnings,
        effects: Vec::new(),
        info,
    };
    results.effects = all_effects(&results);
    Ok(results)
}

fn parse_point(text: &str, n_points: usize) -> std::result::Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|&p| p < n_points)
        .ok_or_else(|| format!("`{text}` is not a point of this sweep (0 to {})", n_points - 1))
}

#[derive(Deserialize)]
struct MorrisRow {
    model: String,
    metric: String,
    factor: String,
    mu_star: f64,
    mu: f64,
    sigma: Option<f64>,
    n_effects: usize,
}

/// By model, headline measure and factor: how many elementary effects `morris.csv` must have
/// averaged, found from the design (rebuilt from `sweep.json`: trajectories, levels, seed and
/// factors fix every point's coordinates) and the point means `points.csv` gives (`cells`): a
/// step of a trajectory moves one factor, and gives that factor an effect when both its points
/// measured the measure, exactly as `design::elementary_effects` counts them.
fn morris_effect_counts(
    dir: &Path,
    info: &SweepInfo,
    trajectories: usize,
    levels: usize,
    cells: &[Vec<Vec<Option<Cell>>>],
) -> Result<Vec<Vec<Vec<usize>>>> {
    let k = info.factors.len();
    let consistent = levels >= 2
        && levels.is_multiple_of(2)
        && levels <= crate::scenario::plan::MAX_MORRIS_LEVELS as usize
        && trajectories.checked_mul(k + 1) == Some(info.n_points);
    if !consistent {
        return Err(fail(
            &dir.join("sweep.json"),
            format!(
                "its Morris design ({trajectories} trajectories on {levels} levels, {k} factors) cannot have {} points: a Morris design has \
(factors + 1) points per trajectory, on an even number of levels from 2 to {}. {DAMAGED} {FIX_SWEEP}",
                info.n_points,
                crate::scenario::plan::MAX_MORRIS_LEVELS
            ),
        ));
    }
    let units = crate::design::morris(trajectories, k, levels, info.seed);
    let mut counts = vec![vec![vec![0; k]; HEADLINE_METRICS.len()]; info.models.len()];
    for (start, trajectory) in units.chunks(k + 1).enumerate().map(|(t, points)| (t * (k + 1), points)) {
        for step in 0..k {
            let Some(factor) = (0..k).find(|&f| trajectory[step][f] != trajectory[step + 1][f]) else { continue };
            let (before, after) = (&cells[start + step], &cells[start + step + 1]);
            for (model, by_headline) in counts.iter_mut().enumerate() {
                for (headline, by_factor) in by_headline.iter_mut().enumerate() {
                    if before[model][headline].is_some() && after[model][headline].is_some() {
                        by_factor[factor] += 1;
                    }
                }
            }
        }
    }
    Ok(counts)
}

/// `morris.csv`'s rows of the headline measures, by model, measure and factor, checked to hold
/// a row for every factor with an elementary effect (`counts`, from [`morris_effect_counts`]),
/// with that many effects, and no other.
fn read_morris(
    dir: &Path,
    info: &SweepInfo,
    model_of: &HashMap<&str, usize>,
    headline_of: &HashMap<&str, usize>,
    counts: &[Vec<Vec<usize>>],
) -> Result<Vec<Vec<Vec<Option<MorrisEffects>>>>> {
    let path = dir.join("morris.csv");
    let expected: Vec<String> = ["model", "metric", "rank", "factor", "mu_star", "mu", "sigma", "n_effects"].map(String::from).into();
    let mut reader = csv_reader(&path, &expected)?;
    let headers = reader.headers().map_err(|e| csv_error(&path, &e))?.clone();
    let mut effects = vec![vec![vec![None; info.factors.len()]; HEADLINE_METRICS.len()]; info.models.len()];
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let row: MorrisRow =
            record.deserialize(Some(&headers)).map_err(|e| fail(&path, format!("line {line}: {e}. {DAMAGED} {FIX_SWEEP}")))?;
        let bad = |what: String| fail(&path, format!("line {line}: {what}. {DAMAGED} {FIX_SWEEP}"));
        for (field, value) in [("mu_star", Some(row.mu_star)), ("mu", Some(row.mu)), ("sigma", row.sigma)] {
            if value.is_some_and(|v| !v.is_finite()) {
                return Err(bad(format!("field `{field}`: `{}` is not a finite number", value.unwrap_or_default())));
            }
        }
        let Some(&headline) = headline_of.get(row.metric.as_str()) else { continue };
        let model = *model_of.get(row.model.as_str()).ok_or_else(|| bad(format!("model `{}` is not in sweep.json", row.model)))?;
        let factor = info
            .factors
            .iter()
            .position(|f| f.name == row.factor)
            .ok_or_else(|| bad(format!("factor `{}` is not in sweep.json", row.factor)))?;
        let place = format!("factor `{}` of model `{}`'s `{}`", row.factor, row.model, row.metric);
        if effects[model][headline][factor].is_some() {
            return Err(bad(format!("a second row for {place}")));
        }
        let expected = counts[model][headline][factor];
        if row.n_effects != expected {
            return Err(bad(format!(
                "{place} has {} elementary effects, but the sweep's design and points.csv's means give {expected} (the steps that moved the factor \
between two points that both measured it): the two files disagree",
                row.n_effects
            )));
        }
        effects[model][headline][factor] = Some(MorrisEffects { mu_star: row.mu_star, mu: row.mu, sigma: row.sigma });
    }
    for (model, by_headline) in counts.iter().enumerate() {
        for (headline, by_factor) in by_headline.iter().enumerate() {
            for (factor, &n) in by_factor.iter().enumerate() {
                if n > 0 && effects[model][headline][factor].is_none() {
                    return Err(fail(
                        &path,
                        format!(
                            "there is no row for factor `{}` of model `{}`'s `{}`, though the sweep's design and points.csv's means give it {n} elementary effect{} \
(every factor with an effect has a row): rows are missing. {DAMAGED} {FIX_SWEEP}",
                            info.factors[factor].name,
                            info.models[model],
                            METRICS[HEADLINE_METRICS[headline] as usize].name,
                            if n == 1 { "" } else { "s" }
                        ),
                    ));
                }
            }
        }
    }
    Ok(effects)
}

/// How a sweep's report measures a factor's effect, chosen by its design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Morris μ* (the mean absolute elementary effect, across the factor's whole range) and
    /// σ, from `morris.csv`.
    Morris,
    /// Factorial designs: the largest minus the smallest of the measure's means at the
    /// factor's levels (each averaged over the other factors' levels).
    Range,
    /// Latin hypercubes: the change, across the range the sweep sampled, of a least-squares
    /// straight line through the points' means against the factor.
    Line,
}

/// One factor's effect on one measure for one model, in the files' units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    Morris(MorrisEffects),
    /// Groups (indices into the factor's groups) with the lowest and the highest mean.
    Range {
        size: f64,
        lowest: usize,
        highest: usize,
    },
    /// Signed change of the fitted line from the smallest to the largest value sampled.
    Line {
        change: f64,
        x_min: f64,
        x_max: f64,
    },
}

impl Effect {
    /// The size used for ranking: zero or more.
    pub fn size(&self) -> f64 {
        match *self {
            Effect::Morris(m) => m.mu_star,
            Effect::Range { size, .. } => size,
            Effect::Line { change, .. } => change.abs(),
        }
    }

    /// Morris σ, the only spread a measure has.
    pub fn spread(&self) -> Option<f64> {
        if let Effect::Morris(m) = self { m.sigma } else { None }
    }
}

/// Factor `factor`'s effect on headline measure `headline` for model `model`; `None` when
/// the files do not allow measuring it.
pub fn effect(results: &SweepResults, factor: usize, model: usize, headline: usize) -> Option<Effect> {
    results.effects[model][headline][factor]
}

/// Every factor's effect on every headline measure for every model, by model, measure, then
/// factor.
fn all_effects(results: &SweepResults) -> Vec<Vec<Vec<Option<Effect>>>> {
    let n_factors = results.info.factors.len();
    (0..results.info.models.len())
        .map(|model| {
            (0..HEADLINE_METRICS.len())
                .map(|headline| match results.measure() {
                    Measure::Morris => match &results.morris {
                        Some(morris) => morris[model][headline].iter().map(|m| m.map(Effect::Morris)).collect(),
                        None => vec![None; n_factors],
                    },
                    Measure::Range => (0..n_factors).map(|f| range_effect(&results.factors[f], model, headline)).collect(),
                    Measure::Line => {
                        // Points with a number for every factor and a mean of this measure.
                        let rows: Vec<(Vec<f64>, f64)> = results
                            .point_values
                            .iter()
                            .zip(&results.cells)
                            .filter_map(|(values, cells)| {
                                let xs: Option<Vec<f64>> = values.as_ref()?.iter().map(|v| v.parse::<f64>().ok()).collect();
                                Some((xs?, cells[model][headline]?.mean))
                            })
                            .collect();
                        linear_effects(&rows, n_factors)
                    }
                })
                .collect()
        })
        .collect()
}

/// The range of a factor's level means for one model and measure.
fn range_effect(factor: &FactorGroups, model: usize, headline: usize) -> Option<Effect> {
    let means: Vec<(usize, f64)> =
        factor.groups.iter().enumerate().filter_map(|(g, group)| Some((g, group.cells[model][headline]?.mean))).collect();
    if means.len() < 2 {
        return None;
    }
    // The first of equal means in the charts' order (increasing values, or the plan's order
    // for text levels), so a tie always names the same level.
    let lowest = means.iter().copied().reduce(|a, b| if b.1 < a.1 { b } else { a })?;
    let highest = means.iter().copied().reduce(|a, b| if b.1 > a.1 { b } else { a })?;
    Some(Effect::Range { size: highest.1 - lowest.1, lowest: lowest.0, highest: highest.0 })
}

/// A least-squares linear regression of `rows` (the factors' values, the measure) on every
/// factor at once; for each factor, its coefficient's change across the range sampled
/// (slope × (largest value − smallest)), the other factors held fixed. Every factor is `None`
/// when there are not more points than factors plus one, or their values do not separate the
/// factors (a factor with one value sampled, or two factors moving together).
pub fn linear_effects(rows: &[(Vec<f64>, f64)], n_factors: usize) -> Vec<Option<Effect>> {
    let none = vec![None; n_factors];
    if rows.len() < n_factors + 2 {
        return none;
    }
    let low: Vec<f64> = (0..n_factors).map(|f| rows.iter().map(|r| r.0[f]).fold(f64::INFINITY, f64::min)).collect();
    let high: Vec<f64> = (0..n_factors).map(|f| rows.iter().map(|r| r.0[f]).fold(f64::NEG_INFINITY, f64::max)).collect();
    if (0..n_factors).any(|f| high[f] <= low[f]) {
        return none;
    }
    // Each factor scaled to [0, 1] over the range sampled, so a coefficient is the change
    // across that range and the normal equations stay well conditioned.
    let n = n_factors + 1;
    let mut matrix = vec![vec![0.0; n + 1]; n];
    for (xs, y) in rows {
        let mut u = Vec::with_capacity(n);
        u.push(1.0);
        u.extend((0..n_factors).map(|f| (xs[f] - low[f]) / (high[f] - low[f])));
        for (i, row) in matrix.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().take(n).enumerate() {
                *cell += u[i] * u[j];
            }
            row[n] += u[i] * y;
        }
    }
    let Some(coefficients) = solve(matrix) else { return none };
    // A measure that does not move (the baseline's, where only another model's settings vary)
    // leaves coefficients of rounding size, ~1e-13 of the measure; named as "the largest
    // effect" they would be nonsense, so anything below a billionth of the measure is none.
    let negligible = 1e-9 * rows.iter().map(|(_, y)| y.abs()).fold(0.0, f64::max);
    (0..n_factors)
        .map(|f| {
            let change = if coefficients[f + 1].abs() <= negligible { 0.0 } else { coefficients[f + 1] };
            Some(Effect::Line { change, x_min: low[f], x_max: high[f] })
        })
        .collect()
}

/// Solves the linear system whose augmented matrix is `matrix` (n rows of n + 1) by Gaussian
/// elimination with partial pivoting; `None` when it is singular.
fn solve(mut matrix: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let n = matrix.len();
    let scale = matrix.iter().flat_map(|row| row[..n].iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    for column in 0..n {
        let pivot = (column..n).max_by(|&a, &b| matrix[a][column].abs().total_cmp(&matrix[b][column].abs()))?;
        if matrix[pivot][column].abs() <= scale * 1e-10 {
            return None;
        }
        matrix.swap(column, pivot);
        let (done, rest) = matrix.split_at_mut(column + 1);
        let pivot_row = &done[column];
        for row in rest {
            let ratio = row[column] / pivot_row[column];
            for (cell, above) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *cell -= ratio * above;
            }
        }
    }
    let mut solution = vec![0.0; n];
    for row in (0..n).rev() {
        let known: f64 = (row + 1..n).map(|k| matrix[row][k] * solution[k]).sum();
        solution[row] = (matrix[row][n] - known) / matrix[row][row];
    }
    solution.iter().all(|v| v.is_finite()).then_some(solution)
}

/// Every factor's effect on one measure for one model, largest first (ties in the factors'
/// order); factors whose effect cannot be measured are left out.
pub fn ranking(results: &SweepResults, model: usize, headline: usize) -> Vec<(usize, Effect)> {
    let mut ranked: Vec<(usize, Effect)> =
        (0..results.info.factors.len()).filter_map(|f| effect(results, f, model, headline).map(|e| (f, e))).collect();
    ranked.sort_by(|a, b| b.1.size().total_cmp(&a.1.size()).then(a.0.cmp(&b.0)));
    ranked
}

/// A size on the display scale with its unit: "3.45 days", "1.20 percentage points".
fn amount(kind: Kind, size: f64) -> String {
    let v = size * kind.scale();
    match kind {
        Kind::Days => format!("{} days", human(v)),
        Kind::Share(_) => format!("{} percentage points", human(v)),
        Kind::Per(unit) => format!("{} {unit}", human(v)).trim_end().to_string(),
        Kind::Pounds => format!("£{} a year", human(v)),
    }
}

/// A signed change: "+3.45 days", "−1.20 percentage points".
fn signed_amount(kind: Kind, change: f64) -> String {
    format!("{}{}", if change < 0.0 { '\u{2212}' } else { '+' }, amount(kind, change.abs()))
}

/// The unit of an effect on a measure, for chart axes.
fn effect_unit(metric: usize) -> String {
    let w = words_for(metric);
    match w.kind {
        Kind::Days => "days".into(),
        Kind::Share(_) => "percentage points".into(),
        Kind::Per(_) => w.axis.into(),
        Kind::Pounds => "£ a year".into(),
    }
}

/// A factor's value for a sentence: whole numbers as they are, others to three figures.
fn factor_value(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 { format!("{}", x as i64) } else { human(x) }
}

fn factor_html(name: &str) -> String {
    format!("<strong class=\"factor\">{}</strong>", esc(name))
}

fn level_html(text: &str) -> String {
    format!("<span class=\"level\">{}</span>", esc(text))
}

/// The sentence naming the factor with the largest effect on one measure for one model.
/// Names, levels and the measure's words are wrapped in elements so that every bare number
/// left in the sentence comes from the sweep's files (the content test relies on it).
fn sentence(results: &SweepResults, model: usize, headline: usize) -> (Option<usize>, String) {
    let metric = HEADLINE_METRICS[headline] as usize;
    let w = words_for(metric);
    let kind = w.kind;
    let model_name = format!("<strong class=\"model\">{}</strong>", esc(&results.info.models[model]));
    let phrase = format!("<span class=\"measure\">{}</span>", esc(w.phrase));
    let ranked = ranking(results, model, headline);
    let Some(&(top, top_effect)) = ranked.first() else {
        let why = if results.measure() == Measure::Line {
            let k = results.info.factors.len();
            format!(
                "a linear regression on {} needs at least {} design points where the measure was observed, with values that do not move together",
                count(k, "factor"),
                k + 2
            )
        } else {
            "it was not observed at enough points".to_string()
        };
        return (None, format!("For {model_name}, no factor's effect on {phrase} could be measured: {why}."));
    };
    if top_effect.size() == 0.0 {
        return (None, format!("For {model_name}, {phrase} does not change with any factor of this sweep."));
    }
    let factors = &results.info.factors;
    let groups = &results.factors[top].groups;
    let name = &factors[top].name;
    let mut text = format!("For {model_name}, the factor with the largest effect on {phrase} is {}: ", factor_html(name));
    match top_effect {
        Effect::Morris(m) => {
            let direction = if m.mu.abs() >= 0.8 * m.mu_star {
                if m.mu > 0.0 { "raising it increases the measure" } else { "raising it decreases the measure" }
            } else {
                "its direction depends on the other factors"
            };
            let _ = write!(text, "μ* {}", amount(kind, m.mu_star));
            if let Some(sigma) = m.sigma {
                let _ = write!(text, ", σ {}", amount(kind, sigma));
            }
            let _ = write!(text, " ({direction})");
        }
        Effect::Range { size, lowest, highest } => {
            let (low, high) = (groups[lowest].cells[model][headline], groups[highest].cells[model][headline]);
            let (low, high) = (low.map_or(0.0, |c| c.mean), high.map_or(0.0, |c| c.mean));
            let _ = write!(
                text,
                "it is lowest, {}, at {}, and highest, {}, at {}: a range of {}",
                kind.value(low),
                level_html(&format!("{name} = {}", groups[lowest].value)),
                kind.value(high),
                level_html(&format!("{name} = {}", groups[highest].value)),
                amount(kind, size)
            );
        }
        Effect::Line { change, x_min, x_max } => {
            let _ = write!(
                text,
                "moving it from {} to {}, the other factors held fixed, changes the measure by {} (linear regression)",
                level_html(&format!("{name} = {}", factor_value(x_min))),
                level_html(&format!("{name} = {}", factor_value(x_max))),
                signed_amount(kind, change)
            );
        }
    }
    if let Some(&(next, next_effect)) = ranked.get(1) {
        let size = match next_effect {
            _ if next_effect.size() == 0.0 => "no change".to_string(),
            Effect::Morris(m) => format!("μ* {}", amount(kind, m.mu_star)),
            Effect::Range { size, .. } => format!("range {}", amount(kind, size)),
            Effect::Line { change, .. } => format!("change {}", signed_amount(kind, change)),
        };
        let _ = write!(text, "; next comes {} ({size})", factor_html(&factors[next].name));
    }
    text.push('.');
    (Some(top), text)
}

/// Words for the measure, for the page and the chart axes.
fn measure_words(measure: Measure) -> (&'static str, &'static str, Option<&'static str>) {
    match measure {
        Measure::Morris => {
            ("μ*: mean absolute change across a factor's whole range", "μ* (mean absolute effect)", Some("σ (spread of the effects)"))
        }
        Measure::Range => ("range of the means across a factor's levels", "range of the means", None),
        Measure::Line => ("size of the change across a factor's range, by linear regression", "change across the range (its size)", None),
    }
}

fn design_words(info: &SweepInfo) -> String {
    match info.design {
        DesignInfo::Factorial => "a full factorial design: every combination of the factors' levels".into(),
        DesignInfo::LatinHypercube { points } => format!("a Latin hypercube of {points} points over the factors' ranges"),
        DesignInfo::Morris { trajectories, levels } => {
            format!("Morris screening: {trajectories} trajectories on a grid of {levels} levels per factor")
        }
    }
}

/// The whole sweep page.
pub fn render(results: &SweepResults, generated: &str) -> String {
    let info = &results.info;
    let title = format!("{}: what each factor changes", info.plan);
    let mut lead = String::new();
    if !info.description.trim().is_empty() {
        let _ = writeln!(lead, "<p class=\"lead\">{}</p>", esc(&info.description));
    }
    let _ = writeln!(
        lead,
        "<p>A sweep of {} over {} ({}). At every point, {} ran with {} each and the same seed, {} (common random numbers: \
every point and model faces the same families unless a factor changes the families themselves). Report generated {}.</p>",
        count(info.factors.len(), "factor"),
        count(info.n_points, "design point"),
        esc(&design_words(info)),
        count(info.models.len(), "model"),
        count(info.replications as usize, "replication"),
        info.seed,
        esc(generated)
    );
    lead.push_str(&warnings_box(results));
    let mut sections = vec![summary_section(results), ranking_section(results), factors_section(results)];
    sections.push(provenance_section(results, generated));
    page(&title, &lead, &sections)
}

/// The points whose runs gave warnings (a unit that cannot keep up, coordination beyond the
/// staff's hours, a restructure dated after the run ends), in a box above the contents like a
/// run's report: their count, each point by number and factor values, and its sentences on
/// request, since a sweep can warn at hundreds of points. Nothing when no point did.
fn warnings_box(results: &SweepResults) -> String {
    let warned = &results.points_with_warnings;
    if warned.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<aside class=\"run-warnings\" id=\"warnings\" role=\"note\">\n<h2>Warnings from the sweep's runs</h2>\n\
<p>At {} of the {} design points, the run gave warnings, as <code>joinedup run</code> does after its table. \
Those points' results describe a structure that could not keep up, or one that never ran as planned; read the effects below with that in mind.</p>\n<ul>\n",
        warned.len(),
        results.info.n_points
    );
    for point in warned {
        let values: Vec<String> = results.point_values[point.point]
            .iter()
            .flatten()
            .zip(&results.info.factors)
            .map(|(value, factor)| format!("{} = {}", factor_html(&factor.name), level_html(value)))
            .collect();
        let sentences: String = point.warnings.iter().map(|w| format!("<li class=\"run-warning\">{}</li>", esc_code(w))).collect();
        let _ = writeln!(
            html,
            "<li class=\"warned-point\" data-point=\"{}\">Point {} ({}): <details><summary>{}</summary><ul>{sentences}</ul></details></li>",
            point.point,
            point.point,
            values.join(", "),
            count(point.warnings.len(), "warning")
        );
    }
    html.push_str("</ul>\n</aside>\n");
    html
}

fn measure_paragraph(results: &SweepResults) -> String {
    match results.measure() {
        Measure::Morris => {
            "<p><strong>How effects are measured: Morris elementary effects</strong> (this is a Morris design; the numbers are those of <code>morris.csv</code>). \
Each trajectory moves one factor at a time by a step of its range; the change in a measure, scaled to the factor's whole range, is one elementary effect. \
<strong>μ*</strong> is the mean of their absolute values: how much the measure changes, on average, when the factor alone moves across its whole range. \
Factors are ranked by μ*. <strong>σ</strong> is the standard deviation of the effects: large next to μ* when the factor acts through the other factors or not in a straight line. \
The measure at a point is its mean over the point's replications.</p>\n"
                .into()
        }
        Measure::Range => {
            "<p><strong>How effects are measured: the range of the means across a factor's levels</strong> (this is a factorial design; the numbers come from <code>points.csv</code>). \
At each level of a factor, the measure's mean is the mean of the points at that level, each point weighing the same, so the other factors' levels are averaged over. \
A factor's effect is the largest of those means minus the smallest, in the measure's own unit: how much choosing this factor's level can move the measure. \
Factors are ranked by it. It says nothing of how factors act together; the charts below show each level.</p>\n"
                .into()
        }
        Measure::Line => {
            "<p><strong>How effects are measured: the change across a factor's range, by linear regression</strong> (this is a Latin hypercube design; the numbers come from <code>points.csv</code>). \
The points' means are fitted by least squares to a linear function of every factor at once; a factor's effect is how much that function changes when the factor moves \
from the smallest value sampled to the largest, the other factors held fixed (the sign says which way the measure moves). Factors are ranked by its size. \
A straight line can understate a factor whose effect is curved or depends on the others; the charts below show every point.</p>\n"
                .into()
        }
    }
}

fn summary_section(results: &SweepResults) -> Section {
    let mut html = measure_paragraph(results);
    html.push_str(
        "<p>An effect is an estimate from a finite number of replications: compare it with the 95% intervals in the charts below. \
A factor whose effect is no larger than those intervals may not matter at all.</p>\n",
    );
    let mut top_counts: Vec<usize> = vec![0; results.info.factors.len()];
    let mut rankings = 0;
    let mut lists = String::new();
    for (headline, &metric) in HEADLINE_METRICS.iter().enumerate() {
        let w = words_for(metric as usize);
        let _ = writeln!(lists, "<h3>{}</h3>\n<ul class=\"sweep-sentences\">", esc(w.title));
        for model in 0..results.info.models.len() {
            let (top, text) = sentence(results, model, headline);
            if let Some(top) = top {
                top_counts[top] += 1;
                rankings += 1;
            }
            let _ = writeln!(
                lists,
                "<li class=\"sweep-sentence\" data-metric=\"{}\" data-model=\"{}\" data-factor=\"{}\">{}</li>",
                METRICS[metric as usize].name,
                esc(&results.info.models[model]),
                top.map_or(String::new(), |f| esc(&results.info.factors[f].name)),
                text
            );
        }
        lists.push_str("</ul>\n");
    }
    let mut order: Vec<usize> = (0..top_counts.len()).filter(|&f| top_counts[f] > 0).collect();
    order.sort_by(|&a, &b| top_counts[b].cmp(&top_counts[a]).then(a.cmp(&b)));
    let tops: Vec<String> = order
        .iter()
        .map(|&f| {
            format!(
                "<span class=\"top\" data-factor=\"{}\">{} in {}</span>",
                esc(&results.info.factors[f].name),
                factor_html(&results.info.factors[f].name),
                top_counts[f]
            )
        })
        .collect();
    html.push_str("<div class=\"glance\"><h3>At a glance</h3>\n");
    if tops.is_empty() {
        html.push_str("<p>No factor changed any headline measure.</p>\n");
    } else {
        let _ = writeln!(
            html,
            "<p data-rankings=\"{rankings}\">Over {} headline measures and {} ({rankings} rankings with an effect), the factor with the largest effect is {}.</p>",
            HEADLINE_METRICS.len(),
            count(results.info.models.len(), "model"),
            tops.join(", ")
        );
    }
    html.push_str("</div>\n");
    html.push_str(&lists);
    Section { id: "sweep-summary", title: "Summary".into(), html }
}

fn ranking_section(results: &SweepResults) -> Section {
    let measure = results.measure();
    let (axis_words, effect_label, spread_label) = measure_words(measure);
    let models = &results.info.models;
    let factors: Vec<String> = results.info.factors.iter().map(|f| f.name.clone()).collect();
    let mut html = String::from(
        "<p>For each headline measure, every factor's effect, one bar per model (in the model's colour), factors with the largest effect in any model at the top.",
    );
    if measure == Measure::Morris {
        html.push_str(" The white diamond is σ: when it lies far right of the bar's end, the factor's effect depends on the other factors or is not a straight line.");
    }
    html.push_str("</p>\n");
    html.push_str(&model_legend(models));
    html.push_str("<div class=\"grid\">\n");
    for (headline, &metric) in HEADLINE_METRICS.iter().enumerate() {
        let metric = metric as usize;
        let w = words_for(metric);
        let scale = w.kind.scale();
        let effects: Vec<charts::ModelEffects> = (0..models.len())
            .map(|model| {
                (0..factors.len())
                    .map(|f| effect(results, f, model, headline).map(|e| (e.size() * scale, e.spread().map(|s| s * scale))))
                    .collect()
            })
            .collect();
        let title = format!("{}: which factors matter most", w.title);
        let axis = format!("{axis_words} ({})", effect_unit(metric));
        let svg = charts::ranking_chart(&charts::Ranking {
            title: &title,
            axis: &axis,
            labels: models,
            factors: &factors,
            effects: &effects,
            effect_label,
            spread_label,
        });
        html.push_str(&figure(
            &format!("ranking-{}", METRICS[metric].name),
            &svg,
            &format!("{title}: {axis}. Metric `{}` ({}).", METRICS[metric].name, METRICS[metric].unit),
        ));
    }
    html.push_str("</div>\n");
    Section { id: "ranking", title: "What matters most".into(), html }
}

fn factors_section(results: &SweepResults) -> Section {
    let info = &results.info;
    let models = &info.models;
    let measure = results.measure();
    let mut html = String::from(match measure {
        Measure::Line => {
            "<p>Each dot is one design point: the measure's mean over the point's replications, with its 95% interval. \
The other factors change from point to point too, so the dots scatter; a trend through them is the factor's effect.</p>\n"
        }
        _ => {
            "<p>Each dot is the measure's mean at one value of the factor, over every point with that value (each point weighing the same), \
with its 95% interval: where a value has several points, the interval is computed replication by replication (replication r faces the same families at every point). \
Models are drawn slightly apart so that one bar does not hide another.</p>\n"
        }
    });
    html.push_str(&model_legend(models));
    let mut any_cut = false;
    for (f, factor) in info.factors.iter().enumerate() {
        let groups = &results.factors[f];
        let _ = writeln!(
            html,
            "<h3 id=\"factor-{f}\">{} <small>(scenario field <code>{}</code>)</small></h3>\n<div class=\"grid\">",
            esc(&factor.name),
            esc(&factor.path)
        );
        let categories: Vec<String> = groups.groups.iter().map(|g| g.value.clone()).collect();
        let x_of = |g: usize| if groups.numeric { groups.groups[g].x.unwrap_or_default() } else { g as f64 };
        for (headline, &metric) in HEADLINE_METRICS.iter().enumerate() {
            let metric = metric as usize;
            let w = words_for(metric);
            let scale = w.kind.scale();
            let series: Vec<Vec<(f64, Option<f64>)>> = (0..models.len())
                .map(|m| (0..groups.groups.len()).map(|g| (x_of(g), groups.groups[g].cells[m][headline].map(|c| c.mean * scale))).collect())
                .collect();
            let intervals: Vec<Vec<Option<(f64, f64)>>> = (0..models.len())
                .map(|m| {
                    (0..groups.groups.len())
                        .map(|g| {
                            groups.groups[g].cells[m][headline].and_then(|c| c.ci95).map(|interval| {
                                let ((l, h), cut) = shown_interval(&METRICS[metric], interval);
                                any_cut |= cut;
                                (l * scale, h * scale)
                            })
                        })
                        .collect()
                })
                .collect();
            let title = format!("{} against {}", w.title, factor.name);
            let x_axis = format!("{} (scenario field {})", factor.name, factor.path);
            let svg = charts::line_chart(&charts::Lines {
                title: &title,
                x_axis: &x_axis,
                y_axis: w.axis,
                labels: models,
                series: &series,
                shaded: None,
                intervals: Some(&intervals),
                y_from_zero: false,
                joined: measure != Measure::Line,
                width_px: 720,
                x_categories: (!groups.numeric).then_some(categories.as_slice()),
            });
            html.push_str(&figure(
                &format!("factor-{f}-{}", METRICS[metric].name),
                &svg,
                &format!("{title}: {} (metric `{}`), mean and 95% interval.", METRICS[metric].unit, METRICS[metric].name),
            ));
        }
        html.push_str("</div>\n");
    }
    if any_cut {
        let _ = writeln!(html, "<p class=\"cut-at-zero\"><small>{}</small></p>", esc(CUT_AT_ZERO_NOTE));
    }
    Section { id: "factors", title: "Each measure against each factor".into(), html }
}

/// A factor's values in words: its levels, or the range the sweep sampled.
fn values_words(results: &SweepResults, factor: usize) -> String {
    let groups = &results.factors[factor].groups;
    match results.info.design {
        DesignInfo::Factorial => {
            let shown: Vec<&str> = groups.iter().take(20).map(|g| g.value.as_str()).collect();
            let more = if groups.len() > 20 { format!(", … ({} levels)", groups.len()) } else { String::new() };
            format!("levels {}{more}", shown.join(", "))
        }
        _ => {
            let xs: Vec<f64> = groups.iter().filter_map(|g| g.x).collect();
            let (low, high) = (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            if xs.is_empty() {
                "no values".into()
            } else {
                format!("sampled from {low} to {high} ({})", count(groups.len(), "distinct value"))
            }
        }
    }
}

fn provenance_section(results: &SweepResults, generated: &str) -> Section {
    let info = &results.info;
    let mut html = String::from("<table class=\"facts\">\n");
    let mut fact = |name: &str, value: String| {
        let _ = writeln!(html, "<tr><th>{}</th><td>{value}</td></tr>", esc(name));
    };
    fact("plan", esc(&info.plan));
    fact(
        "plan fingerprint",
        format!(
            "<code>{}</code> (the plan and its base scenario; shards merge and sweeps resume only when it matches)",
            esc(&info.fingerprint)
        ),
    );
    fact("design", esc(&design_words(info)));
    fact("design points", info.n_points.to_string());
    fact("models", esc(&info.models.join(", ")));
    fact("seed (every point)", info.seed.to_string());
    let replications = match (info.precision, info.max_replications) {
        (Some(precision), Some(max)) => format!(
            "{} at first, then more until every measure's 95% half-width was within {}% of its mean, at most {max}",
            info.replications,
            precision * 100.0
        ),
        _ => info.replications.to_string(),
    };
    fact("replications per model and point", replications);
    if let Some((met, not_met)) = results.precision_outcome {
        fact(
            "precision",
            format!("reached at {met} points; not reached (stopped at the maximum) at {not_met} (see precision_met in points.csv)"),
        );
    }
    for (f, factor) in info.factors.iter().enumerate() {
        fact(&format!("factor {}", factor.name), format!("<code>{}</code>: {}", esc(&factor.path), esc(&values_words(results, f))));
    }
    let sha = |value: &str| format!("<code>{}</code>", esc(value));
    fact("plan.ron SHA-256", sha(&results.plan_sha256));
    fact("scenario.ron SHA-256", sha(&results.scenario_sha256));
    fact("joinedup version (sweep)", results.joinedup_version.as_deref().map_or("not recorded in sweep.json".into(), esc));
    fact("joinedup version (report)", env!("CARGO_PKG_VERSION").into());
    fact("results folder", format!("<code>{}</code>", esc(&results.dir.display().to_string())));
    fact("report generated", esc(generated));
    html.push_str("</table>\n");
    html.push_str(
        "<p><strong>To reproduce these results exactly</strong>, run the plan again with the same base scenario and joinedup version, into a new folder: \
<code>joinedup sweep PLAN --out DIR</code>. <code>plan.ron</code> in the results folder is the plan with every default and override filled in, \
and <code>scenario.ron</code> the base scenario every point starts from; the fingerprint above changes if either does. \
The files are byte-identical whatever the thread count, the order points finished in, interruptions or sharding.</p>\n\
<p><strong>Files.</strong> <code>points.csv</code> holds every point's means and 95% intervals, <code>replications.csv</code> every replication's values, \
<code>morris.csv</code> (Morris designs) every factor's μ*, μ and σ, for every measure; this report shows the headline measures only. \
docs/sweeps.md describes every column.</p>\n",
    );
    Section { id: "provenance", title: "How this sweep was run".into(), html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_regression_separates_the_factors() {
        // y = 2 a − 3 b + 1, a in [1, 4], b in [0, 2]: changes 6 and −6 across the ranges,
        // whatever the correlation between a and b in the sample.
        let rows: Vec<(Vec<f64>, f64)> = [(1.0, 0.0), (2.0, 0.5), (4.0, 2.0), (3.0, 1.5), (2.5, 0.2)]
            .iter()
            .map(|&(a, b)| (vec![a, b], 2.0 * a - 3.0 * b + 1.0))
            .collect();
        let effects = linear_effects(&rows, 2);
        let change = |e: Option<Effect>| match e {
            Some(Effect::Line { change, .. }) => change,
            other => panic!("{other:?}"),
        };
        assert!((change(effects[0]) - 6.0).abs() < 1e-9 && (change(effects[1]) + 6.0).abs() < 1e-9, "{effects:?}");
        assert!(matches!(effects[0], Some(Effect::Line { x_min: 1.0, x_max: 4.0, .. })));
        assert_eq!(linear_effects(&rows[..3], 2), vec![None, None], "as many points as unknowns: nothing left to judge the fit by");
        // A measure that does not move has no effect at all, not one of rounding size (which
        // the summary would name as the largest).
        // Twelve points of three factors at irregular values, like a Latin hypercube's.
        let flat: Vec<(Vec<f64>, f64)> = (0..12)
            .map(|i| (vec![(i * 7 % 12) as f64 * 0.37 + 0.1, (i * 5 % 12) as f64 * 1.3, (i * 11 % 12) as f64 / 7.0], 19.898_307_5))
            .collect();
        for effect in linear_effects(&flat, 3) {
            assert_eq!(change(effect), 0.0, "{effect:?}");
        }
        let together: Vec<(Vec<f64>, f64)> = (0..5).map(|i| (vec![i as f64, 2.0 * i as f64], i as f64)).collect();
        assert_eq!(linear_effects(&together, 2), vec![None, None], "two factors moving together cannot be separated");
        let constant: Vec<(Vec<f64>, f64)> = (0..5).map(|i| (vec![i as f64, 1.0], i as f64)).collect();
        assert_eq!(linear_effects(&constant, 2), vec![None, None], "a factor with one value has no range");
    }

    #[test]
    fn amounts_carry_their_units() {
        assert_eq!(amount(Kind::Days, 3.456), "3.46 days");
        assert_eq!(amount(Kind::Share("of episodes"), 0.0123), "1.23 percentage points");
        assert_eq!(amount(Kind::Pounds, 120_000.0), "£120,000 a year");
        assert_eq!(signed_amount(Kind::Per("per episode"), -0.25), "\u{2212}0.250 per episode");
        for metric in HEADLINE_METRICS {
            assert!(!effect_unit(metric as usize).is_empty());
        }
    }
}
