//! Sweeps: run a plan's design points (every model, with common random numbers, for a fixed
//! number of replications or to a precision), write each finished point atomically so a
//! killed sweep resumes, split a plan into shards for a cluster, merge the shards, and emit
//! the Slurm scripts that do all of this.
//!
//! Output folder of `joinedup sweep` (and of each shard):
//! - `shard.json`: which plan (fingerprint), which shard, and what the final files need;
//! - `points/point-NNNNNN.json`: one finished design point each, written atomically;
//! - the final files, once every point of an unsharded run is done (a shard's are written
//!   by `joinedup merge`): `replications.csv`, `points.csv`, `morris.csv` (Morris designs),
//!   `sweep.json`, `plan.ron` and `scenario.ron`.
//!
//! **Invariant:** the final files are always assembled from the point files on disk, in
//! point order, by one function ([`assemble`]); so an uninterrupted run, a resumed run and a
//! merge of shards write the same bytes, whatever the thread count.

use crate::design;
use crate::error::{Error, Result};
use crate::experiment::{self, PrecisionRule};
use crate::metrics::{METRICS, N_METRICS};
use crate::output::{self, AtomicWriter, csv_field, write_atomically};
use crate::scenario::plan::{Design, FactorValues, Plan, Value};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Version of the layout of `sweep.json`, `shard.json` and the point files. The optional
/// warnings (a point file's `warnings`, `sweep.json`'s `points_with_warnings`, written only
/// when there are some) did not bump it: older point files read as points without warnings,
/// so a sweep started before them resumes and merges, and a sweep without warnings writes the
/// bytes it always did.
pub const SCHEMA_VERSION: u32 = 1;
/// Most shards a plan may be split into (one Slurm array task each).
pub const MAX_SHARDS: usize = 10_000;

/// The K-th (from 1) of N deterministic slices of a plan: the points whose index is K - 1
/// modulo N, so every shard gets a spread of the design rather than one corner of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { k: 1, n: 1 };

    /// Reads `K/N` as `--shard` gives it.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |message: String| Error::BadArgument { option: "--shard".into(), message };
        let (k, n) = text.split_once('/').ok_or_else(|| bad(format!("expected K/N such as 3/8, found `{text}`")))?;
        let k: usize = k.trim().parse().map_err(|_| bad(format!("`{k}` is not a shard number")))?;
        let n: usize = n.trim().parse().map_err(|_| bad(format!("`{n}` is not a number of shards")))?;
        if n == 0 || n > MAX_SHARDS || k == 0 || k > n {
            return Err(bad(format!("needs 1 <= K <= N <= {MAX_SHARDS}, found {k}/{n} (shards count from 1)")));
        }
        Ok(Shard { k, n })
    }

    pub fn owns(&self, point_idx: usize) -> bool {
        point_idx % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// One design point: its unit coordinates (level indices for a factorial design) and the
/// value of every factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub idx: usize,
    pub unit: Vec<f64>,
    pub values: Vec<Value>,
}

/// Every design point of a plan, in order.
pub fn points(plan: &Plan) -> Vec<Point> {
    let k = plan.factors.len();
    let coordinates: Vec<Vec<f64>> = match plan.design {
        Design::Factorial => {
            let n_levels: Vec<usize> =
                plan.factors.iter().map(|f| if let FactorValues::Levels(l) = &f.values { l.len() } else { 1 }).collect();
            design::factorial(&n_levels).into_iter().map(|idx| idx.into_iter().map(|i| i as f64).collect()).collect()
        }
        Design::LatinHypercube { n_points } => design::latin_hypercube(n_points, k, plan.seed),
        Design::Morris { n_trajectories, n_levels } => design::morris(n_trajectories, k, n_levels, plan.seed),
    };
    coordinates
        .into_iter()
        .enumerate()
        .map(|(idx, unit)| {
            let values = plan
                .factors
                .iter()
                .zip(&unit)
                .map(|(factor, &u)| match (&factor.values, plan.design) {
                    (FactorValues::Levels(levels), Design::Factorial) => levels[u as usize].clone(),
                    _ => factor.at(u),
                })
                .collect();
            Point { idx, unit, values }
        })
        .collect()
}

/// The plan's identity: a hash of the resolved plan and base scenario. Shards merge only
/// when theirs are equal, and a folder resumes only a sweep with the same one.
pub fn fingerprint(plan: &Plan) -> String {
    // Two independent 64-bit lanes of SplitMix mixing over the bytes: stable across Rust
    // versions (unlike `DefaultHasher`); this detects mix-ups, it is not a security measure.
    let text = format!("{}\0{}", plan.plan_ron, plan.scenario_ron);
    let (mut a, mut b) = (0x6A09_E667_F3BC_C908u64, 0xBB67_AE85_84CA_A73Bu64);
    for chunk in text.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        a = crate::rng::mix64(a ^ word);
        b = crate::rng::mix64(b.rotate_left(17) ^ word ^ 0x3C6E_F372_FE94_F82B);
    }
    a = crate::rng::mix64(a ^ text.len() as u64);
    b = crate::rng::mix64(b ^ text.len() as u64);
    format!("{a:016x}{b:016x}")
}

/// What `sweep.json` says about the sweep (also kept in every `shard.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub plan: String,
    pub description: String,
    pub fingerprint: String,
    pub seed: u64,
    pub design: DesignInfo,
    pub n_points: usize,
    pub factors: Vec<FactorInfo>,
    pub models: Vec<String>,
    /// Replications per point (the first batch, with a precision).
    pub replications: u32,
    pub precision: Option<f64>,
    pub max_replications: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum DesignInfo {
    Factorial,
    LatinHypercube { points: usize },
    Morris { trajectories: usize, levels: usize },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorInfo {
    pub name: String,
    pub path: String,
}

/// `shard.json`: written when a sweep starts, read to resume and to merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    schema_version: u32,
    shard: Shard,
    info: SweepInfo,
    plan_ron: String,
    scenario_ron: String,
}

/// One finished design point, as `points/point-NNNNNN.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PointFile {
    fingerprint: String,
    point: usize,
    unit: Vec<f64>,
    replications: u32,
    precision_met: Option<bool>,
    /// The names of the metrics, in the order of `means`: a point written by a joinedup with
    /// other metrics (another version; absent before the waits by tier) is not this sweep's,
    /// since `means` is read by position.
    #[serde(default)]
    metrics: Vec<String>,
    /// The names of the percentile rows `replication_rows` may hold, in their order
    /// (`metrics::percentile_row_names`): a point written before the waits by tier had
    /// percentiles has rows of fewer, and is run again rather than mixed with points that have
    /// them.
    #[serde(default)]
    percentile_rows: Vec<String>,
    /// Mean of every metric, by model then metric (`None` where never observed).
    means: Vec<Vec<Option<f64>>>,
    /// Lines of `replications.csv`, complete with point and factor columns.
    replication_rows: String,
    /// Lines of `points.csv`.
    summary_rows: String,
    /// What `joinedup run` would have warned about this point (`overload::warnings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// How the build that ran the point computes `exp`, `ln` and `powf`
    /// (`provenance::math_library_fingerprint`): the same on every machine since they are
    /// computed in Rust (`math`), but a point left by a version that took them from the C
    /// library, or by a changed `libm` crate, is a valid point that is not byte for byte
    /// what this build would write.
    #[serde(default)]
    math_library: Option<String>,
}

/// The warnings of one design point, as `sweep.json`'s `points_with_warnings` lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointWarnings {
    pub point: usize,
    pub warnings: Vec<String>,
}

/// How a sweep command is run.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub out_dir: PathBuf,
    pub threads: Option<usize>,
    pub shard: Shard,
}

/// What a sweep did.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    pub n_points_plan: usize,
    pub n_points_shard: usize,
    /// Points found finished in the folder and skipped.
    pub n_points_skipped: usize,
    /// Final files written (none for a shard of several).
    pub files: Vec<PathBuf>,
    pub summary: Option<Summary>,
}

/// What the final files say, for the message after a sweep or merge.
#[derive(Debug, Clone)]
pub struct Summary {
    pub n_points: usize,
    pub n_points_precision_met: usize,
    pub n_points_precision_not_met: usize,
    /// Morris ranking of one headline metric per model: (model, [(factor, mu_star)]).
    pub morris_headline: Vec<Ranking>,
    /// The points whose runs gave warnings, in point order.
    pub points_with_warnings: Vec<PointWarnings>,
    /// The `math_library` fingerprints of the builds that ran the points, each once, sorted.
    pub math_libraries: Vec<String>,
}

/// Factors ranked by mu* for one model: (model, [(factor, mu_star)]).
pub type Ranking = (String, Vec<(String, f64)>);

/// The metric whose Morris ranking is printed after a screening.
pub const HEADLINE_METRIC: &str = "wait_service_start_days";

fn info(plan: &Plan) -> SweepInfo {
    SweepInfo {
        plan: plan.name.clone(),
        description: plan.description.clone(),
        fingerprint: fingerprint(plan),
        seed: plan.seed,
        design: match plan.design {
            Design::Factorial => DesignInfo::Factorial,
            Design::LatinHypercube { n_points } => DesignInfo::LatinHypercube { points: n_points },
            Design::Morris { n_trajectories, n_levels } => DesignInfo::Morris { trajectories: n_trajectories, levels: n_levels },
        },
        n_points: plan.n_points(),
        factors: plan.factors.iter().map(|f| FactorInfo { name: f.name.clone(), path: f.path.clone() }).collect(),
        models: plan.base.models.iter().map(|m| m.name.clone()).collect(),
        replications: plan.replications,
        precision: plan.precision,
        max_replications: plan.precision.map(|_| plan.max_replications),
    }
}

/// Refuses an output folder that holds a run's results: a sweep or a merge there would
/// replace the run's `replications.csv` and `scenario.ron` and leave a folder that is half
/// one and half the other.
fn refuse_run_folder(dir: &Path) -> Result<()> {
    let found: Vec<&str> = crate::output::RUN_ONLY_FILE_NAMES.iter().copied().filter(|name| dir.join(name).exists()).collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::SweepResults {
        path: dir.to_path_buf(),
        message: format!(
            "it holds a run's results ({}), not a sweep's, and a sweep's files would replace its replications.csv and scenario.ron. Choose another --out folder.",
            found.join(", ")
        ),
    })
}

fn point_path(dir: &Path, point_idx: usize) -> PathBuf {
    dir.join("points").join(format!("point-{point_idx:06}.json"))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::SweepResults { path: path.to_path_buf(), message: format!("cannot read it ({e})") })?;
    serde_json::from_str(&text).map_err(|e| Error::SweepResults {
        path: path.to_path_buf(),
        message: format!("it is not a file joinedup {} wrote ({e}); remove it and run the sweep again", env!("CARGO_PKG_VERSION")),
    })
}

fn to_json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("sweep files serialise");
    text.push('\n');
    text
}

/// Whether point `point_idx` is finished in `dir` for the sweep with this fingerprint.
fn point_done(dir: &Path, point_idx: usize, fingerprint: &str) -> bool {
    let path = point_path(dir, point_idx);
    // A point file is written atomically, so one that exists is whole; one that does not
    // parse (edited by hand, or from another version) is simply run again.
    path.exists()
        && read_json::<PointFile>(&path).is_ok_and(|p| p.fingerprint == fingerprint && p.point == point_idx && has_these_metrics(&p))
}

/// Whether a point file's means are of this build's metrics, in this order, and its rows have
/// this build's percentiles.
fn has_these_metrics(point: &PointFile) -> bool {
    point.metrics.len() == METRICS.len()
        && point.metrics.iter().zip(METRICS).all(|(name, def)| name == def.name)
        && point.percentile_rows.iter().cloned().eq(crate::metrics::percentile_row_names())
}

/// What an output folder holds when it has no final files yet: a sweep still under way,
/// killed or interrupted, or one shard of several.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    pub plan: String,
    pub shard: Shard,
    /// Points of the plan that belong to this folder's shard (all of them for a whole sweep).
    pub n_points_shard: usize,
    /// Of those, points finished and kept in `points/`.
    pub n_points_done: usize,
}

/// Reads `shard.json` in `dir`, if there is one, and counts the finished points: for
/// `joinedup report`, to tell someone pointing it at an unfinished sweep how to finish it.
pub fn unfinished(dir: &Path) -> Result<Option<Unfinished>> {
    let manifest_path = dir.join("shard.json");
    if !manifest_path.exists() {
        return Ok(None);
    }
    let manifest: Manifest = read_json(&manifest_path)?;
    let fingerprint = &manifest.info.fingerprint;
    let mine: Vec<usize> = (0..manifest.info.n_points).filter(|&p| manifest.shard.owns(p)).collect();
    let n_points_done = mine.iter().filter(|&&p| point_done(dir, p, fingerprint)).count();
    Ok(Some(Unfinished { plan: manifest.info.plan, shard: manifest.shard, n_points_shard: mine.len(), n_points_done }))
}

/// Runs the plan's points that belong to `options.shard` and are not already finished in
/// `options.out_dir`; for an unsharded run, then assembles the final files.
/// Where two resolved texts first differ, as "line N was `...`, is now `...`" (lines cut to
/// 80 characters), for saying what changed in a plan since its folder was started.
fn first_difference(was: &str, now: &str) -> String {
    let cut = |line: Option<&str>| -> String {
        let line = line.unwrap_or("(the end)").trim();
        let short: String = line.chars().take(80).collect();
        if short.len() < line.len() { format!("{short}...") } else { short }
    };
    let (mut old, mut new) = (was.lines(), now.lines());
    let mut n = 1;
    loop {
        match (old.next(), new.next()) {
            (a, b) if a == b && a.is_none() => return "the texts are the same".into(),
            (a, b) if a == b => n += 1,
            (a, b) => return format!("line {n} was `{}`, is now `{}`", cut(a), cut(b)),
        }
    }
}

pub fn run(plan: &Plan, options: &SweepOptions) -> Result<SweepOutcome> {
    let dir = &options.out_dir;
    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        shard: options.shard,
        info: info(plan),
        plan_ron: plan.plan_ron.clone(),
        scenario_ron: plan.scenario_ron.clone(),
    };
    let fingerprint = manifest.info.fingerprint.clone();
    let n_points = plan.n_points();
    if options.shard.n > n_points {
        // The extra shards would run nothing, yet a merge would wait for every one of them.
        return Err(Error::BadArgument {
            option: "--shard".into(),
            message: format!("the plan has {n_points} points, so it splits into at most {n_points} shards, not {}", options.shard.n),
        });
    }
    refuse_run_folder(dir)?;
    std::fs::create_dir_all(dir.join("points")).map_err(|source| Error::Output { path: dir.join("points"), source })?;
    let manifest_path = dir.join("shard.json");
    if manifest_path.exists() {
        let found: Manifest = read_json(&manifest_path)?;
        if found.info.fingerprint != fingerprint || found.shard != options.shard {
            let changed = if found.shard != options.shard {
                String::new()
            } else if found.plan_ron != manifest.plan_ron {
                format!(" The plan has changed since: {}.", first_difference(&found.plan_ron, &manifest.plan_ron))
            } else if found.scenario_ron != manifest.scenario_ron {
                format!(" The base scenario has changed since: {}.", first_difference(&found.scenario_ron, &manifest.scenario_ron))
            } else {
                String::new()
            };
            return Err(Error::SweepResults {
                path: dir.clone(),
                message: format!(
                    "it holds shard {} of plan `{}` (fingerprint {}), not shard {} of plan `{}` (fingerprint {}).{changed} Choose another --out folder, or remove this one to start afresh.",
                    found.shard, found.info.plan, found.info.fingerprint, options.shard, plan.name, fingerprint
                ),
            });
        }
    } else {
        write_atomically(&manifest_path, to_json(&manifest).as_bytes())?;
    }

    let all = points(plan);
    let mine: Vec<&Point> = all.iter().filter(|p| options.shard.owns(p.idx)).collect();
    let pending: Vec<&Point> = mine.iter().copied().filter(|p| !point_done(dir, p.idx, &fingerprint)).collect();
    let n_skipped = mine.len() - pending.len();
    let rule = plan.precision.map(|relative_half_width| PrecisionRule { relative_half_width, max_replications: plan.max_replications });

    let progress = progress_bar(mine.len() as u64, n_skipped as u64);
    let stop = AtomicBool::new(false);
    let outcomes = experiment::for_each_point(&pending, options.threads, |point| -> Result<()> {
        // After one point fails the others are not started: the sweep stops soon with its
        // error, and what finished is kept for the rerun.
        if stop.load(Ordering::Relaxed) || experiment::stop_requested() {
            return Ok(());
        }
        let result = run_point(plan, point, rule, &fingerprint)
            .and_then(|file| write_atomically(&point_path(dir, point.idx), to_json(&file).as_bytes()));
        match &result {
            Ok(()) => progress.inc(1),
            Err(_) => stop.store(true, Ordering::Relaxed),
        }
        result
    })?;
    progress.finish_and_clear();
    if experiment::stop_requested() {
        // Points under way when Ctrl-C came were abandoned, not written; every finished one
        // is on disk whole, so running the same command again carries on from here.
        let n_done = mine.iter().filter(|p| point_done(dir, p.idx, &fingerprint)).count();
        return Err(Error::Interrupted {
            message: format!(
                "{n_done} of the {} points{} are finished and kept in {}; run the same command again to carry on from there.",
                mine.len(),
                if options.shard.n > 1 { format!(" of shard {}", options.shard) } else { String::new() },
                dir.join("points").display()
            ),
        });
    }
    // The first failure in point order, so the message does not depend on thread timing
    // more than it must.
    outcomes.into_iter().collect::<Result<Vec<()>>>()?;

    let (files, summary) = if options.shard.n == 1 {
        let (files, summary) = assemble(&manifest, &|_| dir.clone(), dir)?;
        (files, Some(summary))
    } else {
        (Vec::new(), None)
    };
    Ok(SweepOutcome { n_points_plan: all.len(), n_points_shard: mine.len(), n_points_skipped: n_skipped, files, summary })
}

fn progress_bar(total: u64, done: u64) -> indicatif::ProgressBar {
    // Only on a terminal: in a batch job or a pipe the bar would fill the log with redraws.
    let target =
        if std::io::stderr().is_terminal() { indicatif::ProgressDrawTarget::stderr() } else { indicatif::ProgressDrawTarget::hidden() };
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} points, about {eta} left")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_position(done);
    bar.reset_eta();
    bar
}

/// Runs one point and formats everything the final files need from it.
fn run_point(plan: &Plan, point: &Point, rule: Option<PrecisionRule>, fingerprint: &str) -> Result<PointFile> {
    let described = || plan.factors.iter().zip(&point.values).map(|(f, v)| format!("{} = {v}", f.name)).collect::<Vec<_>>().join(", ");
    let wrap = |source: Error| Error::Point { point_idx: point.idx, values: described(), source: Box::new(source) };
    let scenario = plan.scenario_at(&point.values).map_err(wrap)?;
    let (comparison, report) = experiment::replicate(&scenario, rule).map_err(wrap)?;
    let mut prefix = point.idx.to_string();
    for value in &point.values {
        prefix.push(',');
        prefix.push_str(&csv_field(&value.to_string()));
    }
    prefix.push(',');
    let mut replication_rows = String::new();
    output::replication_rows(&comparison, &prefix, &mut replication_rows);
    let precision_met = report.as_ref().map(|r| r.met);
    let met_text = precision_met.map_or(String::new(), |m| m.to_string());
    let mut summary_rows = String::new();
    let mut means = Vec::new();
    for (model_idx, model) in comparison.model_names.iter().enumerate() {
        let mut model_means = Vec::with_capacity(N_METRICS);
        for (metric_idx, def) in METRICS.iter().enumerate() {
            let estimate =
                crate::metrics::Estimate::from_values(comparison.model_results(model_idx).iter().filter_map(|r| r.values[metric_idx]));
            model_means.push(estimate.map(|e| e.mean));
            if let Some(e) = estimate {
                let (low, high) = e.ci95.map_or((String::new(), String::new()), |(l, h)| (l.to_string(), h.to_string()));
                writeln!(
                    summary_rows,
                    "{prefix}{},{},{},{},{},{low},{high},{met_text}",
                    csv_field(model),
                    def.name,
                    comparison.replications,
                    e.n,
                    e.mean
                )
                .expect("writing to a String");
            }
        }
        means.push(model_means);
    }
    Ok(PointFile {
        fingerprint: fingerprint.to_string(),
        point: point.idx,
        unit: point.unit.clone(),
        replications: comparison.replications,
        precision_met,
        metrics: METRICS.iter().map(|def| def.name.to_string()).collect(),
        percentile_rows: crate::metrics::percentile_row_names().collect(),
        means,
        replication_rows,
        summary_rows,
        warnings: crate::overload::warnings(&scenario, &comparison),
        math_library: Some(crate::provenance::math_library_fingerprint()),
    })
}

/// Writes the final files into `out` from the point files, taking point `i` from
/// `dir_of(i)`, in point order. They are built in a folder of their own inside `out` and
/// moved into place only once every one is whole, so a failure part way (a corrupt point
/// file, a full disk) leaves no half-written file behind and `out`'s earlier final files as
/// they were.
fn assemble(manifest: &Manifest, dir_of: &dyn Fn(usize) -> PathBuf, out: &Path) -> Result<(Vec<PathBuf>, Summary)> {
    let staging = out.join(STAGING);
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    std::fs::create_dir_all(out).map_err(fail(out))?;
    // One left by an assembly that was killed holds nothing worth keeping.
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(fail(&staging))?;
    }
    std::fs::create_dir(&staging).map_err(fail(&staging))?;
    let built = build_final_files(manifest, dir_of, &staging).and_then(|(staged, summary)| {
        // Moved into place in the order they were written, so sweep.json, whose presence marks
        // a finished sweep, arrives last.
        let mut files = Vec::with_capacity(staged.len());
        for from in staged {
            let to = out.join(from.file_name().expect("a final file has a name"));
            std::fs::rename(&from, &to).map_err(fail(&to))?;
            files.push(to);
        }
        debug_assert!(files.last().is_some_and(|f| f.ends_with("sweep.json")), "sweep.json is moved into place last");
        // Listed in the order sweep.json gives them, as the messages after a sweep always have.
        let n = files.len();
        files[n - 3..].rotate_right(1);
        Ok((files, summary))
    });
    let _ = std::fs::remove_dir_all(&staging);
    built
}

/// The folder inside a results folder where [`assemble`] builds the final files; named like
/// the other temporary files so that it reads as one.
const STAGING: &str = ".final-files.partial";

/// Writes the final files into `out` (a staging folder), as [`assemble`] describes.
fn build_final_files(manifest: &Manifest, dir_of: &dyn Fn(usize) -> PathBuf, out: &Path) -> Result<(Vec<PathBuf>, Summary)> {
    let info = &manifest.info;
    let factor_columns: String = info.factors.iter().map(|f| format!("{},", f.name)).collect();
    let mut replications = AtomicWriter::create(&out.join("replications.csv"))?;
    replications.write_str(&format!("point,{factor_columns}model,replication,metric,value\n"))?;
    let mut summary = AtomicWriter::create(&out.join("points.csv"))?;
    summary.write_str(&format!("point,{factor_columns}model,metric,replications,n,mean,ci95_low,ci95_high,precision_met\n"))?;
    let is_morris = matches!(info.design, DesignInfo::Morris { .. });
    // Kept only for a Morris design: points x models x metrics means.
    let mut units = Vec::new();
    let mut means = Vec::new();
    let (mut n_met, mut n_not_met) = (0, 0);
    let mut points_with_warnings = Vec::new();
    let mut math_libraries = std::collections::BTreeSet::new();
    for point_idx in 0..info.n_points {
        let path = point_path(&dir_of(point_idx), point_idx);
        if !path.exists() {
            return Err(Error::SweepResults {
                path: path.clone(),
                message: format!("point {point_idx} has no result; run the sweep (or its shard) again to finish it"),
            });
        }
        let point: PointFile = read_json(&path)?;
        if point.fingerprint != info.fingerprint || point.point != point_idx {
            return Err(Error::SweepResults {
                path,
                message: format!(
                    "it belongs to another sweep (fingerprint {}, point {}); remove it and run again",
                    point.fingerprint, point.point
                ),
            });
        }
        if !has_these_metrics(&point) {
            let n_means = point.means.first().map_or(point.metrics.len(), Vec::len);
            let (n_rows, n_rows_here) = (point.percentile_rows.len(), crate::metrics::percentile_row_names().count());
            let other = if n_means != METRICS.len() || n_rows == n_rows_here {
                format!("with other metrics ({n_means} of them, this one has {})", METRICS.len())
            } else {
                format!("with wait percentiles for other waits ({n_rows} percentile rows, this one writes {n_rows_here})")
            };
            return Err(Error::SweepResults {
                path,
                message: format!(
                    "it was written by another version of joinedup, {other}; remove it and run the sweep (or its shard) again to redo the point"
                ),
            });
        }
        replications.write_str(&point.replication_rows)?;
        summary.write_str(&point.summary_rows)?;
        match point.precision_met {
            Some(true) => n_met += 1,
            Some(false) => n_not_met += 1,
            None => {}
        }
        if is_morris {
            units.push(point.unit);
            means.push(point.means);
        }
        if !point.warnings.is_empty() {
            points_with_warnings.push(PointWarnings { point: point_idx, warnings: point.warnings });
        }
        math_libraries.extend(point.math_library);
    }
    let math_libraries: Vec<String> = math_libraries.into_iter().collect();
    let mut files = vec![replications.commit()?, summary.commit()?];
    let mut morris_headline = Vec::new();
    let mut file_names = vec!["replications.csv", "points.csv"];
    if is_morris {
        let (text, headline) = morris_csv(info, &units, &means);
        let path = out.join("morris.csv");
        write_atomically(&path, text.as_bytes())?;
        files.push(path);
        file_names.push("morris.csv");
        morris_headline = headline;
    }
    file_names.extend(["sweep.json", "plan.ron", "scenario.ron"]);
    #[derive(Serialize)]
    struct PrecisionOutcome {
        n_points_met: usize,
        n_points_not_met: usize,
    }
    #[derive(Serialize)]
    struct SweepJson<'a> {
        schema_version: u32,
        /// The joinedup version that assembled the results, so a report can say which
        /// version to reproduce them with.
        joinedup_version: &'static str,
        #[serde(flatten)]
        info: &'a SweepInfo,
        precision_outcome: Option<PrecisionOutcome>,
        files: Vec<&'a str>,
        /// Left out when no point gave a warning, so such a sweep writes the bytes it always did.
        #[serde(skip_serializing_if = "<[PointWarnings]>::is_empty")]
        points_with_warnings: &'a [PointWarnings],
        /// The `math_library` fingerprints of the builds that ran the points, each once: more
        /// than one, and the files are not byte for byte one build's.
        math_libraries: &'a [String],
    }
    let sweep_json = SweepJson {
        schema_version: SCHEMA_VERSION,
        joinedup_version: env!("CARGO_PKG_VERSION"),
        info,
        precision_outcome: info.precision.map(|_| PrecisionOutcome { n_points_met: n_met, n_points_not_met: n_not_met }),
        files: file_names,
        points_with_warnings: &points_with_warnings,
        math_libraries: &math_libraries,
    };
    // sweep.json last: its presence is what marks a sweep folder finished (`report::read::folder`),
    // so a sweep stopped while writing these leaves no sweep.json rather than one without its plan.
    for (name, text) in
        [("plan.ron", manifest.plan_ron.clone()), ("scenario.ron", manifest.scenario_ron.clone()), ("sweep.json", to_json(&sweep_json))]
    {
        let path = out.join(name);
        write_atomically(&path, text.as_bytes())?;
        files.push(path);
    }
    let summary = Summary {
        n_points: info.n_points,
        n_points_precision_met: n_met,
        n_points_precision_not_met: n_not_met,
        morris_headline,
        points_with_warnings,
        math_libraries,
    };
    Ok((files, summary))
}

/// `morris.csv`: for every model and metric, each factor's elementary-effect statistics,
/// ranked by mu* (1 = most influential; ties keep factor order). Effects are per whole range
/// of the factor. Also returns the ranking of [`HEADLINE_METRIC`] for each model.
fn morris_csv(info: &SweepInfo, units: &[Vec<f64>], means: &[Vec<Vec<Option<f64>>>]) -> (String, Vec<Ranking>) {
    let n_factors = info.factors.len();
    let mut out = String::from("model,metric,rank,factor,mu_star,mu,sigma,n_effects\n");
    let mut headline = Vec::new();
    for (model_idx, model) in info.models.iter().enumerate() {
        for (metric_idx, def) in METRICS.iter().enumerate() {
            let outputs: Vec<Option<f64>> = means.iter().map(|m| m[model_idx][metric_idx]).collect();
            let effects = design::elementary_effects(units, &outputs, n_factors);
            let mut ranked: Vec<(usize, design::Effects)> =
                effects.into_iter().enumerate().filter_map(|(f, e)| e.map(|e| (f, e))).collect();
            ranked.sort_by(|a, b| b.1.mu_star.total_cmp(&a.1.mu_star).then(a.0.cmp(&b.0)));
            for (rank, (factor_idx, e)) in ranked.iter().enumerate() {
                let sigma = e.sigma.map_or(String::new(), |s| s.to_string());
                writeln!(
                    out,
                    "{},{},{},{},{},{},{sigma},{}",
                    csv_field(model),
                    def.name,
                    rank + 1,
                    info.factors[*factor_idx].name,
                    e.mu_star,
                    e.mu,
                    e.n_effects
                )
                .expect("writing to a String");
            }
            if def.name == HEADLINE_METRIC {
                headline.push((model.clone(), ranked.iter().map(|(f, e)| (info.factors[*f].name.clone(), e.mu_star)).collect()));
            }
        }
    }
    (out, headline)
}

/// Combines the output folders of every shard of one sweep into the files an unsharded run
/// writes, in `out`. Refuses shards of different plans or seeds, a shard given twice, a
/// missing shard and an unfinished one.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Vec<PathBuf>, Summary)> {
    if dirs.is_empty() {
        return Err(Error::Merge { message: "give the output folders of every shard, e.g. joinedup merge out/shard-* --out out".into() });
    }
    let mut shards: Vec<(PathBuf, Manifest)> = Vec::new();
    for dir in dirs {
        let path = dir.join("shard.json");
        if !dir.is_dir() {
            let what = if dir.exists() { "is a file, not a folder" } else { "does not exist" };
            return Err(Error::Merge {
                message: format!("{} {what}; give the output folders of the shards (each holds a shard.json)", dir.display()),
            });
        }
        if !path.exists() {
            return Err(Error::Merge {
                message: format!("{} has no shard.json, so it is not the output folder of a `joinedup sweep` shard", dir.display()),
            });
        }
        shards.push((dir.clone(), read_json(&path)?));
    }
    let (first_dir, first) = &shards[0];
    for (dir, manifest) in &shards[1..] {
        let (a, b) = (&first.info, &manifest.info);
        if a.fingerprint == b.fingerprint && first.shard.n == manifest.shard.n {
            continue;
        }
        let why = if a.seed != b.seed {
            format!("{} was run with seed {} and {} with seed {}", first_dir.display(), a.seed, dir.display(), b.seed)
        } else if a.fingerprint != b.fingerprint {
            format!(
                "{} holds plan `{}` (fingerprint {}) and {} holds plan `{}` (fingerprint {}): the plans or their base scenarios differ",
                first_dir.display(),
                a.plan,
                a.fingerprint,
                dir.display(),
                b.plan,
                b.fingerprint
            )
        } else {
            format!(
                "{} is shard {} but {} is shard {}: they split the plan differently",
                first_dir.display(),
                first.shard,
                dir.display(),
                manifest.shard
            )
        };
        return Err(Error::Merge {
            message: format!("the folders are not shards of one sweep: {why}. Merge only the shards of one plan run with one seed."),
        });
    }
    let n_shards = first.shard.n;
    let mut dir_of_shard: Vec<Option<PathBuf>> = vec![None; n_shards];
    for (dir, manifest) in &shards {
        let slot = &mut dir_of_shard[manifest.shard.k - 1];
        if let Some(other) = slot {
            return Err(Error::Merge {
                message: format!(
                    "shard {} is given twice ({} and {}); give each shard's folder once",
                    manifest.shard,
                    other.display(),
                    dir.display()
                ),
            });
        }
        *slot = Some(dir.clone());
    }
    let missing: Vec<String> =
        dir_of_shard.iter().enumerate().filter(|(_, d)| d.is_none()).map(|(k, _)| format!("{}/{n_shards}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(Error::Merge {
            message: format!(
                "shard{} {} of plan `{}` {} missing; give {} folder{} too, or run {} first",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                first.info.plan,
                if missing.len() == 1 { "is" } else { "are" },
                if missing.len() == 1 { "its" } else { "their" },
                if missing.len() == 1 { "" } else { "s" },
                missing.iter().map(|m| format!("`joinedup sweep PLAN --shard {m}`")).collect::<Vec<_>>().join(", "),
            ),
        });
    }
    let dir_of_shard: Vec<PathBuf> = dir_of_shard.into_iter().map(|d| d.expect("checked above")).collect();
    refuse_run_folder(out)?;
    let created = !out.exists();
    let sweep_json = out.join("sweep.json");
    if sweep_json.exists() {
        #[derive(Deserialize)]
        struct Existing {
            fingerprint: String,
        }
        let existing: Existing = read_json(&sweep_json)?;
        if existing.fingerprint != first.info.fingerprint {
            return Err(Error::OutputInUse { path: out.to_path_buf(), found: format!("sweep fingerprint {}", existing.fingerprint) });
        }
    }
    let merged = assemble(first, &|point_idx| dir_of_shard[point_idx % n_shards].clone(), out);
    if merged.is_err() && created {
        // `assemble` leaves nothing of its own behind, so a folder this merge created is
        // empty again: removed, as if the merge had never run. (`remove_dir` leaves a folder
        // that is not empty.)
        let _ = std::fs::remove_dir(out);
    }
    merged
}

/// Settings of the emitted Slurm scripts.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// Absolute output folder: shards go to `<out>/shards/shard-K`, the merged files to `<out>`.
    pub out_dir: PathBuf,
    /// Absolute path of the plan file.
    pub plan_path: PathBuf,
    /// The `joinedup` binary the jobs run (absolute); `emit_slurm` refuses one that is not an
    /// executable file or whose `--version` is not this joinedup's.
    pub binary: PathBuf,
    pub n_shards: usize,
    pub partition: Option<String>,
    /// Wall-time limit of each task, as Slurm reads it (`90`, `HH:MM:SS`, `D-HH:MM:SS`, ...).
    pub time: String,
    /// Memory of each task, as Slurm reads it (`2G`, `500M`).
    pub mem: String,
    pub cpus_per_task: usize,
    /// Arguments every shard repeats so that it resolves exactly the same plan
    /// (`--plan-set`, `--set`, ...).
    pub forwarded_args: Vec<String>,
    /// The merge job also writes `report.html` (`sweep --emit-slurm --report`).
    pub report: bool,
}

/// Whether `text` is a time limit in one of the forms `sbatch --time` reads: minutes,
/// MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
fn is_slurm_time(text: &str) -> bool {
    let number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (Some(days), clock),
        None => (None, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    days.is_none_or(number) && parts.len() <= 3 && parts.iter().all(|p| number(p))
}

/// Whether `text` is a memory size as `sbatch --mem` reads it: a whole number with an
/// optional K, M, G or T suffix.
fn is_slurm_memory(text: &str) -> bool {
    let digits = text.strip_suffix(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@%".contains(c)) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Writes `<out>/slurm/sweep.sbatch` (a job array, one task per shard),
/// `<out>/slurm/merge.sbatch` (the merge) and `<out>/slurm/submit.sh` (submits the array,
/// then the merge with a dependency on it), and creates the log folder Slurm needs.
pub fn emit_slurm(plan: &Plan, options: &SlurmOptions) -> Result<Vec<PathBuf>> {
    let check = |ok: bool, option: &str, message: String| {
        if ok { Ok(()) } else { Err(Error::BadArgument { option: option.into(), message }) }
    };
    check(
        (1..=MAX_SHARDS).contains(&options.n_shards),
        "--shards",
        format!("must be between 1 and {MAX_SHARDS}, found {}", options.n_shards),
    )?;
    let n_points = plan.n_points();
    // A shard past the number of points would have no point to run, yet the merge would
    // wait for it.
    check(
        options.n_shards <= n_points,
        "--shards",
        format!(
            "the plan has {n_points} point{}, so it splits into at most {n_points} shard{} (one point each); found {}",
            if n_points == 1 { "" } else { "s" },
            if n_points == 1 { "" } else { "s" },
            options.n_shards
        ),
    )?;
    check(options.cpus_per_task >= 1, "--cpus-per-task", "must be at least 1".into())?;
    // Checked here rather than left to `sbatch`, which would refuse the scripts only once
    // they are submitted on the cluster.
    check(
        is_slurm_time(&options.time),
        "--time",
        format!(
            "`{}` is not a Slurm time limit; give minutes (90), MM:SS, HH:MM:SS (02:00:00), D-HH, D-HH:MM or D-HH:MM:SS (1-12:00:00)",
            options.time
        ),
    )?;
    check(
        is_slurm_memory(&options.mem),
        "--mem",
        format!(
            "`{}` is not a Slurm memory size; give a whole number with an optional K, M, G or T suffix (4G, 500M; megabytes without one)",
            options.mem
        ),
    )?;
    if let Some(partition) = &options.partition {
        check(
            !partition.is_empty() && partition.chars().all(|c| c.is_ascii_alphanumeric() || "_-,".contains(c)),
            "--partition",
            format!("`{partition}` is not a partition name"),
        )?;
    }
    check_binary(&options.binary)?;
    let n_shards = options.n_shards;
    let out = &options.out_dir;
    // Refused now rather than by the merge job, after every shard has run on the cluster.
    refuse_run_folder(out)?;
    let slurm_dir = out.join("slurm");
    let logs = slurm_dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|source| Error::Output { path: logs.clone(), source })?;
    let binary = shell_quote(&options.binary.display().to_string());
    let plan_path = shell_quote(&options.plan_path.display().to_string());
    let out_q = shell_quote(&out.display().to_string());
    let forwarded: String = options.forwarded_args.iter().map(|a| format!(" {}", shell_quote(a))).collect();
    let job_name = format!("joinedup-{}", plan.name.chars().filter(|c| c.is_ascii_alphanumeric() || "_-".contains(*c)).collect::<String>());
    let partition_line = options.partition.as_ref().map_or(String::new(), |p| format!("#SBATCH --partition={p}\n"));
    let fingerprint = fingerprint(plan);
    let sweep = format!(
        "#!/bin/bash\n\
#SBATCH --job-name={job_name}\n\
#SBATCH --array=1-{n_shards}\n\
#SBATCH --ntasks=1\n\
#SBATCH --cpus-per-task={cpus}\n\
#SBATCH --mem={mem}\n\
#SBATCH --time={time}\n\
{partition_line}\
#SBATCH --output={logs}/shard-%a.out\n\
# Written by `joinedup sweep --emit-slurm`: task K of this array runs shard K/{n_shards} of plan\n\
# `{name}` ({n_points} points; fingerprint {fingerprint}). Submit with submit.sh beside this file,\n\
# which also queues the merge. A task that is killed can simply be run again: it resumes.\n\
set -euo pipefail\n\
exec {binary} sweep {plan_path} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n_shards}\" \\\n\
  --out {out_q}/shards/shard-\"${{SLURM_ARRAY_TASK_ID}}\" --threads \"${{SLURM_CPUS_PER_TASK:-1}}\"{forwarded}\n",
        cpus = options.cpus_per_task,
        mem = options.mem,
        time = options.time,
        logs = logs.display(),
        name = plan.name,
    );
    let merge = format!(
        "#!/bin/bash\n\
#SBATCH --job-name={job_name}-merge\n\
#SBATCH --ntasks=1\n\
#SBATCH --cpus-per-task=1\n\
#SBATCH --mem={mem}\n\
#SBATCH --time={time}\n\
{partition_line}\
#SBATCH --output={logs}/merge.out\n\
# Written by `joinedup sweep --emit-slurm`: merges the {n_shards} shards of plan `{name}` into\n\
# {out}/ once every array task has succeeded (submit.sh queues it with afterok).\n\
set -euo pipefail\n\
shards=()\n\
for k in $(seq 1 {n_shards}); do shards+=({out_q}/shards/shard-\"$k\"); done\n\
exec {binary} merge \"${{shards[@]}}\" --out {out_q}{report}\n",
        mem = options.mem,
        time = options.time,
        logs = logs.display(),
        name = plan.name,
        out = out.display(),
        report = if options.report { " --report" } else { "" },
    );
    let submit = "#!/usr/bin/env bash\n\
# Written by `joinedup sweep --emit-slurm`: submits the shard array, then the merge job, which\n\
# starts only when every shard has succeeded. Prints the two job ids on its last line.\n\
set -euo pipefail\n\
here=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\n\
array_job=\"$(sbatch --parsable \"$here/sweep.sbatch\")\"\n\
array_job=\"${array_job%%;*}\"\n\
merge_job=\"$(sbatch --parsable --dependency=afterok:\"$array_job\" \"$here/merge.sbatch\")\"\n\
merge_job=\"${merge_job%%;*}\"\n\
echo \"Submitted the shards as job array $array_job and the merge as job $merge_job.\"\n\
echo \"jobs: $array_job $merge_job\"\n"
        .to_string();
    let mut written = Vec::new();
    for (name, text) in [("sweep.sbatch", sweep), ("merge.sbatch", merge), ("submit.sh", submit)] {
        let path = slurm_dir.join(name);
        write_atomically(&path, text.as_bytes())?;
        make_executable(&path)?;
        written.push(path);
    }
    Ok(written)
}

/// Refuses a `--joinedup-bin` that names no program this machine could run, or a program
/// that is not this version of joinedup: a missing file, a folder, a file without execute
/// permission or another program would otherwise be found only when the array tasks start
/// on the cluster, perhaps hours later, and every one of them would fail.
fn check_binary(path: &Path) -> Result<()> {
    let problem = match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "there is no such file".to_string(),
        Err(e) => format!("cannot be read ({e})"),
        Ok(meta) if meta.is_dir() => "is a folder, not a program".to_string(),
        Ok(meta) if !meta.is_file() => "is not a regular file".to_string(),
        Ok(meta) if !is_executable(&meta) => "is not executable (chmod +x makes it so, if it is joinedup)".to_string(),
        Ok(_) => match version_of(path) {
            Ok(printed) if printed == own_version() => return Ok(()),
            Ok(printed) if printed.starts_with("joinedup ") => format!(
                "is {printed}, not {}: the scripts pass this version's arguments and the merge reads this version's \
shard files, so the jobs must run the same version",
                own_version()
            ),
            Ok(printed) => format!("is not joinedup (`{} --version` printed {printed:?})", path.display()),
            Err(problem) => problem,
        },
    };
    Err(Error::BadArgument {
        option: "--joinedup-bin".into(),
        message: format!(
            "{} {problem}, so every Slurm job would fail when it starts. Give the path of a built joinedup binary on a filesystem \
the compute nodes mount, e.g. target/release/joinedup after `cargo build --release`; no script was written",
            path.display()
        ),
    })
}

/// What this binary's `--version` prints (clap's form: the name, a space, the version).
fn own_version() -> String {
    format!("joinedup {}", env!("CARGO_PKG_VERSION"))
}

/// How long `--version` may take before the program is taken to be something else (a
/// program that waits for input, say). joinedup answers in milliseconds.
const VERSION_PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `path --version` with no input and returns its first line of output, trimmed, or
/// why it could not be run. An executable file is not always joinedup (`/bin/ls`, a
/// wrapper script, another build): asking it is the one check that tells.
fn version_of(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read as _;
    use std::process::{Command, Stdio};
    let mut child =
        Command::new(path).arg("--version").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().map_err(|e| {
            format!("cannot be run on this machine ({e}); if it was built for the compute nodes only, emit the scripts on a node")
        })?;
    // Read on a thread of its own, so that a program printing more than a pipe holds is
    // not left blocked while it is waited for.
    let reader = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            let mut stdout = stdout;
            let mut printed = Vec::new();
            let _ = (&mut stdout).take(4096).read_to_end(&mut printed);
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            printed
        })
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < VERSION_PROBE_LIMIT => std::thread::sleep(std::time::Duration::from_millis(5)),
            Ok(None) => {
                // A program that is still running has nothing to say about its version.
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not answer `--version` within {} s, so it is not joinedup", VERSION_PROBE_LIMIT.as_secs()));
            }
            Err(e) => return Err(format!("could not be waited for ({e})")),
        }
    };
    // `--version` prints one short line: the first few kilobytes are plenty to tell.
    let printed = reader.and_then(|reader| reader.join().ok()).unwrap_or_default();
    let printed = String::from_utf8_lossy(&printed);
    let first_line = printed.lines().next().unwrap_or("").trim().to_string();
    if !status.success() {
        return Err(format!("is not joinedup (`{} --version` failed: {status})", path.display()));
    }
    Ok(first_line)
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

/// Elsewhere there is no execute bit to check; a file is taken to be runnable.
#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

fn make_executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_points() {
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { k: 2, n: 3 });
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(Shard::parse(bad).is_err(), "{bad} should be refused");
        }
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for point_idx in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(point_idx)).count(), 1);
        }
    }

    #[test]
    fn slurm_times_and_memory_sizes_are_those_sbatch_reads() {
        for good in ["90", "0", "30:00", "02:00:00", "1-12", "1-12:30", "1-12:30:00", "00:20:00"] {
            assert!(is_slurm_time(good), "{good} is a Slurm time");
        }
        for bad in ["forever", "", "1h", "1:2:3:4", "-1", "1-", "1-2-3", "1-02:00:00:00", ":30", "1:", "1 h", "1.5"] {
            assert!(!is_slurm_time(bad), "{bad} is not a Slurm time");
        }
        for good in ["4G", "500M", "2048", "1T", "64k", "0"] {
            assert!(is_slurm_memory(good), "{good} is a Slurm memory size");
        }
        for bad in ["lots", "", "G", "4GB", "1.5G", "-4G", "4 G", "4P"] {
            assert!(!is_slurm_memory(bad), "{bad} is not a Slurm memory size");
        }
    }

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("run.seed=3"), "run.seed=3");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
