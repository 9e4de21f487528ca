//! The `joinedup serve` command, part of the binary: its options and what it tells the
//! planner. The workbench itself is the library's `serve` module.

use joinedup::Error;
use joinedup::serve::{Config, DEFAULT_PORT, Workbench};
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one and prints it).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
    /// Address to listen on. The default serves this machine only; another address lets
    /// other machines on the network run simulations and save scenarios here.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Folder of scenario files the page offers, and where it saves new ones.
    #[arg(long, default_value = "scenarios")]
    scenarios: PathBuf,
    /// Folder where each run gets a folder of its own.
    #[arg(long, default_value = "results/workbench")]
    results: PathBuf,
    /// Worker threads for simulations (default: all cores). Results are identical for any value.
    #[arg(long)]
    threads: Option<usize>,
}

pub fn serve(args: ServeArgs) -> Result<(), Error> {
    joinedup::experiment::check_threads(args.threads)?;
    // A mistyped --scenarios would otherwise give a workbench with only the built-in county and
    // no word why: the folder is still made (scenarios are saved into it), and the start-up
    // message says so.
    let scenarios_created = !args.scenarios.exists();
    let config = Config { address: args.bind, port: args.port, scenarios: args.scenarios, results: args.results, threads: args.threads };
    let workbench = Workbench::start(&config)?;
    let (scenarios, results) = workbench.folders();
    let mut text = format!(
        "joinedup workbench: open {} in your web browser.\nScenarios from {}/, runs saved in {}/. Press Ctrl+C to stop.\n",
        workbench.url(),
        scenarios.display(),
        results.display()
    );
    if scenarios_created {
        text.push_str(&format!(
            "Note: {} did not exist, so it was made and holds no scenarios yet: the workbench offers the built-in county only. Give --scenarios the folder that holds your scenario files (the repository's scenarios/).\n",
            scenarios.display()
        ));
    }
    if !args.bind.is_loopback() {
        text.push_str(&format!(
            "Warning: listening on {}, so other machines that can reach this one can run simulations and save scenarios here.\n",
            args.bind
        ));
    }
    {
        use std::io::Write as _;
        // The tests read the address from this line, so it is flushed before serving.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    workbench.serve();
    Ok(())
}
