//! Writing results: `summary.json`, tidy CSVs, the resolved scenario and the comparison table.
//!
//! **Invariant:** output bytes depend only on the results (no timestamps, no hash-map order),
//! so the same scenario and seed give byte-identical files on any number of threads.
//! **Invariant:** no file ever holds NaN or infinity; a metric with no observations is `null`
//! in JSON and absent (no row) in CSV.

use crate::error::{Error, Result};
use crate::experiment::{Comparison, MetricSummary};
use crate::metrics::{METRICS, PERCENTILES, TIMESERIES, WAIT_METRICS};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Version of the `summary.json` layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The files a run writes, built in memory first so that nothing is written unless all of
/// it could be produced.
pub struct RunFiles {
    pub files: Vec<(&'static str, String)>,
}

pub fn run_files(comparison: &Comparison, resolved_scenario_ron: &str) -> RunFiles {
    RunFiles {
        files: vec![
            ("summary.json", summary_json(comparison)),
            ("replications.csv", replications_csv(comparison)),
            ("timeseries.csv", timeseries_csv(comparison)),
            ("scenario.ron", resolved_scenario_ron.to_string()),
        ],
    }
}

impl RunFiles {
    /// Writes every file into `dir` atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Output { path: dir.to_path_buf(), source })?;
        let mut written = Vec::new();
        for (name, text) in &self.files {
            let path = dir.join(name);
            write_atomically(&path, text.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.partial"));
    let fail = |source| Error::Output { path: path.to_path_buf(), source };
    std::fs::write(&temporary, bytes).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        Error::Output { path: path.to_path_buf(), source }
    })
}

/// A file written through a temporary file beside it and renamed into place on
/// [`AtomicWriter::commit`], for files too large to build in memory first. Dropped without
/// a commit, it leaves only the temporary file, which the next write replaces.
pub struct AtomicWriter {
    path: PathBuf,
    temporary: PathBuf,
    writer: std::io::BufWriter<std::fs::File>,
}

impl AtomicWriter {
    pub fn create(path: &Path) -> Result<AtomicWriter> {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = path.with_file_name(format!(".{file_name}.partial"));
        let file = std::fs::File::create(&temporary).map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
        Ok(AtomicWriter { path: path.to_path_buf(), temporary, writer: std::io::BufWriter::new(file) })
    }

    pub fn write_str(&mut self, text: &str) -> Result<()> {
        use std::io::Write;
        self.writer.write_all(text.as_bytes()).map_err(|source| Error::Output { path: self.path.clone(), source })
    }

    /// Flushes the temporary file and renames it over the destination. (No fsync: like
    /// [`write_atomically`], this guards against a killed process, not a power cut.)
    pub fn commit(self) -> Result<PathBuf> {
        let AtomicWriter { path, temporary, writer } = self;
        let fail = |source| Error::Output { path: path.clone(), source };
        writer.into_inner().map_err(|e| fail(e.into_error()))?;
        std::fs::rename(&temporary, &path).map_err(fail)?;
        Ok(path)
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
    models: Vec<ModelJson<'a>>,
}

pub fn summary_json(comparison: &Comparison) -> String {
    let summaries: Vec<Vec<MetricSummary>> = (0..comparison.model_names.len()).map(|m| comparison.summarise(m)).collect();
    let summary = SummaryJson {
        schema_version: SCHEMA_VERSION,
        scenario: &comparison.scenario_name,
        seed: comparison.seed,
        replications: comparison.replications,
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
                    writeln!(out, "{model},{},{}_{suffix},{v}", r.replication, METRICS[*metric as usize].name).expect("writing to a String");
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
            if i > 0 && (digits.len() - i) % 3 == 0 {
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
    for (m, def) in METRICS.iter().enumerate() {
        let mut row = vec![def.name.to_string()];
        for model in &summaries {
            row.push(match model[m].estimate {
                None => "-".into(),
                Some(e) => match e.ci95 {
                    Some((low, high)) => format!("{} [{}, {}]", human(e.mean), human(low), human(high)),
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
        writeln!(out, "  {} {}: {width}", comparison.model_names[unmet.model_idx], METRICS[unmet.metric_idx].name).expect("writing to a String");
    }
    out.push_str("Raise --max-replications, or accept a wider --precision.\n");
    out
}
