//! No run loses or corrupts work: a results folder that holds results is not overwritten
//! without `--force`; a folder that cannot take the results is reported before anything is
//! simulated; Ctrl-C (SIGINT) or SIGTERM stops a sweep or a run with exit code 130, leaving
//! every finished file whole, earlier results untouched and a sweep resumable.
//!
//! The signal tests send a real signal to the real binary (`kill`, as a terminal or a
//! cluster would), and send it only once `/proc` shows the binary has installed its handler,
//! so they do not depend on how fast this machine is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const EXIT_FAILED: i32 = 1;
const EXIT_INTERRUPTED: i32 = 130;
/// Overrides that make the built-in county run in a fraction of a second.
const TINY: [&str; 6] = ["--set", "population.n_families=5000", "--set", "run.horizon_days=400", "--set", "run.warmup_days=50"];
/// Longest a test waits for the binary to reach a state; only a hung binary takes this long.
const PATIENCE: Duration = Duration::from_secs(120);

fn joinedup(args: &[&str], working_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).current_dir(working_dir).output().expect("the joinedup binary starts")
}

fn spawn(args: &[&str], working_dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(args)
        .current_dir(working_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the joinedup binary starts")
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Every file in `dir` by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the folder exists")
        .map(|entry| {
            let entry = entry.expect("a readable entry");
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap_or_default())
        })
        .collect()
}

/// Waits until `pid` catches `signal` (its handler is installed), as `/proc/PID/status` shows.
fn wait_for_handler(child: &mut Child, signal: u32) {
    let status = format!("/proc/{}/status", child.id());
    let start = Instant::now();
    loop {
        let caught = std::fs::read_to_string(&status)
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("SigCgt:").map(|m| m.trim().to_string())))
            .and_then(|mask| u64::from_str_radix(&mask, 16).ok())
            .is_some_and(|mask| mask & (1 << (signal - 1)) != 0);
        if caught {
            return;
        }
        assert!(child.try_wait().expect("the child can be polled").is_none(), "joinedup ended before it installed its signal handler");
        assert!(start.elapsed() < PATIENCE, "joinedup did not install a handler for signal {signal}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill {signal} failed");
}

#[test]
fn a_results_folder_holding_results_is_refused_without_force_and_replaced_with_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let mut args = vec!["run", "--out", text(&out), "--replications", "2", "--seed", "1"];
    args.extend(TINY);
    let first = joinedup(&args, dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let before = files(&out);

    // Another seed would change every file, so unchanged files prove nothing was written.
    let mut again = args.clone();
    again[6] = "2";
    let refused = joinedup(&again, dir.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(EXIT_FAILED), "{stderr}");
    assert!(stderr.contains("already holds results") && stderr.contains("--force") && stderr.contains("scenario `county`"), "{stderr}");
    assert_eq!(files(&out), before, "a refused run changed the results folder");

    again.push("--force");
    let replaced = joinedup(&again, dir.path());
    assert_eq!(replaced.status.code(), Some(0), "{}", String::from_utf8_lossy(&replaced.stderr));
    let after = files(&out);
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    assert!(String::from_utf8_lossy(&after["summary.json"]).contains("\"seed\": 2"), "--force did not replace summary.json");

    // A report made for the first results must not stay beside the second ones.
    std::fs::write(out.join("report.html"), "<p>seed 1</p>").expect("write a report");
    let mut third = again.clone();
    third[6] = "3";
    let replaced = joinedup(&third, dir.path());
    assert_eq!(replaced.status.code(), Some(0), "{}", String::from_utf8_lossy(&replaced.stderr));
    assert!(!out.join("report.html").exists(), "--force without --report left the earlier run's report.html");
}

#[test]
fn a_run_never_writes_into_a_sweeps_folder_or_over_a_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sweep = dir.path().join("a_sweep");
    std::fs::create_dir(&sweep).expect("make a folder");
    std::fs::write(sweep.join("sweep.json"), "{}").expect("write a sweep's file");
    std::fs::write(sweep.join("replications.csv"), "point,model\n").expect("write a sweep's file");
    let before = files(&sweep);
    for force in [false, true] {
        let mut args = vec!["run", "--out", text(&sweep), "--replications", "1"];
        args.extend(TINY);
        if force {
            args.push("--force");
        }
        let refused = joinedup(&args, dir.path());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(EXIT_FAILED), "{stderr}");
        assert!(stderr.contains("holds a sweep's results (sweep.json)") && stderr.contains("another --out"), "{stderr}");
        assert_eq!(files(&sweep), before, "a refused run changed the sweep's folder (--force {force})");
    }
    let file = dir.path().join("a_file");
    std::fs::write(&file, "not a folder").expect("write a file");
    let mut args = vec!["run", "--out", text(&file), "--replications", "1"];
    args.extend(TINY);
    let refused = joinedup(&args, dir.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(EXIT_FAILED), "{stderr}");
    assert!(stderr.contains("it is a file, not a folder"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).expect("the file is still there"), "not a folder");
}

/// Writes a two-point plan of one model into `dir` and returns its path.
fn two_point_plan(dir: &Path) -> PathBuf {
    let plan = dir.join("plan.ron");
    std::fs::write(
        &plan,
        "(name: \"two\", models: [\"siloed\"], replications: 2, seed: 5,
          factors: [(name: \"demand\", path: \"population.presentations_per_family_year\", levels: [0.2, 0.3])],
          design: Factorial)",
    )
    .expect("write the plan");
    plan
}

/// The two-point plan, each point run as a shard of its own: the plan and the shards' folders.
fn two_shards(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let plan = two_point_plan(dir);
    let shards: Vec<PathBuf> = (1..=2).map(|k| dir.join(format!("shard-{k}"))).collect();
    for (k, shard) in shards.iter().enumerate() {
        let shard_arg = format!("{}/2", k + 1);
        let mut args = vec!["sweep", text(&plan), "--shard", &shard_arg, "--out", text(shard)];
        args.extend(TINY);
        let output = joinedup(&args, dir);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
    (plan, shards)
}

#[test]
fn a_sweep_or_merge_into_a_run_folder_is_refused_and_leaves_it_as_it_was() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (plan, shards) = two_shards(dir.path());
    // Each file that marks a run's folder is enough on its own, so try each alone as well
    // as the whole folder a run writes.
    let out = dir.path().join("run");
    let mut run = vec!["run", "--out", text(&out), "--replications", "2"];
    run.extend(TINY);
    assert_eq!(joinedup(&run, dir.path()).status.code(), Some(0));
    let mut folders = vec![out];
    for marker in ["summary.json", "timeseries.csv", "provenance.json"] {
        let folder = dir.path().join(format!("only-{marker}"));
        std::fs::create_dir(&folder).expect("make the folder");
        std::fs::write(folder.join(marker), "a run's file").expect("write the marker");
        std::fs::write(folder.join("replications.csv"), "the run's rows").expect("write the run's rows");
        folders.push(folder);
    }
    for folder in &folders {
        let before = files(folder);
        let mut sweep = vec!["sweep", text(&plan), "--out", text(folder)];
        sweep.extend(TINY);
        let merge = ["merge", text(&shards[0]), text(&shards[1]), "--out", text(folder)];
        for args in [&sweep[..], &merge[..]] {
            let output = joinedup(args, dir.path());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(EXIT_FAILED), "{args:?}: {stderr}");
            assert!(stderr.contains("holds a run's results") && stderr.contains("Choose another --out folder"), "{args:?}: {stderr}");
            assert_eq!(files(folder), before, "{args:?} changed the run's folder");
        }
    }
}

#[test]
fn a_merge_that_fails_part_way_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (_, shards) = two_shards(dir.path());
    let merge = |out: &Path| joinedup(&["merge", text(&shards[0]), text(&shards[1]), "--out", text(out)], dir.path());
    let merged = dir.path().join("merged");
    assert_eq!(merge(&merged).status.code(), Some(0));
    let before = files(&merged);

    // The last point is corrupt, so the merge fails after writing every other point's rows.
    std::fs::write(shards[1].join("points").join("point-000001.json"), "{ not json").expect("corrupt a point");
    let fresh = dir.path().join("fresh");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("make an empty folder");
    for out in [&merged, &fresh, &empty] {
        let output = merge(out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(EXIT_FAILED), "{stderr}");
        assert!(stderr.contains("point-000001.json"), "{stderr}");
    }
    assert_eq!(files(&merged), before, "a failed merge changed the earlier merge's files");
    assert!(!fresh.exists(), "a failed merge left the folder it created");
    assert!(files(&empty).is_empty(), "a failed merge left files in an empty folder");
}

#[test]
fn a_folder_that_cannot_take_the_results_is_reported_before_anything_runs() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // A folder inside a regular file cannot be created, even by root.
    let file = dir.path().join("a_file");
    std::fs::write(&file, "not a folder").expect("write a file");
    let out = file.join("results");
    // The run itself would fail at once (one open episode allowed), so an error about the
    // folder proves the folder was checked first.
    let mut args = vec!["run", "--out", text(&out), "--set", "run.max_open_episodes=1", "--replications", "1"];
    args.extend(TINY);
    let output = joinedup(&args, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_FAILED), "{stderr}");
    assert!(stderr.contains("cannot write results to") && stderr.contains(text(&out)), "{stderr}");
    assert!(!stderr.contains("open cases"), "the simulation ran before the folder was checked:\n{stderr}");
}

#[test]
fn ctrl_c_stops_a_sweep_keeping_finished_points_and_the_same_command_resumes_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let levels: Vec<String> = (0..30).map(|i| format!("{}", 0.1 + 0.005 * f64::from(i))).collect();
    let plan = dir.path().join("plan.ron");
    std::fs::write(
        &plan,
        format!(
            "(name: \"ctrl_c\", models: [\"siloed\", \"integrated_hub\"], replications: 2, seed: 5,
              factors: [(name: \"demand\", path: \"population.presentations_per_family_year\", levels: [{}])],
              design: Factorial)",
            levels.join(", ")
        ),
    )
    .expect("write the plan");
    let out = dir.path().join("interrupted");
    let mut args = vec!["sweep", text(&plan), "--threads", "1", "--out", text(&out)];
    args.extend(TINY);

    let mut child = spawn(&args, dir.path());
    wait_for_handler(&mut child, 2);
    let first_point = out.join("points").join("point-000000.json");
    let start = Instant::now();
    while !first_point.exists() {
        assert!(child.try_wait().expect("the child can be polled").is_none(), "the sweep ended before its first point");
        assert!(start.elapsed() < PATIENCE, "the sweep wrote no point");
        std::thread::sleep(Duration::from_millis(2));
    }
    send(&child, "-INT");
    let output = child.wait_with_output().expect("the sweep ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_INTERRUPTED), "{stderr}");
    assert!(stderr.contains("interrupted:") && stderr.contains("run the same command again"), "{stderr}");
    assert!(!out.join("sweep.json").exists(), "an interrupted sweep wrote its final files");
    let points: Vec<PathBuf> =
        std::fs::read_dir(out.join("points")).expect("the points folder").map(|e| e.expect("an entry").path()).collect();
    let finished: Vec<&PathBuf> = points.iter().filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    assert!(!finished.is_empty() && finished.len() < levels.len(), "{} of {} points finished", finished.len(), levels.len());
    for point in &finished {
        let bytes = std::fs::read(point).expect("a readable point file");
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|e| panic!("{} is not whole: {e}", point.display()));
    }

    let resumed = joinedup(&args, dir.path());
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(resumed.status.code(), Some(0), "{}", String::from_utf8_lossy(&resumed.stderr));
    assert!(stdout.contains(&format!("({} already finished and skipped)", finished.len())), "{stdout}");

    // Resumed, it ends with exactly the files of a sweep never interrupted.
    let whole = dir.path().join("whole");
    let mut whole_args = vec!["sweep", text(&plan), "--threads", "2", "--out", text(&whole)];
    whole_args.extend(TINY);
    assert_eq!(joinedup(&whole_args, dir.path()).status.code(), Some(0));
    for name in ["replications.csv", "points.csv", "sweep.json"] {
        assert!(std::fs::read(out.join(name)).ok() == std::fs::read(whole.join(name)).ok(), "{name} differs after resuming");
    }
}

#[test]
fn sigterm_stops_a_run_at_once_leaving_earlier_results_untouched() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let mut tiny_run = vec!["run", "--out", text(&out), "--replications", "2"];
    tiny_run.extend(TINY);
    assert_eq!(joinedup(&tiny_run, dir.path()).status.code(), Some(0));
    let before = files(&out);

    // The full county, ten replications of ten years: minutes of work, stopped at once.
    let mut child = spawn(&["run", "--out", text(&out), "--force"], dir.path());
    wait_for_handler(&mut child, 15);
    send(&child, "-TERM");
    let output = child.wait_with_output().expect("the run ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(EXIT_INTERRUPTED), "{stderr}");
    assert!(stderr.contains("no results were written") && stderr.contains("is as it was"), "{stderr}");
    assert_eq!(files(&out), before, "an interrupted run changed the results folder");
}

#[test]
fn a_write_that_fails_part_way_leaves_the_earlier_results_whole() {
    // A folder where the second file's temporary file should go makes that write fail, as a
    // full disk would: nothing may be renamed into place, and no temporary file may be left.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let old = joinedup::output::RunFiles {
        files: vec![("summary.json", "old summary".into()), ("replications.csv", "old rows".into())],
        warnings: Vec::new(),
    };
    old.write(dir.path()).expect("the first write succeeds");
    std::fs::create_dir(dir.path().join(".replications.csv.partial")).expect("block the second temporary file");
    let new = joinedup::output::RunFiles {
        files: vec![("summary.json", "new summary".into()), ("replications.csv", "new rows".into())],
        warnings: Vec::new(),
    };
    let error = new.write(dir.path()).expect_err("the blocked write fails");
    assert!(error.to_string().contains("replications.csv"), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.json")).expect("summary.json"),
        "old summary",
        "a file was replaced although the set was not complete"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("replications.csv")).expect("replications.csv"), "old rows");
    assert!(!dir.path().join(".summary.json.partial").exists(), "a temporary file was left behind");
}
