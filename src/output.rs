//! Writing results: `summary.json`, tidy CSVs, the resolved scenario and the comparison table.
//!
//! **Invariant:** output bytes depend only on the results (no timestamps, no hash-map order),
//! so the same scenario and seed give byte-identical files on any number of threads.
//! **Invariant:** no file ever holds NaN or infinity; a metric with no observations is `null`
//! in JSON and absent (no row) in CSV.

use crate::error::{Error, Result};
use crate::experiment::{Comparison, MetricSummary};
use crate::metrics::{METRICS, PERCENTILES, TIMESERIES, WAIT_METRICS};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Version of the `summary.json` layout; bumped on any incompatible change. The optional
/// `warnings` list (written only when a run has warnings) did not bump it: a reader that does
/// not know the key ignores it, and a folder without warnings is byte for byte what version 1
/// always wrote, so every version 1 folder is still read and every reader of version 1 still
/// reads the new ones.
pub const SCHEMA_VERSION: u32 = 1;

/// The files a run writes, built in memory first so that nothing is written unless all of
/// it could be produced.
pub struct RunFiles {
    pub files: Vec<(&'static str, String)>,
    /// The run's warnings (`overload::warnings`), kept in `summary.json` and here for the
    /// caller to show: the same sentences, worked out once.
    pub warnings: Vec<String>,
}

/// Every file of a run's results folder, `summary.json` with the run's warnings. It takes the
/// scenario rather than the warnings so that no writer of a run's folder can leave them out:
/// a report made from the folder must warn as `joinedup run` did.
pub fn run_files(scenario: &crate::model::Scenario, comparison: &Comparison, resolved_scenario_ron: &str) -> RunFiles {
    let warnings = crate::overload::warnings(scenario, comparison);
    RunFiles {
        files: vec![
            ("summary.json", summary_json(comparison, &warnings)),
            ("replications.csv", replications_csv(comparison)),
            ("timeseries.csv", timeseries_csv(comparison)),
            ("scenario.ron", resolved_scenario_ron.to_string()),
        ],
        warnings,
    }
}

impl RunFiles {
    /// Writes every file into `dir` atomically (temporary file, then rename). Every
    /// temporary file is written before any is renamed, so a disk that fills part way leaves
    /// the folder as it was (older results stay whole) rather than a mix of old and new.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output { path: dir.to_path_buf(), source })?;
        let mut temporaries: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (name, text) in &self.files {
            let path = dir.join(name);
            let temporary = temporary_path(&path);
            if let Err(source) = std::fs::write(&temporary, text.as_bytes()) {
                for (t, _) in temporaries.iter().chain(std::iter::once(&(temporary, path.clone()))) {
                    let _ = std::fs::remove_file(t);
                }
                return Err(Error::Output { path, source });
            }
            temporaries.push((temporary, path));
        }
        let mut written = Vec::new();
        for (temporary, path) in temporaries {
            std::fs::rename(&temporary, &path).map_err(|source| Error::Output { path: path.clone(), source })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Files `joinedup run` may write into its results folder (`report.html` with `--report`).
pub const RUN_FILE_NAMES: &[&str] =
    &["summary.json", "replications.csv", "timeseries.csv", "scenario.ron", "provenance.json", "report.html"];

/// Files only `joinedup run` writes: a folder holding any of them holds a run's results, which
/// `sweep` and `merge` refuse to write into (as `run` refuses a folder with the next list's).
pub const RUN_ONLY_FILE_NAMES: &[&str] = &["summary.json", "timeseries.csv", "provenance.json"];

/// Files that only a sweep's folder holds (`sweep` writes them, `points/` being a folder).
pub const SWEEP_FILE_NAMES: &[&str] = &["sweep.json", "points.csv", "shard.json", "plan.ron", "points"];

/// After a run with `--force` has written its files without `--report`: removes a report
/// left by an earlier run, which would describe other results than the ones beside it.
pub fn remove_stale_report(dir: &Path) -> Result<()> {
    let report = dir.join("report.html");
    match std::fs::remove_file(&report) {
        Err(source) if source.kind() != std::io::ErrorKind::NotFound => Err(Error::Output { path: report, source }),
        _ => Ok(()),
    }
}

/// Checks, before any simulation, that a run's results can be written to `dir`: refuses a
/// file and a sweep's folder, and a folder already holding a run's results unless `force`;
/// creates the folder, and writes
/// and removes a file of `expected_bytes` (at most 256 MiB) so that an unwritable folder or
/// a disk without room for the results is reported now rather than after hours of work.
pub fn prepare_run_dir(dir: &Path, force: bool, expected_bytes: u64) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it is a file, not a folder; give --out a folder"),
        });
    }
    // A sweep's folder is never a run's, even with --force: the run would replace its
    // replications.csv and scenario.ron and leave a folder that is neither.
    let sweep_files: Vec<&str> = SWEEP_FILE_NAMES.iter().copied().filter(|name| dir.join(name).exists()).collect();
    if !sweep_files.is_empty() {
        return Err(Error::OutputIsSweep { path: dir.to_path_buf(), found: sweep_files.join(", ") });
    }
    if !force {
        let found: Vec<&str> = RUN_FILE_NAMES.iter().copied().filter(|name| dir.join(name).exists()).collect();
        if !found.is_empty() {
            let scenario = std::fs::read_to_string(dir.join("summary.json"))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|summary| summary.get("scenario").and_then(|s| s.as_str()).map(|s| format!(" of scenario `{s}`")))
                .unwrap_or_default();
            return Err(Error::OutputInUse { path: dir.to_path_buf(), found: format!("{}{scenario}", found.join(", ")) });
        }
    }
    let fail = |path: &Path, source| Error::Output { path: path.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(|source| fail(dir, source))?;
    let probe = dir.join(".joinedup-space-check.partial");
    let written = (|| -> std::io::Result<()> {
        use std::io::Write as _;
        let mut file = std::fs::File::create(&probe)?;
        let chunk = vec![0u8; 1 << 20];
        let mut left = expected_bytes.min(256 << 20);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            file.write_all(&chunk[..n])?;
            left -= n as u64;
        }
        file.sync_all()
    })();
    let _ = std::fs::remove_file(&probe);
    written.map_err(|source| fail(dir, source))
}

/// A generous estimate of the bytes a run's files take: every metric of every replication
/// and every month of every time series, at about 64 bytes a row.
pub fn estimated_run_bytes(scenario: &crate::model::Scenario, replications: u32) -> u64 {
    let months = (scenario.run.horizon_days / crate::metrics::MONTH_DAYS).max(0.0) as u64 + 1;
    let rows_per_replication = (METRICS.len() + WAIT_METRICS.len() * PERCENTILES.len()) as u64 + months * TIMESERIES.len() as u64;
    scenario.models.len() as u64 * u64::from(replications) * rows_per_replication * 64 + (1 << 20)
}

fn temporary_path(path: &Path) -> PathBuf {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{file_name}.partial"))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = temporary_path(path);
    let fail = |source| Error::Output { path: path.to_path_buf(), source };
    // A write that fails (a full disk) must not leave a partial file taking up the space.
    std::fs::write(&temporary, bytes).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        fail(source)
    })?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        Error::Output { path: path.to_path_buf(), source }
    })
}

/// A file written through a temporary file beside it and renamed into place on
/// [`AtomicWriter::commit`], for files too large to build in memory first. Dropped without
/// a commit, it removes the temporary file.
pub struct AtomicWriter {
    path: PathBuf,
    temporary: PathBuf,
    /// `None` once committed.
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicWriter {
    pub fn create(path: &Path) -> Result<AtomicWriter> {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = path.with_file_name(format!(".{file_name}.partial"));
        let file = std::fs::File::create(&temporary).map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
        Ok(AtomicWriter { path: path.to_path_buf(), temporary, writer: Some(std::io::BufWriter::new(file)) })
    }

    pub fn write_str(&mut self, text: &str) -> Result<()> {
        use std::io::Write;
        let writer = self.writer.as_mut().expect("an AtomicWriter is written only before its commit");
        writer.write_all(text.as_bytes()).map_err(|source| Error::Output { path: self.path.clone(), source })
    }

    /// Flushes the temporary file and renames it over the destination. (No fsync: like
    /// [`write_atomically`], this guards against a killed process, not a power cut.)
    pub fn commit(mut self) -> Result<PathBuf> {
        let writer = self.writer.take().expect("an AtomicWriter is committed once");
        let fail = |source| Error::Output { path: self.path.clone(), source };
        writer.into_inner().map_err(|e| fail(e.into_error()))?;
        std::fs::rename(&self.temporary, &self.path).map_err(fail)?;
        Ok(self.path.clone())
    }
}

impl Drop for AtomicWriter {
    /// Dropped without a commit (an error part way, a write that failed): the temporary file
    /// goes too, so nothing half-written is left beside the results. After a failed commit
    /// the temporary may already be gone, hence no error.
    fn drop(&mut self) {
        if self.writer.take().is_some() || self.temporary.exists() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

struct MetricJson<'a>(&'a MetricSummary);

impl Serialize for MetricJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let e = self.0.estimate;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("mean", &e.map(|e| e.mean))?;
        map.serialize_entry("ci95_low", &e.and_then(|e| e.ci95).map(|c| c.0))?;
        map.serialize_entry("ci95_high", &e.and_then(|e| e.ci95).map(|c| c.1))?;
        if let Some(percentiles) = self.0.percentiles {
            for ((name, _), value) in PERCENTILES.iter().zip(percentiles) {
                map.serialize_entry(name, &value)?;
            }
        }
        map.end()
    }
}

struct MetricsJson<'a>(&'a [MetricSummary]);

impl Serialize for MetricsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (def, summary) in METRICS.iter().zip(self.0) {
            map.serialize_entry(def.name, &MetricJson(summary))?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ModelJson<'a> {
    name: &'a str,
    metrics: MetricsJson<'a>,
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    schema_version: u32,
    scenario: &'a str,
    seed: u64,
    replications: u32,
    /// Left out when there are none, so a run without warnings writes the same bytes as
    /// before the key existed. Before `models`, so a person opening the file sees them first.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    models: Vec<ModelJson<'a>>,
}

/// `summary.json`: every model's metrics, and the run's `warnings` (the sentences of
/// `overload::warnings`) when there are any.
pub fn summary_json(comparison: &Comparison, warnings: &[String]) -> String {
    let summaries: Vec<Vec<MetricSummary>> = (0..comparison.model_names.len()).map(|m| comparison.summarise(m)).collect();
    let summary = SummaryJson {
        schema_version: SCHEMA_VERSION,
        scenario: &comparison.scenario_name,
        seed: comparison.seed,
        replications: comparison.replications,
        warnings,
        models: comparison
            .model_names
            .iter()
            .zip(&summaries)
            .map(|(name, metrics)| ModelJson { name, metrics: MetricsJson(metrics) })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&summary).expect("summary serialises");
    text.push('\n');
    text
}

pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

pub fn replications_csv(comparison: &Comparison) -> String {
    let mut out = String::from("model,replication,metric,value\n");
    replication_rows(comparison, "", &mut out);
    out
}

/// The rows of `replications.csv` (every metric, then each wait's percentiles, of every
/// replication), each line starting with `prefix` (a sweep puts the point and factor values
/// there).
pub fn replication_rows(comparison: &Comparison, prefix: &str, out: &mut String) {
    for r in &comparison.results {
        let model = format!("{prefix}{}", csv_field(&comparison.model_names[r.model_idx]));
        for (def, value) in METRICS.iter().zip(r.values) {
            if let Some(v) = value {
                writeln!(out, "{model},{},{},{v}", r.replication, def.name).expect("writing to a String");
            }
        }
        for (wait_idx, metric) in WAIT_METRICS.iter().enumerate() {
            for (suffix, q) in PERCENTILES {
                if let Some(v) = r.wait_percentile(wait_idx, q) {
                    writeln!(out, "{model},{},{}_{suffix},{v}", r.replication, METRICS[*metric as usize].name)
                        .expect("writing to a String");
                }
            }
        }
    }
}

pub fn timeseries_csv(comparison: &Comparison) -> String {
    let mut out = String::from("model,replication,month,metric,value\n");
    for r in &comparison.results {
        let model = csv_field(&comparison.model_names[r.model_idx]);
        for (month, row) in r.months.iter().enumerate() {
            for (name, value) in TIMESERIES.iter().zip(row) {
                if let Some(v) = value {
                    writeln!(out, "{model},{},{month},{name},{v}", r.replication).expect("writing to a String");
                }
            }
        }
    }
    out
}

/// A number for people: three significant figures, thousands without exponent.
pub fn human(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        let rounded = value.round() as i64;
        let digits = rounded.abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if rounded < 0 { format!("-{grouped}") } else { grouped }
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// The comparison table printed after a run: metrics as rows, models side by side, each cell
/// the mean and its 95% confidence interval across replications.
pub fn comparison_table(comparison: &Comparison) -> String {
    let summaries: Vec<Vec<MetricSummary>> = (0..comparison.model_names.len()).map(|m| comparison.summarise(m)).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["metric".to_string()];
    header.extend(comparison.model_names.iter().cloned());
    rows.push(header);
    let mut cut_at_zero = false;
    for (m, def) in METRICS.iter().enumerate() {
        let mut row = vec![def.name.to_string()];
        for model in &summaries {
            row.push(match model[m].estimate {
                None => "-".into(),
                Some(e) => match e.ci95 {
                    Some(interval) => {
                        let ((low, high), cut) = crate::metrics::shown_interval(def, interval);
                        cut_at_zero |= cut;
                        format!("{} [{}, {}]", human(e.mean), human(low), human(high))
                    }
                    None => human(e.mean),
                },
            });
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| if c == 0 { format!("{cell:<w$}", w = widths[c]) } else { format!("{cell:>w$}", w = widths[c]) })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end()).expect("writing to a String");
        if i == 0 {
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  ")).expect("writing to a String");
        }
    }
    writeln!(
        out,
        "\n{} replications per model, seed {}; cells are mean [95% confidence interval]. Waits in days; rates per year.",
        comparison.replications, comparison.seed
    )
    .expect("writing to a String");
    // Said only when it happened, so a table without such an interval reads as it always did.
    if cut_at_zero {
        writeln!(out, "{}", crate::metrics::CUT_AT_ZERO_NOTE).expect("writing to a String");
    }
    out
}

/// What a run to a precision says after its table: whether every interval is narrow enough,
/// after how many replications, and, when the maximum stopped it, what is still too wide.
pub fn precision_report(comparison: &Comparison, report: &crate::experiment::PrecisionReport) -> String {
    let percent = report.rule.relative_half_width * 100.0;
    if report.met {
        return format!(
            "Precision reached: every metric's 95% half-width is within {percent}% of its mean after {} replications per model.\n",
            report.n_replications
        );
    }
    let mut out = format!(
        "Precision NOT reached: stopped at the maximum of {} replications per model with {} metric(s) wider than {percent}% of their mean:\n",
        report.rule.max_replications,
        report.unmet.len()
    );
    for unmet in &report.unmet {
        let width = match unmet.relative_half_width {
            Some(r) => format!("half-width {:.1}% of the mean", r * 100.0),
            None => "no interval (observed in fewer than two replications, or a mean of zero)".to_string(),
        };
        writeln!(out, "  {} {}: {width}", comparison.model_names[unmet.model_idx], METRICS[unmet.metric_idx].name)
            .expect("writing to a String");
    }
    out.push_str("Raise --max-replications, or accept a wider --precision.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::{AtomicWriter, comparison_table};
    use crate::experiment::Comparison;
    use crate::metrics::{CUT_AT_ZERO_NOTE, Diagnostics, Metric, N_METRICS, ReplicationResult, new_wait_histogram};

    /// One model's replications with these values of lost episodes and of the wait for a
    /// service, and no other metric observed.
    fn comparison(lost: &[f64], wait: &[f64]) -> Comparison {
        let results = lost
            .iter()
            .zip(wait)
            .enumerate()
            .map(|(r, (lost, wait))| {
                let mut values = [None; N_METRICS];
                values[Metric::LostEpisodes as usize] = Some(*lost);
                values[Metric::WaitServiceStart as usize] = Some(*wait);
                ReplicationResult {
                    model_idx: 0,
                    replication: r as u32,
                    values,
                    waits: std::array::from_fn(|_| new_wait_histogram()),
                    months: Vec::new(),
                    diagnostics: Diagnostics::default(),
                }
            })
            .collect();
        Comparison { scenario_name: "small".into(), seed: 1, replications: lost.len() as u32, model_names: vec!["siloed".into()], results }
    }

    #[test]
    fn the_printed_table_shows_an_interval_of_a_measure_that_cannot_be_negative_from_zero_and_says_so() {
        // Three replications of a rare loss: the t-interval is about [-2.9, 6.7].
        let table = comparison_table(&comparison(&[0.2, 1.5, 4.0], &[20.0, 21.0, 22.0]));
        let row = table.lines().find(|l| l.starts_with("lost_episodes")).expect("a row of lost episodes");
        assert!(row.ends_with("1.90 [0.000, 6.70]"), "{row}");
        assert!(table.lines().find(|l| l.starts_with("wait_service_start_days")).unwrap().ends_with("21.0 [18.5, 23.5]"), "{table}");
        assert!(table.trim_end().ends_with(CUT_AT_ZERO_NOTE), "{table}");
        // Nothing cut, no footnote: the table reads as it always did.
        let table = comparison_table(&comparison(&[3.0, 3.5, 4.0], &[20.0, 21.0, 22.0]));
        assert!(!table.contains(CUT_AT_ZERO_NOTE), "{table}");
        assert!(!table.contains("[0.000,"), "{table}");
    }

    #[test]
    fn an_atomic_writer_leaves_its_file_whole_or_nothing() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("points.csv");
        std::fs::write(&path, "earlier\n").expect("an earlier file");
        // Dropped part way (an error while writing): the earlier file stays, no partial file.
        {
            let mut writer = AtomicWriter::create(&path).expect("create");
            writer.write_str("half").expect("write");
        }
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).expect("list").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["points.csv"], "a dropped writer left {names:?}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "earlier\n");
        // Committed: the new file replaces the old one, and nothing else is left.
        let mut writer = AtomicWriter::create(&path).expect("create");
        writer.write_str("whole\n").expect("write");
        assert_eq!(writer.commit().expect("commit"), path);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "whole\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
    }
}
