//! The `joinedup` command: parses arguments, calls the library, maps errors to exit codes.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use joinedup::error::{EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK};
use joinedup::{Error, experiment, output, provenance, scenario};
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
        /// Replace the results already in the output folder (without it, a folder holding
        /// results is refused before anything runs).
        #[arg(long)]
        force: bool,
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
        /// Also write report.html (what each factor changes, in words and charts) into it.
        #[arg(long)]
        report: bool,
    },
    /// Write a self-contained HTML report (plain-language summary, charts, provenance) from a
    /// finished results folder.
    Report {
        /// Results folder written by `joinedup run`, or a finished sweep's folder (written by
        /// `joinedup sweep` or `joinedup merge`).
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
        /// Scenario file (RON, docs/scenarios.md); the built-in default county when left out.
        scenario: Option<PathBuf>,
        /// Replications (overrides run.replications).
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads (default: all cores). Results are identical for any value.
        #[arg(long)]
        threads: Option<usize>,
        /// Change one field of the scenario, e.g. run.horizon_days=1826.25 (repeat for several;
        /// docs/scenarios.md, "Overriding fields").
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
    },
    /// Print, for each model, who serves which tier where and the routes between units.
    Explain {
        /// Scenario file (RON, docs/scenarios.md); the built-in default county when left out.
        scenario: Option<PathBuf>,
        /// Change one field of the scenario, e.g. run.horizon_days=1826.25 (repeat for several;
        /// docs/scenarios.md, "Overriding fields").
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<String>,
        /// Explain only this model (repeat for several); by default every model.
        #[arg(long = "model", value_name = "NAME")]
        models: Vec<String>,
    },
    /// Start the workbench: a page in your web browser to pick a scenario, move its levers,
    /// run it and see the report (docs/workbench.md). Serves this machine only by default.
    Serve(serve_cli::ServeArgs),
    /// Check a scenario file and report every problem, without running it.
    Check {
        /// Scenario file (RON, docs/scenarios.md); the built-in default county when left out.
        scenario: Option<PathBuf>,
        /// Change one field of the scenario, e.g. run.horizon_days=1826.25 (repeat for several;
        /// docs/scenarios.md, "Overriding fields").
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
    // The workbench keeps serving after a run; there Ctrl-C simply ends the server (the
    // default), rather than marking every later run as interrupted.
    if !matches!(cli.command, Command::Serve { .. }) {
        install_interrupt_handler();
    }
    match execute(cli.command) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Ctrl-C (or SIGTERM, which a cluster sends at a job's time limit) asks the library to stop:
/// no new replication or sweep point starts and those under way stop at their next check, so
/// the command ends within moments with an `Interrupted` error naming what was kept. A second
/// Ctrl-C stops at once; finished work is safe either way, since every file is written whole.
fn install_interrupt_handler() {
    let result = ctrlc::set_handler(|| {
        if joinedup::experiment::stop_requested() {
            eprintln!("\nStopped at once. Finished work is kept: run the same command again to carry on.");
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        eprintln!("\nStopping: finishing nothing new, keeping everything finished (press Ctrl-C again to stop at once)...");
        joinedup::experiment::request_stop();
    });
    if let Err(error) = result {
        // Without the handler Ctrl-C still stops the process; only the tidy message is lost.
        eprintln!("warning: cannot catch Ctrl-C ({error}); it will stop joinedup abruptly, though finished files are still whole.");
    }
}

/// Prints to standard output; a reader that went away (`joinedup run | head`) is not an error.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `--replications N` as the override it stands for, checked here so that a bad value is
/// blamed on the option rather than on the scenario file.
fn replications_override(replications: Option<u32>) -> Result<Option<String>, Error> {
    match replications {
        Some(n) if n == 0 || n > scenario::MAX_REPLICATIONS => Err(Error::BadArgument {
            option: "--replications".into(),
            message: format!("must be between 1 and {}, found {n}", scenario::MAX_REPLICATIONS),
        }),
        other => Ok(other.map(|n| format!("run.replications={n}"))),
    }
}

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run { scenario: path, out, seed, replications, threads, mut overrides, precision, max_replications, report, force } => {
            if let Some(seed) = seed {
                overrides.push(format!("run.seed={seed}"));
            }
            overrides.extend(replications_override(replications)?);
            experiment::check_threads(threads)?;
            let mut loaded = scenario::load(path.as_deref(), &overrides)?;
            let rule = sweep_cli::precision_rule(precision, max_replications, loaded.scenario.run.replications)?;
            let most_replications = rule.map_or(loaded.scenario.run.replications, |r| r.max_replications);
            if rule.is_some() && scenario::results_memory_bytes(&loaded.scenario, most_replications) > scenario::MAX_RESULTS_BYTES {
                return Err(Error::BadArgument {
                    option: "--max-replications".into(),
                    message: format!(
                        "{most_replications} replications of {} models would hold more than {} GB of results in memory; give a smaller maximum",
                        loaded.scenario.models.len(),
                        scenario::MAX_RESULTS_BYTES >> 30
                    ),
                });
            }
            let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&loaded.scenario.name));
            // Before any simulation: a folder that cannot take the results, or holds results
            // already, is reported now rather than after hours of work.
            let dir_existed = dir.exists();
            output::prepare_run_dir(&dir, force, output::estimated_run_bytes(&loaded.scenario, most_replications))?;
            let outcome = match rule {
                Some(rule) => experiment::run_to_precision(&loaded.scenario, rule, threads).map(|(c, r)| (c, Some(r))),
                None => experiment::run(&loaded.scenario, threads).map(|c| (c, None)),
            };
            let (comparison, precision_report) = match outcome {
                Ok(outcome) => outcome,
                Err(error) => {
                    if !dir_existed {
                        // Only removes the folder if it is still empty.
                        let _ = std::fs::remove_dir(&dir);
                    }
                    return Err(match error {
                        Error::Interrupted { .. } => Error::Interrupted {
                            message: format!(
                                "no results were written (a run writes its files only once every replication has finished){}.",
                                if dir_existed { format!("; {} is as it was", dir.display()) } else { String::new() }
                            ),
                        },
                        other => other,
                    });
                }
            };
            // A run to a precision records the replications it ended with, so that
            // `joinedup run <folder>/scenario.ron` reproduces it (replication r is seeded by r
            // alone, whatever the batches).
            loaded.raw.run.replications = comparison.replications;
            loaded.scenario.run.replications = comparison.replications;
            let resolved = loaded.resolved_ron();
            let mut files = output::run_files(&loaded.scenario, &comparison, &resolved);
            let arguments: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
            files.files.push((provenance::FILE_NAME, provenance::Provenance::new(&loaded.scenario, &resolved, &arguments).to_json()));
            // Results are written before anything is printed, so a closed pipe cannot lose them.
            files.write(&dir)?;
            if !report {
                output::remove_stale_report(&dir)?;
            }
            say(&output::comparison_table(&comparison));
            if let Some(precision) = &precision_report {
                say(&output::precision_report(&comparison, precision));
            }
            if std::env::var_os("JOINEDUP_UNIT_LOADS").is_some() {
                for r in comparison.results.iter().filter(|r| r.replication == 0) {
                    for load in &r.diagnostics.units {
                        let midway = load.waiting_midway.map_or(String::new(), |(day, n)| format!(" (day {day:.0}: {n})"));
                        eprintln!(
                            "{} {:<22} utilisation {:.2} waiting {}{midway}",
                            comparison.model_names[r.model_idx], load.name, load.utilisation, load.waiting_at_end
                        );
                    }
                }
            }
            // The same sentences summary.json keeps, so the report warns as the run did.
            for warning in &files.warnings {
                eprintln!("warning: {warning}");
            }
            say(&format!(
                "Results written to {}/ (summary.json, replications.csv, timeseries.csv, scenario.ron, provenance.json).\n",
                dir.display()
            ));
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
            overrides.extend(replications_override(replications)?);
            experiment::check_threads(threads)?;
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            // Checked before the run, which takes minutes on a county.
            if loaded.scenario.calibration.is_none() {
                let file = path.as_ref().map_or(scenario::DEFAULT_COUNTY_LABEL.to_string(), |p| p.display().to_string());
                let message = match &loaded.scenario.calibration_unavailable {
                    Some(reason) => format!("scenario `{}`: {reason}", loaded.scenario.name),
                    None => format!(
                        "scenario `{}` has no `calibration: (...)` section naming its social care, early help and CAMHS units, so there is nothing to check it against; add one (docs/scenarios.md, as in scenarios/county.ron)",
                        loaded.scenario.name
                    ),
                };
                return Err(Error::BadArgument { option: file, message });
            }
            let mut status_quo = loaded.scenario.clone();
            status_quo.models.truncate(1);
            let comparison = experiment::run(&status_quo, threads)?;
            let results = joinedup::calibration::patterns(&status_quo, &comparison).expect("the scenario has a calibration section");
            say(&joinedup::calibration::table(&status_quo.models[0].name, &results));
            let n_failed = results.iter().filter(|r| !r.passes()).count();
            if n_failed > 0 {
                return Err(Error::CalibrationFailed { n_failed, n_patterns: results.len() });
            }
            Ok(())
        }
        Command::Sweep(args) => sweep_cli::sweep(args),
        Command::Serve(args) => serve_cli::serve(args),
        Command::Merge { dirs, out, report } => sweep_cli::merge(&dirs, &out, report),
        Command::Models => {
            say(&joinedup::explain::presets_list());
            Ok(())
        }
        Command::Explain { scenario: path, overrides, models } => {
            let loaded = scenario::load(path.as_deref(), &overrides)?;
            let only = joinedup::explain::model_indices(&loaded.scenario, &models)?;
            say(&joinedup::explain::explain(&loaded.scenario, &only));
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
