//! The `joinedup` command: parses arguments, calls the library, maps errors to exit codes.

use clap::{Parser, Subcommand};
use joinedup::error::{EXIT_BAD_INPUT, EXIT_OK};
use joinedup::{experiment, output, provenance, scenario, Error};
use std::path::PathBuf;
use std::process::ExitCode;
use sweep_cli::SweepArgs;

mod serve_cli;
mod sweep_cli;

#[derive(Parser)]
#[command(name = "joinedup", version, about = "Simulate how children's services are organised and compare integration models.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every model in a scenario (the built-in default county when no file is given),
    /// print the comparison table and write results.
    Run {
        /// Scenario file (RON). Omit to run the built-in default county.
        scenario: Option<PathBuf>,
        /// Folder for results (default: results/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed (overrides run.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per model (overrides run.replications).
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads (default: all cores). Results are identical for any value.
        #[arg(long)]
        threads: Option<usize>,
        /// Override any scenario field: --set run.horizon_days=1825 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
        /// Add replications in batches until every metric's 95% half-width is within this
        /// share of its mean (0.05 for 5%).
        #[arg(long)]
        precision: Option<f64>,
        /// With --precision: the most replications per model (default 200).
        #[arg(long)]
        max_replications: Option<u32>,
        /// Also write report.html (summary in words, charts, provenance) into the results folder.
        #[arg(long)]
        report: bool,
    },
    /// Run a sweep plan (docs/sweeps.md): every design point, every model, common random
    /// numbers. Resumes when run again; --shard and --emit-slurm for clusters.
    Sweep(SweepArgs),
    /// Combine the output folders of every shard of a sweep into the files an unsharded
    /// run writes.
    Merge {
        /// The shards' output folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder for the merged files.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a self-contained HTML report (plain-language summary, charts, provenance) from a
    /// finished results folder.
    Report {
        /// Results folder written by `joinedup run`.
        results: PathBuf,
        /// HTML file to write (default: RESULTS/report.html).
        #[arg(short = 'o', long = "out", value_name = "FILE.html")]
        out: Option<PathBuf>,
    },
    /// List the ready-made structures (presets) with a one-line description each.
    Models,
    /// Check the status-quo model (the scenario's first) against published English
    /// statistics; exits with 1 when any pattern is outside its accepted range.
    Calibrate {
        scenario: Option<PathBuf>,
        /// Replications (overrides run.replications).
        #[arg(long)]
        replications: Option<u32>,
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
    },
    /// Print, for each model, who serves which tier where and the routes between units.
    Explain {
        scenario: Option<PathBuf>,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
    },
    /// Start the workbench: a page in your web browser to pick a scenario, move its levers,
    /// run it and see the report (docs/workbench.md). Serves this machine only by default.
    Serve(serve_cli::ServeArgs),
    /// Check a scenario file and report every problem, without running it.
    Check {
        scenario: Option<PathBuf>,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK });
        }
    };
    match execute(cli.command) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Prints to standard output; a reader that went away (`joinedup run | head`) is not an error.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run { scenario: path, out, seed, replications, threads, mut overrides, precision, max_replications, report } => {
            if let Some(seed) = seed {
                overrides.push(format!("run.seed={seed}"));
            }
            if let Some(replications) = replications {
                overrides.push(format!("run.replications={replications}"));
            }
            if threads == Some(0) {
                return Err(Error::BadArgument { option: "--threads".into(), message: "must be at least 1".into() });
            }
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            let rule = sweep_cli::precision_rule(precision, max_replications, loaded.scenario.run.replications)?;
            let (comparison, precision_report) = match rule {
                Some(rule) => experiment::run_to_precision(&loaded.scenario, rule, threads).map(|(c, r)| (c, Some(r)))?,
                None => (experiment::run(&loaded.scenario, threads)?, None),
            };
            let resolved = loaded.resolved_ron();
            let mut files = output::run_files(&comparison, &resolved);
            let arguments: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            files.files.push((provenance::FILE_NAME, provenance::Provenance::new(&loaded.scenario, &resolved, &arguments).to_json()));
            let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&loaded.scenario.name));
            // Results are written before anything is printed, so a closed pipe cannot lose them.
            files.write(&dir)?;
            say(&output::comparison_table(&comparison));
            if let Some(precision) = &precision_report {
                say(&output::precision_report(&comparison, precision));
            }
            if std::env::var_os("JOINEDUP_UNIT_LOADS").is_some() {
                for r in comparison.results.iter().filter(|r| r.replication == 0) {
                    for load in &r.diagnostics.units {
                        eprintln!("{} {:<22} utilisation {:.2} waiting {}", comparison.model_names[r.model_idx], load.name, load.utilisation, load.waiting_at_end);
                    }
                }
            }
            say(&format!("Results written to {}/ (summary.json, replications.csv, timeseries.csv, scenario.ron, provenance.json).\n", dir.display()));
            if report {
                let path = joinedup::report::write(&dir, None, &joinedup::report::today_utc())?;
                say(&format!("Report written to {}.\n", path.display()));
            }
            Ok(())
        }
        Command::Report { results, out } => {
            let path = joinedup::report::write(&results, out.as_deref(), &joinedup::report::today_utc())?;
            say(&format!("Report written to {}.\n", path.display()));
            Ok(())
        }
        Command::Calibrate { scenario: path, replications, threads, mut overrides } => {
            if let Some(replications) = replications {
                overrides.push(format!("run.replications={replications}"));
            }
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            let mut status_quo = loaded.scenario.clone();
            status_quo.models.truncate(1);
            let comparison = experiment::run(&status_quo, threads)?;
            let Some(results) = joinedup::calibration::patterns(&status_quo, &comparison) else {
                return Err(Error::BadArgument {
                    option: "SCENARIO".into(),
                    message: format!(
                        "scenario `{}` has no `calibration: (...)` section naming its social care, early help and CAMHS units; see docs/scenarios.md",
                        status_quo.name
                    ),
                });
            };
            say(&joinedup::calibration::table(&status_quo.models[0].name, &results));
            let n_failed = results.iter().filter(|r| !r.passes()).count();
            if n_failed > 0 {
                return Err(Error::CalibrationFailed { n_failed, n_patterns: results.len() });
            }
            Ok(())
        }
        Command::Sweep(args) => sweep_cli::sweep(args),
        Command::Serve(args) => serve_cli::serve(args),
        Command::Merge { dirs, out } => sweep_cli::merge(&dirs, &out),
        Command::Models => {
            say(&joinedup::explain::presets_list());
            Ok(())
        }
        Command::Explain { scenario: path, overrides } => {
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            say(&joinedup::explain::explain(&loaded.scenario));
            Ok(())
        }
        Command::Check { scenario: path, overrides } => {
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            let s = &loaded.scenario;
            say(&format!(
                "{}: valid. {} models ({}), {} localities, {} replications of {} days.\n",
                s.name,
                s.models.len(),
                s.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "),
                s.population.locality_names.len(),
                s.run.replications,
                s.run.horizon_days
            ));
            Ok(())
        }
    }
}
