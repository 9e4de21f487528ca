//! A real single-node Slurm cluster (Debian's slurmctld, slurmd and munge, installed by
//! .ci/test.sh) runs the Slurm scripts `joinedup sweep --emit-slurm` writes for a small
//! plan; the merged result must be byte-identical to the same plan run locally.
//!
//! Follows shared/design/cluster.md: munged runs as the `munge` user through setpriv (which
//! execs, so the PID we hold is the daemon's), SLURM_CONF is set for daemons and clients,
//! and every daemon is started by this process and stopped by the PID it got, in reverse
//! order, then waited for. Ports and the munge socket are private to the test, so it never
//! meets another cluster on the machine. Without Slurm the test FAILS, unless
//! JOINEDUP_SKIP_SLURM=1 is set, when it says loudly that it was skipped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const TINY: [&str; 3] = ["population.n_families=5000", "run.horizon_days=400", "run.warmup_days=50"];
const FINAL_FILES: [&str; 5] = ["replications.csv", "points.csv", "sweep.json", "plan.ron", "scenario.ron"];
const PLAN: &str = "(name: \"slurm_test\", models: [\"siloed\", \"integrated_hub\"], replications: 2, seed: 3,
  factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", levels: [0.2, 0.3]),
    (name: \"hub_delay_days\", path: \"models.integrated_hub.coordinated_handoff.delay_days_mean\", levels: [2, 5, 10]),
  ], design: Factorial)";
/// A cap on every wait, so a broken cluster fails the test instead of hanging it.
const WAIT_LIMIT: Duration = Duration::from_secs(300);

/// The daemons this test started, stopped by their PIDs (in reverse order) when dropped,
/// also when the test fails.
struct Cluster {
    dir: tempfile::TempDir,
    conf: PathBuf,
    daemons: Vec<(&'static str, Child)>,
}

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::Builder::new().prefix("joinedup-slurm-").tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let munge_dir = root.join("munge");
        for sub in ["munge", "state", "spool", "log"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        // munged wants its socket folder owned by `munge`, searchable by everyone, and
        // writable by nobody else; the temporary folder itself must be searchable too.
        run_ok(Command::new("chmod").args(["755", root.to_str().unwrap(), munge_dir.to_str().unwrap()]));
        run_ok(Command::new("chown").args(["munge:munge", munge_dir.to_str().unwrap()]));
        let socket = munge_dir.join("munge.sock");
        let mut cluster = Cluster { conf: root.join("slurm.conf"), dir, daemons: Vec::new() };
        let log = |name: &str| std::fs::File::create(root.join("log").join(format!("{name}.out"))).unwrap();
        let munged = Command::new("setpriv")
            .args(["--reuid=munge", "--regid=munge", "--init-groups", "/usr/sbin/munged", "--foreground"])
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", munge_dir.join("munged.pid").display()))
            .arg(format!("--log-file={}", munge_dir.join("munged.log").display()))
            .arg(format!("--seed-file={}", munge_dir.join("munged.seed").display()))
            .stdout(log("munged"))
            .stderr(log("munged.err"))
            .spawn()
            .unwrap();
        cluster.daemons.push(("munged", munged));
        wait_until("munged to open its socket", || socket.exists(), &cluster);

        let n_cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let memory_mb = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| m.lines().find(|l| l.starts_with("MemTotal:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
            .map_or(1024, |kb| kb / 1024 * 8 / 10);
        let (ctld_port, slurmd_port) = (free_port(), free_port());
        let conf = format!(
            "ClusterName=joinedup-test\nSlurmctldHost=localhost\nSlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\n\
SlurmUser=root\nAuthType=auth/munge\nAuthInfo=socket={socket}\nCredType=cred/munge\n\
ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
SchedulerParameters=batch_sched_delay=0\nAccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n\
JobAcctGatherType=jobacct_gather/none\nReturnToService=2\n\
StateSaveLocation={root}/state\nSlurmdSpoolDir={root}/spool\n\
SlurmctldPidFile={root}/slurmctld.pid\nSlurmdPidFile={root}/slurmd.pid\n\
SlurmctldLogFile={root}/log/slurmctld.log\nSlurmdLogFile={root}/log/slurmd.log\n\
NodeName=localhost CPUs={n_cpus} RealMemory={memory_mb} State=UNKNOWN\n\
PartitionName=joinedup Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4\n",
            socket = socket.display(),
            root = root.display(),
        );
        std::fs::write(&cluster.conf, conf).unwrap();
        let ctld = Command::new("slurmctld")
            .arg("-D")
            .env("SLURM_CONF", &cluster.conf)
            .stdout(log("slurmctld"))
            .stderr(log("slurmctld.err"))
            .spawn()
            .unwrap();
        cluster.daemons.push(("slurmctld", ctld));
        let slurmd = Command::new("slurmd")
            .args(["-D", "-N", "localhost"])
            .env("SLURM_CONF", &cluster.conf)
            .stdout(log("slurmd"))
            .stderr(log("slurmd.err"))
            .spawn()
            .unwrap();
        cluster.daemons.push(("slurmd", slurmd));
        cluster
    }

    fn client(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", &self.conf);
        command
    }

    /// Every daemon still running (one that died is a failure, with its log).
    fn check_alive(&mut self) {
        for (name, child) in &mut self.daemons {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{name} stopped ({status}); its logs:\n{}", logs(self.dir.path()));
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Reverse order of starting, each by the PID we started: SIGTERM, then SIGKILL if it
        // has not gone within ten seconds; always reaped.
        while let Some((name, mut child)) = self.daemons.pop() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if child.try_wait().ok().flatten().is_none() {
                eprintln!("{name} (pid {}) ignored SIGTERM; killing it", child.id());
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

fn logs(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir.join("log")).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        out += &format!("--- {}\n{}\n", entry.path().display(), tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    }
    out
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool, cluster: &Cluster) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT_LIMIT, "gave up waiting for {what}; logs:\n{}", logs(cluster.dir.path()));
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether to run: `false` (with a loud notice) when JOINEDUP_SKIP_SLURM=1 is set; otherwise
/// `true` when Slurm can run here, and a failure naming what is missing when it cannot.
fn slurm_available() -> bool {
    let skip = std::env::var("JOINEDUP_SKIP_SLURM").is_ok_and(|v| v == "1");
    if skip {
        // Straight to stderr, not through eprintln!: the test harness captures (and hides) a
        // passing test's eprintln! output, and this notice must be seen.
        let bar = "!".repeat(78);
        let _ = writeln!(
            std::io::stderr(),
            "\n{bar}\n!!! SKIPPED: the Slurm cluster test did NOT run, because JOINEDUP_SKIP_SLURM=1 is set.\n\
!!! Unset it and run .ci/test.sh as root (it installs Slurm) to run it.\n{bar}\n"
        );
        return false;
    }
    let missing: Vec<&str> = [
        "/usr/sbin/slurmctld",
        "/usr/sbin/slurmd",
        "/usr/sbin/munged",
        "/usr/bin/sbatch",
        "/usr/bin/squeue",
        "/usr/bin/setpriv",
        "/etc/munge/munge.key",
    ]
    .into_iter()
    .filter(|p| !Path::new(p).exists())
    .collect();
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if missing.is_empty() && is_root {
        return true;
    }
    let why = if missing.is_empty() {
        "the test must run as root (it starts munged as the munge user)".to_string()
    } else {
        format!("missing: {}", missing.join(", "))
    };
    panic!(
        "Slurm cannot run here ({why}). Run .ci/test.sh as root, which installs slurmctld, slurmd, slurm-client and munge \
         (apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge), or set JOINEDUP_SKIP_SLURM=1 \
         to skip this test (it then says so loudly)."
    );
}

#[test]
fn emitted_slurm_array_and_merge_reproduce_the_local_run_byte_for_byte() {
    if !slurm_available() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let plan = work.path().join("slurm_test.ron");
    std::fs::write(&plan, PLAN).unwrap();
    let binary = env!("CARGO_BIN_EXE_joinedup");
    let sets: Vec<String> = TINY.iter().flat_map(|s| ["--set".to_string(), s.to_string()]).collect();

    let local = work.path().join("local");
    run_ok(Command::new(binary).args(["sweep", plan.to_str().unwrap(), "--out", local.to_str().unwrap(), "--threads", "2"]).args(&sets));

    let cluster_out = work.path().join("cluster");
    run_ok(
        Command::new(binary)
            .args(["sweep", plan.to_str().unwrap(), "--out", cluster_out.to_str().unwrap(), "--emit-slurm", "--shards", "3"])
            .args(["--partition", "joinedup", "--time", "00:10:00", "--mem", "200M"])
            .args(&sets),
    );

    let mut cluster = Cluster::start();
    wait_until(
        "the node to register",
        || {
            cluster.client("sinfo").args(["-h", "-o", "%T"]).output().is_ok_and(|o| {
                let state = String::from_utf8_lossy(&o.stdout);
                o.status.success() && state.lines().any(|l| l.starts_with("idle") || l.starts_with("mixed"))
            })
        },
        &cluster,
    );
    cluster.check_alive();

    let submitted = run_ok(cluster.client("bash").arg(cluster_out.join("slurm/submit.sh")));
    let jobs_line =
        submitted.lines().find_map(|l| l.strip_prefix("jobs: ")).unwrap_or_else(|| panic!("submit.sh printed no job ids: {submitted}"));
    let jobs: Vec<String> = jobs_line.split_whitespace().map(String::from).collect();
    assert_eq!(jobs.len(), 2, "{submitted}");
    let job_list = jobs.join(",");
    wait_until(
        "the shards and the merge to finish",
        || {
            cluster
                .client("squeue")
                .args(["-h", "-j", &job_list])
                .output()
                .is_ok_and(|o| o.status.success() && o.stdout.iter().all(u8::is_ascii_whitespace))
        },
        &cluster,
    );
    cluster.check_alive();

    let states = run_ok(cluster.client("squeue").args(["-h", "-t", "all", "-j", &job_list, "-o", "%i %T"]));
    let job_logs = || {
        std::fs::read_dir(cluster_out.join("slurm/logs"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| format!("--- {}\n{}", e.path().display(), std::fs::read_to_string(e.path()).unwrap_or_default()))
            .collect::<String>()
    };
    assert!(
        states.lines().count() == 4 && states.lines().all(|l| l.ends_with("COMPLETED")),
        "three shard tasks and the merge should have completed:\n{states}\njob logs:\n{}\ncluster logs:\n{}",
        job_logs(),
        logs(cluster.dir.path())
    );
    for name in FINAL_FILES {
        let (a, b) = (std::fs::read(local.join(name)).unwrap(), std::fs::read(cluster_out.join(name)).unwrap_or_default());
        assert!(a == b, "{name} from the cluster differs from the local run; job logs:\n{}", job_logs());
    }
    drop(cluster);
}
