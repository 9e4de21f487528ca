//! The `joinedup sweep` and `joinedup merge` commands, part of the binary: arguments and
//! messages for people. The work itself is in the library's `sweep` module.

use joinedup::Error;
use joinedup::experiment::PrecisionRule;
use joinedup::scenario::MAX_REPLICATIONS;
use joinedup::scenario::plan::{self, DEFAULT_MAX_REPLICATIONS};
use joinedup::sweep::{self, Shard, SlurmOptions, Summary, SweepOptions};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Sweep plan file (RON; docs/sweeps.md describes every field).
    plan: PathBuf,
    /// Folder for results (default: results/sweeps/<plan name>/). Running again with the
    /// same folder resumes: finished points are skipped.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results are identical for any value.
    #[arg(long)]
    threads: Option<usize>,
    /// Run only the K-th of N slices of the plan (K counts from 1), e.g. --shard 3/8; then
    /// combine the shards with `joinedup merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Seed of every point and of the design (overrides the plan's seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Replications per point (overrides the plan's replications).
    #[arg(long)]
    replications: Option<u32>,
    /// Add replications at each point until every metric's 95% half-width is within this
    /// share of its mean (0.05 for 5%).
    #[arg(long)]
    precision: Option<f64>,
    /// With --precision: the most replications per point (default 200).
    #[arg(long)]
    max_replications: Option<u32>,
    /// Override a field of the base scenario: --set run.horizon_days=1825 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    overrides: Vec<String>,
    /// Override a field of the plan: --plan-set design.Morris.trajectories=4 (repeatable).
    #[arg(long = "plan-set", value_name = "PATH=VALUE")]
    plan_overrides: Vec<String>,
    /// Also write report.html (what each factor changes, in words and charts) into the
    /// results folder when the sweep is done. With --emit-slurm, the merge job writes it.
    #[arg(long)]
    report: bool,
    #[command(flatten)]
    slurm: SlurmArgs,
}

#[derive(clap::Args)]
struct SlurmArgs {
    /// Write Slurm scripts (a job array of shards and a dependent merge job) into
    /// <out>/slurm/ instead of running the sweep.
    #[arg(long)]
    emit_slurm: bool,
    /// With --emit-slurm: number of shards, one array task each, at most the number of points
    /// (default: the number of points, at most 64).
    #[arg(long, requires = "emit_slurm")]
    shards: Option<usize>,
    /// With --emit-slurm: the Slurm partition (default: the cluster's default).
    #[arg(long, requires = "emit_slurm")]
    partition: Option<String>,
    /// With --emit-slurm: wall-time limit of each task: minutes, MM:SS, HH:MM:SS, D-HH,
    /// D-HH:MM or D-HH:MM:SS.
    #[arg(long, default_value = "01:00:00", requires = "emit_slurm")]
    time: String,
    /// With --emit-slurm: memory of each task: a whole number with an optional K, M, G or T
    /// suffix (megabytes without one).
    #[arg(long, default_value = "2G", requires = "emit_slurm")]
    mem: String,
    /// With --emit-slurm: CPUs of each task (its --threads).
    #[arg(long, default_value_t = 1, requires = "emit_slurm")]
    cpus_per_task: usize,
    /// With --emit-slurm: the joinedup binary the jobs run (default: this one); it must be an
    /// executable file, checked before any script is written.
    #[arg(long, requires = "emit_slurm")]
    joinedup_bin: Option<PathBuf>,
}

/// The precision rule of `--precision` and `--max-replications`, checked.
pub fn precision_rule(precision: Option<f64>, max_replications: Option<u32>, first_batch: u32) -> Result<Option<PrecisionRule>, Error> {
    let Some(relative_half_width) = precision else {
        if max_replications.is_some() {
            return Err(Error::BadArgument { option: "--max-replications".into(), message: "only applies with --precision".into() });
        }
        return Ok(None);
    };
    if !(relative_half_width.is_finite() && relative_half_width > 0.0 && relative_half_width <= plan::MAX_PRECISION) {
        return Err(Error::BadArgument {
            option: "--precision".into(),
            message: format!("{}, found {relative_half_width}", plan::PRECISION_RULE),
        });
    }
    let max_replications = max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS.max(first_batch));
    if !(2..=MAX_REPLICATIONS).contains(&max_replications) {
        return Err(Error::BadArgument {
            option: "--max-replications".into(),
            message: format!("must be between 2 and {MAX_REPLICATIONS}, found {max_replications}"),
        });
    }
    Ok(Some(PrecisionRule { relative_half_width, max_replications }))
}

pub fn sweep(args: SweepArgs) -> Result<(), Error> {
    let mut plan_overrides = args.plan_overrides.clone();
    for (field, value) in [
        ("seed", args.seed.map(|v| v.to_string())),
        ("replications", args.replications.map(|v| v.to_string())),
        ("precision", args.precision.map(|v| v.to_string())),
        ("max_replications", args.max_replications.map(|v| v.to_string())),
    ] {
        if let Some(value) = value {
            plan_overrides.push(format!("{field}={value}"));
        }
    }
    if args.threads == Some(0) {
        return Err(Error::BadArgument { option: "--threads".into(), message: "must be at least 1".into() });
    }
    let plan = plan::load(&args.plan, &plan_overrides, &args.overrides)?;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join("sweeps").join(&plan.name));
    if args.slurm.emit_slurm {
        if args.shard.is_some() {
            return Err(Error::BadArgument {
                option: "--shard".into(),
                message: "the emitted scripts choose the shards; use --shards N with --emit-slurm".into(),
            });
        }
        return emit_slurm(&args, &plan, &plan_overrides, &out);
    }
    let shard = match &args.shard {
        Some(text) => Shard::parse(text)?,
        None => Shard::WHOLE,
    };
    if args.report && shard.n > 1 {
        // Refused before anything runs: a shard holds only some of the points.
        return Err(Error::BadArgument {
            option: "--report".into(),
            message: format!(
                "a shard ({shard}) holds only part of the sweep, so it has no report of its own; run every shard without --report, then `joinedup merge <each shard's folder> --out <folder> --report`"
            ),
        });
    }
    let outcome = sweep::run(&plan, &SweepOptions { out_dir: out.clone(), threads: args.threads, shard })?;
    let ran = outcome.n_points_shard - outcome.n_points_skipped;
    let skipped =
        if outcome.n_points_skipped > 0 { format!(" ({} already finished and skipped)", outcome.n_points_skipped) } else { String::new() };
    let models = plan.base.models.len();
    if shard.n > 1 {
        println!(
            "Shard {shard} of sweep `{}`: {ran} of its {} points run{skipped}; the plan has {} points, {models} models each. Results in {}/points/.",
            plan.name,
            outcome.n_points_shard,
            outcome.n_points_plan,
            out.display()
        );
        println!("When every shard is done: joinedup merge <each shard's folder> --out <folder>");
        return Ok(());
    }
    println!(
        "Sweep `{}`: {} points x {models} models, {ran} points run{skipped}. Results written to {}/ ({}).",
        plan.name,
        outcome.n_points_plan,
        out.display(),
        file_names(&outcome.files)
    );
    if let Some(summary) = &outcome.summary {
        print_summary(summary, plan.precision);
    }
    if args.report {
        write_report(&out)?;
    }
    Ok(())
}

/// Writes `report.html` into a finished sweep's folder and says where.
fn write_report(dir: &Path) -> Result<(), Error> {
    let path = joinedup::report::write(dir, None, &joinedup::report::today_utc())?;
    println!("Report written to {}.", path.display());
    Ok(())
}

pub fn merge(dirs: &[PathBuf], out: &Path, report: bool) -> Result<(), Error> {
    let (files, summary) = sweep::merge(dirs, out)?;
    println!(
        "Merged {} shard folders: {} points. Results written to {}/ ({}).",
        dirs.len(),
        summary.n_points,
        out.display(),
        file_names(&files)
    );
    print_summary(&summary, None);
    if report {
        write_report(out)?;
    }
    Ok(())
}

fn file_names(files: &[PathBuf]) -> String {
    files.iter().filter_map(|f| f.file_name()).map(|n| n.to_string_lossy().into_owned()).collect::<Vec<_>>().join(", ")
}

fn print_summary(summary: &Summary, precision: Option<f64>) {
    if summary.n_points_precision_met + summary.n_points_precision_not_met > 0 {
        let percent = precision.map_or(String::new(), |p| format!(" of {}%", p * 100.0));
        println!(
            "Precision{percent}: reached at {} points; NOT reached (stopped at the maximum) at {} points (see precision_met in points.csv).",
            summary.n_points_precision_met, summary.n_points_precision_not_met
        );
    }
    for (model, ranking) in &summary.morris_headline {
        let top: Vec<String> =
            ranking.iter().take(5).map(|(factor, mu_star)| format!("{factor} (mu* {})", joinedup::output::human(*mu_star))).collect();
        println!("Morris, {model}, {}: {}", sweep::HEADLINE_METRIC, top.join(", "));
    }
    if summary.math_libraries.len() > 1 {
        eprintln!(
            "warning: the points were run by builds that compute exp, ln and powf differently (math_library {} in sweep.json): \
each point is a valid sample, but the files are not byte for byte what one build would write. \
To reproduce them, run every shard with one version of joinedup (docs/cluster.md).",
            summary.math_libraries.join(", ")
        );
    }
    // One line, not every sentence: a sweep can have thousands of points, and sweep.json and
    // the report keep each point's warnings in full.
    let warned = &summary.points_with_warnings;
    if !warned.is_empty() {
        let mut points: Vec<String> = warned.iter().take(10).map(|p| p.point.to_string()).collect();
        if warned.len() > 10 {
            points.push("...".into());
        }
        eprintln!(
            "warning: {} of the {} points gave warnings, as `joinedup run` gives after its table (point{} {}); \
each point's are in points_with_warnings in sweep.json, and in the report.",
            warned.len(),
            summary.n_points,
            if warned.len() == 1 { "" } else { "s" },
            points.join(", ")
        );
    }
}

fn emit_slurm(args: &SweepArgs, plan: &plan::Plan, plan_overrides: &[String], out: &Path) -> Result<(), Error> {
    let absolute = |path: &Path, option: &str| {
        std::path::absolute(path)
            .map_err(|e| Error::BadArgument { option: option.into(), message: format!("cannot resolve {}: {e}", path.display()) })
    };
    let binary = match &args.slurm.joinedup_bin {
        Some(path) => absolute(path, "--joinedup-bin")?,
        None => std::env::current_exe().map_err(|e| Error::BadArgument {
            option: "--joinedup-bin".into(),
            message: format!("cannot tell where this joinedup binary is ({e}); give its path"),
        })?,
    };
    let mut forwarded_args = Vec::new();
    for o in plan_overrides {
        forwarded_args.extend(["--plan-set".to_string(), o.clone()]);
    }
    for o in &args.overrides {
        forwarded_args.extend(["--set".to_string(), o.clone()]);
    }
    let options = SlurmOptions {
        out_dir: absolute(out, "--out")?,
        plan_path: absolute(&args.plan, "PLAN")?,
        binary,
        n_shards: args.slurm.shards.unwrap_or(plan.n_points().min(64)),
        partition: args.slurm.partition.clone(),
        time: args.slurm.time.clone(),
        mem: args.slurm.mem.clone(),
        cpus_per_task: args.slurm.cpus_per_task,
        forwarded_args,
        report: args.report,
    };
    let files = sweep::emit_slurm(plan, &options)?;
    println!(
        "Wrote {} for {} shards of sweep `{}` ({} points). Submit with:\n  bash {}",
        file_names(&files),
        options.n_shards,
        plan.name,
        plan.n_points(),
        files.last().expect("three scripts").display()
    );
    println!("The merged results will be in {}/.", options.out_dir.display());
    Ok(())
}
