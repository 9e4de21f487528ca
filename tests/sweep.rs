//! Sweeps end to end: byte-identical results for any thread count, shards merging into
//! exactly the unsharded files, resuming after SIGKILL, points from a version with other
//! metrics redone or refused, points from builds that compute differently named,
//! replications to a precision, plan errors, the emitted Slurm scripts, and every example
//! plan in scenarios/sweeps/.

use joinedup::experiment::{self, PrecisionRule};
use joinedup::scenario::plan::{self, Design, FactorValues};
use joinedup::sweep::{self, Shard, SlurmOptions, SweepOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Overrides that make the county tiny, so each replication takes milliseconds.
const TINY: [&str; 3] = ["population.n_families=5000", "run.horizon_days=400", "run.warmup_days=50"];
/// The files every finished sweep writes (Morris designs add morris.csv).
const FINAL_FILES: [&str; 5] = ["replications.csv", "points.csv", "sweep.json", "plan.ron", "scenario.ron"];

fn tiny() -> Vec<String> {
    TINY.iter().map(|s| s.to_string()).collect()
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_joinedup")
}

/// Writes a plan file into `dir` and returns its path.
fn write_plan(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(&path, format!("(name: \"{name}\", models: [\"siloed\", \"integrated_hub\"], replications: 2, seed: 11, {body})"))
        .unwrap();
    path
}

const FACTORIAL: &str = "factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", levels: [0.2, 0.3]),
    (name: \"hub_delay_days\", path: \"models.integrated_hub.coordinated_handoff.delay_days_mean\", levels: [2, 5, 10]),
  ], design: Factorial";

fn load(path: &Path, plan_overrides: &[&str]) -> plan::Plan {
    let plan_overrides: Vec<String> = plan_overrides.iter().map(|s| s.to_string()).collect();
    plan::load(path, &plan_overrides, &tiny()).unwrap()
}

fn run(plan: &plan::Plan, out: &Path, threads: usize, shard: Shard) -> sweep::SweepOutcome {
    sweep::run(plan, &SweepOptions { out_dir: out.to_path_buf(), threads: Some(threads), shard }).unwrap()
}

/// A point file a shard's folder keeps (the first the folder lists).
fn first_point_file(shard_dir: &Path) -> PathBuf {
    std::fs::read_dir(shard_dir.join("points"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.file_name().unwrap().to_string_lossy().starts_with("point-"))
        .expect("a shard keeps its point files")
}

fn assert_same_files(a: &Path, b: &Path, names: &[&str]) {
    for name in names {
        let (x, y) = (std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap());
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn sweep_output_is_tidy_and_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = load(&write_plan(tmp.path(), "grid", FACTORIAL), &[]);
    assert_eq!(plan.n_points(), 6);
    let one = run(&plan, &tmp.path().join("one"), 1, Shard::WHOLE);
    run(&plan, &tmp.path().join("two"), 2, Shard::WHOLE);
    assert_eq!(one.files.len(), FINAL_FILES.len());
    assert_same_files(&tmp.path().join("one"), &tmp.path().join("two"), &FINAL_FILES);

    let csv = std::fs::read_to_string(tmp.path().join("one/replications.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), "point,demand,hub_delay_days,model,replication,metric,value");
    // Factorial order: first factor slowest. Point 4 is demand 0.3, delay 5.
    let row = csv.lines().find(|l| l.starts_with("4,")).unwrap();
    assert!(row.starts_with("4,0.3,5,siloed,0,"), "{row}");
    // Every point x model x replication has a referrals row.
    assert_eq!(csv.lines().filter(|l| l.contains(",referrals,")).count(), 6 * 2 * 2);
    let points = std::fs::read_to_string(tmp.path().join("one/points.csv")).unwrap();
    assert!(points.starts_with("point,demand,hub_delay_days,model,metric,replications,n,mean,ci95_low,ci95_high,precision_met\n"));
    assert_eq!(points.lines().filter(|l| l.contains(",wait_service_start_days,")).count(), 6 * 2);

    // Common random numbers: the siloed model does not depend on the hub's delay, so its
    // rows are identical at points that differ only in that factor.
    let siloed_at = |point: usize| -> Vec<String> {
        csv.lines()
            .filter(|l| l.starts_with(&format!("{point},")) && l.contains(",siloed,"))
            .map(|l| l.splitn(4, ',').nth(3).unwrap().to_string())
            .collect()
    };
    assert_eq!(siloed_at(0), siloed_at(2));
    assert_ne!(siloed_at(0), siloed_at(3), "demand changes the families");
}

#[test]
fn shards_merge_into_exactly_the_unsharded_files_and_mismatches_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_plan(tmp.path(), "grid", FACTORIAL);
    let plan = load(&path, &[]);
    run(&plan, &tmp.path().join("whole"), 2, Shard::WHOLE);
    let shard_dirs: Vec<PathBuf> = (1..=4).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in shard_dirs.iter().enumerate() {
        let outcome = run(&plan, dir, 1, Shard { k: k + 1, n: 4 });
        assert!(outcome.files.is_empty(), "a shard of several writes no final files");
    }
    let merged = tmp.path().join("merged");
    // Any order of folders gives the same result.
    let reversed: Vec<PathBuf> = shard_dirs.iter().rev().cloned().collect();
    sweep::merge(&reversed, &merged).unwrap();
    assert_same_files(&tmp.path().join("whole"), &merged, &FINAL_FILES);

    fn message<T>(result: joinedup::Result<T>) -> String {
        result.err().map(|e| e.to_string()).expect("the operation must be refused")
    }
    let missing = message(sweep::merge(&shard_dirs[..3], &tmp.path().join("m1")));
    assert!(missing.contains("shard 4/4") && missing.contains("missing"), "{missing}");
    let twice = message(sweep::merge(&[shard_dirs[0].clone(), shard_dirs[0].clone()], &tmp.path().join("m2")));
    assert!(twice.contains("given twice"), "{twice}");

    // A shard run with another seed, and one of another plan.
    let other_seed = load(&path, &["seed=12"]);
    run(&other_seed, &tmp.path().join("seed-12"), 1, Shard { k: 2, n: 4 });
    let mut mixed = shard_dirs.clone();
    mixed[1] = tmp.path().join("seed-12");
    let seeds = message(sweep::merge(&mixed, &tmp.path().join("m3")));
    assert!(seeds.contains("seed 11") && seeds.contains("seed 12"), "{seeds}");
    let other_plan = load(&path, &["factors.0.levels=[0.2, 0.25]"]);
    run(&other_plan, &tmp.path().join("other"), 1, Shard { k: 2, n: 4 });
    mixed[1] = tmp.path().join("other");
    let plans = message(sweep::merge(&mixed, &tmp.path().join("m4")));
    assert!(plans.contains("plans or their base scenarios differ"), "{plans}");
    assert!(!tmp.path().join("m1/replications.csv").exists() && !tmp.path().join("m4/replications.csv").exists());

    // A folder holding another sweep is not silently reused.
    let reuse =
        message(sweep::run(&other_plan, &SweepOptions { out_dir: tmp.path().join("whole"), threads: Some(1), shard: Shard::WHOLE }));
    assert!(reuse.contains("Choose another --out folder"), "{reuse}");
    // ... and says what changed: here the plan's first factor.
    assert!(reuse.contains("The plan has changed since: line") && reuse.contains("0.25"), "{reuse}");

    // More shards than points: the extra ones would run nothing, and a merge would wait for them.
    let too_many =
        message(sweep::run(&plan, &SweepOptions { out_dir: tmp.path().join("s7"), threads: Some(1), shard: Shard { k: 1, n: 7 } }));
    assert!(too_many.contains("6 points") && too_many.contains("at most 6 shards"), "{too_many}");
    assert!(!tmp.path().join("s7").exists(), "a refused shard made its folder");
}

/// Runs the factorial sweep whole and in two shards, rewrites the first point file of the
/// second shard with `make_older` (as another version of joinedup would have written it),
/// and checks that a merge refuses it, naming the file and `why`, and writes no final file;
/// that the shard run again redoes that point only; and that the merge is then the unsharded
/// sweep's.
fn assert_an_older_point_is_redone_or_refused(make_older: impl Fn(&mut serde_json::Map<String, serde_json::Value>), why: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_plan(tmp.path(), "grid", FACTORIAL);
    let plan = load(&path, &[]);
    run(&plan, &tmp.path().join("whole"), 1, Shard::WHOLE);
    let shard_dirs: Vec<PathBuf> = (1..=2).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in shard_dirs.iter().enumerate() {
        run(&plan, dir, 1, Shard { k: k + 1, n: 2 });
    }
    let point_file = first_point_file(&shard_dirs[1]);
    let mut point: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&point_file).unwrap()).unwrap();
    make_older(point.as_object_mut().unwrap());
    std::fs::write(&point_file, serde_json::to_string_pretty(&point).unwrap()).unwrap();
    let refused = sweep::merge(&shard_dirs, &tmp.path().join("refused")).err().map(|e| e.to_string()).expect("the merge must be refused");
    assert!(
        refused.contains(&point_file.display().to_string()) && refused.contains("another version of joinedup") && refused.contains(why),
        "{refused}"
    );
    assert!(!tmp.path().join("refused/replications.csv").exists(), "a refused merge writes no final file");
    // Run again, the shard redoes that point only, and the merge is the unsharded sweep's.
    let again = run(&plan, &shard_dirs[1], 1, Shard { k: 2, n: 2 });
    assert_eq!(again.n_points_skipped, again.n_points_shard - 1, "only the older point is redone");
    sweep::merge(&shard_dirs, &tmp.path().join("merged")).unwrap();
    assert_same_files(&tmp.path().join("whole"), &tmp.path().join("merged"), &FINAL_FILES);
}

/// A point file written by another version of joinedup, with other metrics, is redone when
/// its shard runs again and refused by a merge: its means are read by position, so they are
/// never taken for this version's.
#[test]
fn a_point_from_a_version_with_other_metrics_is_redone_or_refused() {
    // As the version before the waits by tier wrote it: no list of metrics, 21 means a model.
    assert_an_older_point_is_redone_or_refused(
        |point| {
            assert!(point.remove("metrics").is_some(), "a point file names its metrics");
            for model_means in point["means"].as_array_mut().unwrap() {
                model_means.as_array_mut().unwrap().truncate(21);
            }
        },
        "21 of them",
    );
}

/// A point written before the waits by tier had percentiles (no list of percentile rows, and
/// its `replications.csv` lines without the tiers' `_p50`, `_p90` and `_p99`) would leave the
/// merged file with a replication whose tier waits lack the rows every other point has: it is
/// redone or refused like a point with other metrics, and the merge says why.
#[test]
fn a_point_from_before_the_waits_by_tier_had_percentiles_is_redone_or_refused() {
    assert_an_older_point_is_redone_or_refused(
        |point| {
            let names = point.remove("percentile_rows").expect("a point file names its percentile rows");
            assert_eq!(names.as_array().unwrap().len(), 21, "seven waits, three percentiles each");
            let rows = point["replication_rows"].as_str().unwrap().to_string();
            let tier_percentile = |line: &str| line.contains("_tier") && line.contains("_days_p");
            let older: String = rows.lines().filter(|line| !tier_percentile(line)).map(|line| format!("{line}\n")).collect();
            assert!(
                rows.contains("wait_service_start_tier2_days_p90,")
                    && older.contains("wait_service_start_tier2_days,")
                    && older.len() < rows.len(),
                "the point has tier percentile rows to drop, beside the tier means kept"
            );
            point["replication_rows"] = serde_json::Value::String(older);
        },
        "wait percentiles for other waits (0 percentile rows, this one writes 21)",
    );
}

/// Shards run by builds that compute `exp`, `ln` and `powf` differently (another
/// `math_library` in their points: a version that took them from the C library, whose
/// result depended on the machine) still merge, and the merge says so: sweep.json lists every
/// fingerprint, and the summary has more than one, which `joinedup merge` warns about.
#[test]
fn a_merge_of_points_from_machines_that_compute_differently_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_plan(tmp.path(), "grid", FACTORIAL);
    let plan = load(&path, &[]);
    let shard_dirs: Vec<PathBuf> = (1..=2).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in shard_dirs.iter().enumerate() {
        run(&plan, dir, 1, Shard { k: k + 1, n: 2 });
    }
    let here = joinedup::provenance::math_library_fingerprint();
    let (_, alike) = sweep::merge(&shard_dirs, &tmp.path().join("alike")).unwrap();
    assert_eq!(alike.math_libraries, std::slice::from_ref(&here), "one machine, one fingerprint");
    // One point of the second shard as another machine would have written it.
    let point_file = first_point_file(&shard_dirs[1]);
    let text = std::fs::read_to_string(&point_file).unwrap();
    let other = "0123456789abcdef";
    assert!(text.contains(&here), "a point file records its machine's fingerprint");
    std::fs::write(&point_file, text.replace(&here, other)).unwrap();
    let (_, mixed) = sweep::merge(&shard_dirs, &tmp.path().join("mixed")).unwrap();
    let mut expected = vec![here, other.to_string()];
    expected.sort();
    assert_eq!(mixed.math_libraries, expected);
    let sweep_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("mixed/sweep.json")).unwrap()).unwrap();
    assert_eq!(sweep_json["math_libraries"], serde_json::json!(expected));
}

#[test]
fn a_killed_sweep_resumes_to_exactly_the_uninterrupted_output() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "factors: [
        (name: \"demand\", path: \"population.presentations_per_family_year\", min: 0.2, max: 0.3),
        (name: \"hub_lost\", path: \"models.integrated_hub.coordinated_handoff.lost_probability\", min: 0.0, max: 0.1),
      ], design: LatinHypercube(points: 60)";
    let plan_path = write_plan(tmp.path(), "resume", body);
    let out = tmp.path().join("killed");
    let args = |out: &Path, threads: &str| {
        let mut args: Vec<String> = vec!["sweep".into(), plan_path.display().to_string(), "--out".into(), out.display().to_string()];
        args.extend(["--threads".into(), threads.into()]);
        for o in TINY {
            args.extend(["--set".into(), o.into()]);
        }
        args
    };
    let mut child = Command::new(binary()).args(args(&out, "1")).stdout(std::process::Stdio::null()).spawn().unwrap();
    // Kill it (SIGKILL) as soon as it has finished some points but not all.
    let points_dir = out.join("points");
    let count = || {
        std::fs::read_dir(&points_dir)
            .map_or(0, |d| d.filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("point-")).count())
    };
    let mut waited = 0;
    while count() < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep finished before it could be killed; give the test plan more points");
        std::thread::sleep(std::time::Duration::from_millis(2));
        waited += 1;
        assert!(waited < 60_000, "the sweep wrote no point in two minutes");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before = count();
    assert!(finished_before < 60, "killed mid-way");
    assert!(!out.join("replications.csv").exists(), "no final file before every point is done");
    // Every point file that exists is whole (written atomically).
    for entry in std::fs::read_dir(&points_dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().starts_with("point-") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{} is not whole", entry.path().display());
        }
    }

    let resumed = Command::new(binary()).args(args(&out, "2")).output().unwrap();
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(stdout.contains(&format!("{finished_before} already finished and skipped")), "{stdout}");

    let clean = tmp.path().join("clean");
    let uninterrupted = Command::new(binary()).args(args(&clean, "2")).output().unwrap();
    assert!(uninterrupted.status.success());
    assert_same_files(&out, &clean, &FINAL_FILES);
}

#[test]
fn replications_to_a_precision_stop_when_narrow_enough_or_at_the_maximum() {
    let loaded = joinedup::scenario::load(None, &[tiny(), vec!["run.replications=2".into(), "models=[]".into()]].concat());
    // An empty model list is invalid: the error names the field.
    assert!(loaded.unwrap_err().to_string().contains("models"));
    let scenario = joinedup::scenario::load(None, &[tiny(), vec!["run.replications=3".into()]].concat()).unwrap().scenario;

    // Unreachable precision: stops at the maximum and says what is still too wide.
    let strict = PrecisionRule { relative_half_width: 1e-9, max_replications: 5 };
    let (comparison, report) = experiment::run_to_precision(&scenario, strict, Some(2)).unwrap();
    assert!(!report.met && report.n_replications == 5 && comparison.replications == 5 && !report.unmet.is_empty());
    // The replications are those of a plain run of that many, whatever the batches and threads.
    let mut plain_scenario = scenario.clone();
    plain_scenario.run.replications = 5;
    let plain = experiment::run(&plain_scenario, Some(1)).unwrap();
    assert_eq!(joinedup::output::replications_csv(&comparison), joinedup::output::replications_csv(&plain));
    let (again, _) = experiment::run_to_precision(&scenario, strict, Some(1)).unwrap();
    assert_eq!(joinedup::output::replications_csv(&comparison), joinedup::output::replications_csv(&again));

    // A loose precision is met, and then every metric satisfies the rule.
    let loose = PrecisionRule { relative_half_width: 0.5, max_replications: 40 };
    let (comparison, report) = experiment::run_to_precision(&scenario, loose, Some(2)).unwrap();
    assert!(report.met && report.unmet.is_empty(), "{report:?}");
    for model_idx in 0..comparison.model_names.len() {
        for metric_idx in 0..joinedup::metrics::N_METRICS {
            let values = comparison.model_results(model_idx).iter().filter_map(|r| r.values[metric_idx]);
            if let Some(e) = joinedup::metrics::Estimate::from_values(values) {
                assert!(e.half_width().unwrap() <= 0.5 * e.mean.abs(), "metric {metric_idx} of model {model_idx}");
            }
        }
    }
    let (unmet, _) = experiment::precision_unmet(&comparison, 0.5);
    assert!(unmet.is_empty());
}

#[test]
fn run_with_precision_reports_the_outcome_and_bad_values_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["run".into(), "--out".into(), tmp.path().join("p").display().to_string()];
    for o in TINY {
        args.extend(["--set".into(), o.into()]);
    }
    args.extend(["--set".into(), "models=[(name: \"siloed\", preset: (name: \"siloed\"))]".into()]);
    let output = Command::new(binary()).args(&args).args(["--precision", "0.000001", "--max-replications", "4"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Precision NOT reached: stopped at the maximum of 4 replications"), "{stdout}");
    let summary = std::fs::read_to_string(tmp.path().join("p/summary.json")).unwrap();
    assert!(summary.contains("\"replications\": 4"));
    // The folder records the replications the run ended with, so its scenario reproduces it.
    let scenario_ron = std::fs::read_to_string(tmp.path().join("p/scenario.ron")).unwrap();
    assert!(scenario_ron.contains("replications: 4,"), "{scenario_ron}");
    let provenance = std::fs::read_to_string(tmp.path().join("p/provenance.json")).unwrap();
    assert!(provenance.contains("\"replications\": 4,"), "{provenance}");
    let again = tmp.path().join("again");
    let output = Command::new(binary())
        .args(["run", &tmp.path().join("p/scenario.ron").display().to_string(), "--out", &again.display().to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for file in ["summary.json", "replications.csv", "timeseries.csv"] {
        let first = std::fs::read(tmp.path().join("p").join(file)).unwrap();
        assert!(first == std::fs::read(again.join(file)).unwrap(), "{file} differs when the recorded scenario is run again");
    }
    for bad in [["--precision", "0"], ["--precision", "-1"], ["--precision", "5"], ["--max-replications", "5"]] {
        let output = Command::new(binary()).args(&args).args(bad).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
}

#[test]
fn sweep_to_a_precision_records_each_point_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = load(&write_plan(tmp.path(), "precise", FACTORIAL), &["precision=1e-9", "max_replications=3", "factors.1.levels=[5]"]);
    run(&plan, &tmp.path().join("out"), 2, Shard::WHOLE);
    let points = std::fs::read_to_string(tmp.path().join("out/points.csv")).unwrap();
    let row = points.lines().nth(1).unwrap();
    assert!(row.ends_with(",false") && row.contains(",3,3,"), "{row}");
    let sweep_json = std::fs::read_to_string(tmp.path().join("out/sweep.json")).unwrap();
    assert!(sweep_json.contains("\"n_points_not_met\": 2"), "{sweep_json}");
}

#[test]
fn plan_errors_name_the_place_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let error = |body: &str| -> String {
        let path = write_plan(tmp.path(), "bad", body);
        plan::load(&path, &[], &tiny()).expect_err("the plan must be refused").to_string()
    };
    let typo = error("factors: [(path: \"population.presentations_per_family_yaer\", levels: [0.2])], design: Factorial");
    assert!(typo.contains("factors.0") && typo.contains("did you mean `population.presentations_per_family_year`"), "{typo}");
    let bad_value = error("factors: [(path: \"population.presentations_per_family_year\", levels: [0.2, -1])], design: Factorial");
    assert!(bad_value.contains("factors.0") && bad_value.contains("-1"), "{bad_value}");
    let ranges = error("factors: [(path: \"population.service.cv\", min: 0.5, max: 1.0)], design: Factorial");
    assert!(ranges.contains("Factorial design takes each factor's `levels`"), "{ranges}");
    let odd = error("factors: [(path: \"population.service.cv\", min: 0.5, max: 1.0)], design: Morris(trajectories: 2, levels: 3)");
    assert!(odd.contains("design.Morris.levels") && odd.contains("even"), "{odd}");
    let repeated = error("factors: [(path: \"population.service.cv\", levels: [0.5, 1, 0.5])], design: Factorial");
    assert!(repeated.contains("factors.0.levels.2") && repeated.contains("repeats level 0"), "{repeated}");
    let loose = error("factors: [(path: \"population.service.cv\", levels: [0.5])], design: Factorial, precision: 5");
    assert!(loose.contains("precision") && loose.contains("at most 1"), "{loose}");
    let seed = error("factors: [(path: \"run.seed\", levels: [1, 2])], design: Factorial");
    assert!(seed.contains("common random numbers"), "{seed}");
    let syntax = error("factors: [(path: \"population.service.cv\", levles: [1])], design: Factorial");
    assert!(syntax.contains("bad.ron:1:") && syntax.contains("did you mean `levels`"), "{syntax}");
    let too_big = error("factors: [(path: \"population.service.cv\", min: 0.5, max: 1.0)], design: LatinHypercube(points: 1000000)");
    assert!(too_big.contains("design.LatinHypercube.points") && too_big.contains("100000"), "{too_big}");
    // A range on a field of whole numbers: its whole ends pass, but the design samples values
    // between them, so it must be rounded; said before anything runs.
    let staff = "workforce.services.early_help.staff.0.n_practitioners";
    for design in ["LatinHypercube(points: 3)", "Morris(trajectories: 2, levels: 4)"] {
        for (min, max) in [(20, 40), (20, 21), (20, 25)] {
            let body = format!(
                "factors: [(path: \"population.service.cv\", min: 0.5, max: 1.0), (path: \"{staff}\", min: {min}, max: {max})], design: {design}"
            );
            let whole = error(&body);
            assert!(
                whole.contains("factors.1:") && whole.contains("whole numbers only") && whole.contains("add `integer: true`"),
                "{whole}"
            );
            let path = write_plan(tmp.path(), "rounded", &body.replace(&format!("max: {max})"), &format!("max: {max}, integer: true)")));
            assert!(plan::load(&path, &[], &tiny()).is_ok(), "{design}, {min} to {max}, rounded");
        }
    }

    // Two factors on one field: the second would silently override the first.
    let twice = error(
        "factors: [(name: \"a\", path: \"population.service.cv\", levels: [0.5, 1]), (name: \"b\", path: \" population.service.cv\", levels: [2])], design: Factorial",
    );
    assert!(twice.contains("factors.1.path") && twice.contains("already varied by factors.0"), "{twice}");
    // Also when a list entry is named by its place in one and by its name in the other.
    let aliased = error(
        "factors: [(name: \"a\", path: \"models.integrated_hub.coordinated_handoff.delay_days_mean\", levels: [2]), (name: \"b\", path: \"population.service.cv\", levels: [1]), (name: \"c\", path: \"models.1.coordinated_handoff.delay_days_mean\", levels: [5])], design: Factorial",
    );
    assert!(
        aliased.contains("factors.2.path") && aliased.contains("already varied by factors.0") && aliased.contains("name the same field"),
        "{aliased}"
    );
    // The same field of two services is two fields.
    let path = write_plan(
        tmp.path(),
        "two_services",
        "factors: [(name: \"a\", path: \"workforce.services.early_help.staff.0.n_practitioners\", levels: [30]), (name: \"b\", path: \"workforce.services.camhs.staff.0.n_practitioners\", levels: [75])], design: Factorial",
    );
    assert!(plan::load(&path, &[], &tiny()).is_ok());

    // A name that is not a folder of its own would put the results elsewhere: `..` straight
    // into results/.
    for name in ["..", ".", "a/b", "a\\b", " padded"] {
        let path = tmp.path().join("named.ron");
        std::fs::write(&path, format!("(name: {name:?}, factors: [(path: \"population.service.cv\", levels: [1])], design: Factorial)"))
            .unwrap();
        let message = plan::load(&path, &[], &tiny()).expect_err(name).to_string();
        assert!(message.contains("  - name: ") && message.contains("not `.` or `..`"), "{name}: {message}");
    }
    let dots = tempfile::tempdir().unwrap();
    std::fs::write(
        dots.path().join("dots.ron"),
        "(name: \"..\", models: [\"siloed\"], replications: 1, factors: [(path: \"population.service.cv\", levels: [1])], design: Factorial)",
    )
    .unwrap();
    let output = Command::new(binary())
        .args(["sweep", "dots.ron"])
        .args(TINY.iter().flat_map(|o| ["--set", o]))
        .current_dir(dots.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!dots.path().join("results").exists(), "a refused plan wrote results");

    let model = {
        let path = tmp.path().join("model.ron");
        std::fs::write(
            &path,
            "(name: \"m\", models: [\"silod\"], factors: [(path: \"population.service.cv\", levels: [1])], design: Factorial)",
        )
        .unwrap();
        plan::load(&path, &[], &tiny()).unwrap_err().to_string()
    };
    assert!(model.contains("models.0") && model.contains("did you mean `siloed`"), "{model}");
    // On the command line, a bad plan is bad input: exit code 2.
    let output = Command::new(binary()).args(["sweep", tmp.path().join("model.ron").to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn emitted_slurm_scripts_run_every_shard_then_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_plan(tmp.path(), "cluster", FACTORIAL);
    let output = Command::new(binary())
        .args([
            "sweep",
            path.to_str().unwrap(),
            "--emit-slurm",
            "--shards",
            "3",
            "--partition",
            "short",
            "--time",
            "00:20:00",
            "--mem",
            "1G",
        ])
        .args(["--out", tmp.path().join("out").to_str().unwrap(), "--set", "run.horizon_days=400", "--seed", "4"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let slurm = tmp.path().join("out/slurm");
    let array = std::fs::read_to_string(slurm.join("sweep.sbatch")).unwrap();
    for expected in [
        "#SBATCH --array=1-3",
        "#SBATCH --partition=short",
        "#SBATCH --time=00:20:00",
        "#SBATCH --mem=1G",
        "--shard \"${SLURM_ARRAY_TASK_ID}/3\"",
        "--set run.horizon_days=400",
        "--plan-set seed=4",
    ] {
        assert!(array.contains(expected), "sweep.sbatch lacks {expected}:\n{array}");
    }
    assert!(slurm.join("logs").is_dir(), "Slurm does not create the log folder itself");
    let merge = std::fs::read_to_string(slurm.join("merge.sbatch")).unwrap();
    assert!(merge.contains("$(seq 1 3)") && merge.contains(" merge "), "{merge}");
    let submit = std::fs::read_to_string(slurm.join("submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"), "{submit}");
    assert!(!merge.contains("--report"), "{merge}");
    // With --report, the merge job writes the report (a shard has only part of the points).
    let output = Command::new(binary())
        .args([
            "sweep",
            path.to_str().unwrap(),
            "--emit-slurm",
            "--shards",
            "2",
            "--report",
            "--out",
            tmp.path().join("reported").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let merge = std::fs::read_to_string(tmp.path().join("reported/slurm/merge.sbatch")).unwrap();
    assert!(merge.contains(" --report\n"), "{merge}");
    let array = std::fs::read_to_string(tmp.path().join("reported/slurm/sweep.sbatch")).unwrap();
    assert!(!array.contains("--report"), "{array}");

    // The plan is checked before any script is written.
    let plan = load(&path, &[]);
    let options = SlurmOptions {
        out_dir: tmp.path().join("o2"),
        plan_path: path.clone(),
        binary: PathBuf::from(binary()),
        n_shards: 0,
        partition: None,
        time: "01:00:00".into(),
        mem: "2G".into(),
        cpus_per_task: 1,
        forwarded_args: Vec::new(),
        report: false,
    };
    assert!(sweep::emit_slurm(&plan, &options).unwrap_err().to_string().contains("--shards"));

    // Nonsense options are bad input (exit 2), refused before any script is written, with
    // the forms that would do.
    for (option, value, expected) in [
        ("--shards", "1000", "the plan has 6 points, so it splits into at most 6 shards"),
        ("--shards", "7", "at most 6 shards"),
        ("--time", "forever", "D-HH:MM:SS"),
        ("--time", "1:00:00:00", "MM:SS, HH:MM:SS"),
        ("--mem", "lots", "optional K, M, G or T suffix"),
        ("--mem", "4GB", "optional K, M, G or T suffix"),
    ] {
        let out = tmp.path().join("refused");
        let output = Command::new(binary())
            .args(["sweep", path.to_str().unwrap(), "--emit-slurm", option, value, "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{option} {value}: {stderr}");
        assert!(stderr.contains(option) && stderr.contains(expected), "{option} {value}: {stderr}");
        assert!(!out.exists(), "{option} {value}: scripts were written");
    }
    // A --joinedup-bin the jobs could not run is refused now, not when every array task
    // fails on the cluster: a missing file, a folder, a file without execute permission.
    let missing = tmp.path().join("no_such_joinedup");
    let folder = tmp.path().join("a_folder");
    std::fs::create_dir(&folder).unwrap();
    let not_executable = tmp.path().join("joinedup.txt");
    std::fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    let mut bad_binaries = vec![(missing, "there is no such file"), (folder, "is a folder")];
    // Without an execute bit to check (not Unix), any file is taken to be runnable.
    #[cfg(unix)]
    {
        bad_binaries.push((not_executable, "is not executable"));
        // An executable that is not joinedup, or is another version of it, or fails when
        // asked its version: the jobs would start and then fail, so it is refused too.
        for (name, script, expected) in [
            ("ls_like", "#!/bin/sh\necho 'a.txt b.txt'\n", "is not joinedup (`"),
            ("other_version", "#!/bin/sh\necho 'joinedup 999.0.0'\n", "is joinedup 999.0.0, not joinedup "),
            ("failing", "#!/bin/sh\nexit 3\n", "--version` failed"),
        ] {
            let fake = tmp.path().join(name);
            std::fs::write(&fake, script).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
            bad_binaries.push((fake, expected));
        }
    }
    for (bad, expected) in bad_binaries {
        let out = tmp.path().join("refused_bin");
        let output = Command::new(binary())
            .args(["sweep", path.to_str().unwrap(), "--emit-slurm", "--joinedup-bin", bad.to_str().unwrap()])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", bad.display());
        for part in ["--joinedup-bin", bad.to_str().unwrap(), expected, "target/release/joinedup"] {
            assert!(stderr.contains(part), "{}: the message lacks {part}: {stderr}", bad.display());
        }
        assert!(!out.exists(), "{}: something was written for a binary the jobs cannot run", bad.display());
    }
    // The binary the test runs is accepted, given by path.
    let out = tmp.path().join("given_bin");
    let output = Command::new(binary())
        .args(["sweep", path.to_str().unwrap(), "--emit-slurm", "--joinedup-bin", binary(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap().contains(binary()));
    // As many shards as points is the most, and allowed.
    let options = SlurmOptions { n_shards: plan.n_points(), ..options };
    assert_eq!(sweep::emit_slurm(&plan, &options).unwrap().len(), 3);
    // Scripts aimed at a run's results folder are refused now, not by the merge job later.
    let run_folder = tmp.path().join("a_run");
    std::fs::create_dir(&run_folder).unwrap();
    std::fs::write(run_folder.join("summary.json"), "{}").unwrap();
    let refused = sweep::emit_slurm(&plan, &SlurmOptions { out_dir: run_folder.clone(), ..options }).unwrap_err().to_string();
    assert!(refused.contains("holds a run's results"), "{refused}");
    assert!(!run_folder.join("slurm").exists(), "scripts were written into a run's folder");
}

/// Every plan in scenarios/sweeps/ runs, shrunk: a tiny county, 2 replications, at most two
/// levels per factor, 3 Latin hypercube points, 2 Morris trajectories.
#[test]
fn every_example_plan_runs_shrunk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
    let mut plans: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "ron")).collect();
    plans.sort();
    assert!(plans.len() >= 4, "scenarios/sweeps/ holds the example plans");
    let mut designs = Vec::new();
    for path in plans {
        let full = plan::load(&path, &[], &tiny()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut shrink = vec!["replications=2".to_string()];
        match full.design {
            Design::Factorial => {
                for (i, factor) in full.factors.iter().enumerate() {
                    if let FactorValues::Levels(levels) = &factor.values {
                        let kept: Vec<String> = levels.iter().take(2).map(|v| v.override_text()).collect();
                        shrink.push(format!("factors.{i}.levels=[{}]", kept.join(",")));
                    }
                }
            }
            Design::LatinHypercube { .. } => shrink.push("design.LatinHypercube.points=3".into()),
            Design::Morris { .. } => shrink.push("design.Morris.trajectories=2".into()),
        }
        designs.push(std::mem::discriminant(&full.design));
        let plan = plan::load(&path, &shrink, &tiny()).unwrap();
        let out = tmp.path().join(&plan.name);
        let outcome = run(&plan, &out, 2, Shard::WHOLE);
        assert_eq!(outcome.summary.unwrap().n_points, plan.n_points());
        if let Design::Morris { .. } = plan.design {
            let morris = std::fs::read_to_string(out.join("morris.csv")).unwrap();
            assert!(morris.starts_with("model,metric,rank,factor,mu_star,mu,sigma,n_effects\n"));
            assert!(morris.lines().any(|l| l.contains(",wait_service_start_days,1,")), "a ranked headline metric");
        }
    }
    designs.dedup();
    assert!(designs.len() >= 3, "the examples cover factorial, Latin hypercube and Morris designs");
}

#[test]
fn a_failing_point_names_itself_and_keeps_the_finished_points() {
    let tmp = tempfile::tempdir().unwrap();
    // At the second level the structure may hold only 5 open cases: that point must fail.
    let body = "factors: [(name: \"max_open\", path: \"run.max_open_episodes\", levels: [2000000, 5])], design: Factorial";
    let plan = load(&write_plan(tmp.path(), "failing", body), &[]);
    let out = tmp.path().join("out");
    let error = sweep::run(&plan, &SweepOptions { out_dir: out.clone(), threads: Some(1), shard: Shard::WHOLE })
        .expect_err("the second point cannot keep up");
    let message = error.to_string();
    assert!(message.contains("design point 1 (max_open = 5)") && message.contains("run.max_open_episodes"), "{message}");
    assert_eq!(error.exit_code(), joinedup::error::EXIT_FAILED);
    assert!(out.join("points/point-000000.json").exists(), "the finished point is kept");
    assert!(!out.join("replications.csv").exists());
}
