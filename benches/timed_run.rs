//! Times the general engine on a scenario, for benchmarks that need a whole process
//! (`/usr/bin/time -v` for peak memory, `valgrind --tool=callgrind` for instruction counts,
//! `benches/peers/run.sh` for the comparison with SimPy, Ciw and a minimal event loop).
//!
//! ```text
//! cargo run --release --example timed_run -- SCENARIO [--model NAME]... [--replications N]
//!     [--threads N] [--repeat N] [--set PATH=VALUE]...
//! ```
//!
//! Loading and validating the scenario is not timed; `joinedup::experiment::run` is (every
//! kept model × every replication, on `--threads` threads, exactly as `joinedup run` does, but
//! without writing result files). `--model` keeps only the named models (repeatable). With
//! `--repeat N` the experiment runs N times and the best wall time (and, separately, the best
//! CPU time) is reported. CPU time (`cpu_seconds`, getrusage: all threads) is the figure to
//! trust on a shared machine, where wall time includes the time other processes held the
//! core; `referrals_per_cpu_s` is throughput per core-second.
//!
//! Prints one line of `key=value` pairs, easy to read from a shell script:
//! `referrals` counts every episode opened (new families, recurrences; re-presentations after
//! loss are not new episodes), `events` every event handled, `wq_days` the mean
//! `wait_service_start_days` over all replications of the first model, `peak_rss_mib` the
//! process's high-water mark (VmHWM) at the end.

use joinedup::experiment;
use joinedup::metrics::Metric;
use std::process::ExitCode;
use std::time::Instant;

#[path = "../benches/common/cpu.rs"]
mod cpu;

/// Bad arguments, a scenario that does not load and a run that stops are reported in one
/// line with exit code 2 (a benchmark script stops on it), never as a panic.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("timed_run: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut models: Vec<String> = Vec::new();
    let mut overrides: Vec<String> = Vec::new();
    let mut threads: usize = 1;
    let mut repeat: u32 = 1;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--model" => models.push(value("--model")?),
            "--replications" => overrides.push(format!("run.replications={}", value("--replications")?)),
            "--threads" => threads = count("--threads", value("--threads")?)?,
            "--repeat" => repeat = count("--repeat", value("--repeat")?)?,
            "--set" => overrides.push(value("--set")?),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}; the options are --model, --replications, --threads, --repeat and --set"));
            }
            other => path = Some(std::path::PathBuf::from(other)),
        }
    }
    let loaded = joinedup::scenario::load(path.as_deref(), &overrides).map_err(|e| format!("cannot load the scenario: {e}"))?;
    let mut scenario = loaded.scenario;
    if !models.is_empty() {
        if let Some(name) = models.iter().find(|name| !scenario.models.iter().any(|m| &m.name == *name)) {
            let known: Vec<&str> = scenario.models.iter().map(|m| m.name.as_str()).collect();
            return Err(format!("no model named {name}; this scenario has {}", known.join(", ")));
        }
        scenario.models.retain(|m| models.contains(&m.name));
    }
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut comparison = None;
    for _ in 0..repeat.max(1) {
        let (start, cpu_start) = (Instant::now(), cpu::process_cpu_seconds());
        let c = experiment::run(&scenario, Some(threads)).map_err(|e| format!("the run stopped: {e}"))?;
        best = best.min(start.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(cpu::process_cpu_seconds() - cpu_start);
        comparison = Some(c);
    }
    let comparison = comparison.expect("ran at least once");
    let sum = |f: &dyn Fn(&joinedup::metrics::Diagnostics) -> u64| comparison.results.iter().map(|r| f(&r.diagnostics)).sum::<u64>();
    let referrals = sum(&|d| d.episodes_created);
    let events = sum(&|d| d.events);
    let peak_open = comparison.results.iter().map(|r| r.diagnostics.peak_open_episodes).max().unwrap_or(0);
    let wq = comparison.estimate(0, Metric::WaitServiceStart).map_or(f64::NAN, |e| e.mean);
    println!(
        "engine=joinedup scenario={} models={} replications={} threads={} referrals={} events={} seconds={:.4} cpu_seconds={:.4} referrals_per_s={:.0} referrals_per_cpu_s={:.0} events_per_cpu_s={:.0} cpu_ns_per_event={:.1} peak_open_episodes={} wq_days={:.5} peak_rss_mib={:.1} load={}",
        comparison.scenario_name,
        comparison.model_names.join(","),
        comparison.replications,
        threads,
        referrals,
        events,
        best,
        best_cpu,
        referrals as f64 / best,
        referrals as f64 / best_cpu,
        events as f64 / best_cpu,
        best_cpu * 1e9 / events as f64,
        peak_open,
        wq,
        peak_rss_mib(),
        cpu::load_average(),
    );
    Ok(())
}

/// `text` as the whole number `option` needs.
fn count<T: std::str::FromStr>(option: &str, text: String) -> Result<T, String> {
    text.parse().map_err(|_| format!("{option} needs a whole number, found {text:?}"))
}

/// The process's peak resident set (VmHWM), in MiB; NaN where /proc is not there.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(f64::NAN, |kib| kib / 1024.0)
}
