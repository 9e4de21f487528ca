//! The HTML report's content: its sentences state the numbers in `summary.json` and intervals
//! recomputed here from `replications.csv`, each difference sits under the verdict its interval
//! supports, the page fetches nothing from the network, `joinedup report DIR` rebuilds the
//! page `run --report` wrote, and a broken results folder is refused with a useful message.
//!
//! The browser's view of the same page is tested in `report_browser.rs`.

mod common;
use common::{between, numbers};
use joinedup::metrics::{METRICS, t_quantile_975};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// The built-in county shrunk to run in well under a second with all its models.
const TINY: &[&str] =
    &["--replications", "3", "--set", "population.n_families=5000", "--set", "run.horizon_days=500", "--set", "run.warmup_days=50"];

/// A fixed date for the report, so two renderings can be compared byte for byte.
const EPOCH: &str = "1767225600"; // 2026-01-01

fn joinedup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).env("SOURCE_DATE_EPOCH", EPOCH).output().expect("the joinedup binary starts")
}

fn run_with_report(out: &Path) -> String {
    let out_text = out.to_str().expect("a UTF-8 path");
    let mut args = vec!["run", "--out", out_text, "--report", "--threads", "2"];
    args.extend(TINY);
    let output = joinedup(&args);
    assert!(output.status.success(), "joinedup run --report failed:\n{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read_to_string(out.join("report.html")).expect("run --report writes report.html")
}

/// Whether `shown` (written with `decimals` decimals) is `exact` rounded for display.
fn shows(shown: (f64, usize), exact: f64) -> bool {
    let tolerance = 0.5 * 10f64.powi(-(shown.1 as i32)) * 1.000_001 + 1e-12;
    (shown.0 - exact).abs() <= tolerance
}

/// Per-replication values by (model, metric), by replication, read straight from
/// replications.csv.
fn replication_values(dir: &Path) -> BTreeMap<(String, String), BTreeMap<u32, f64>> {
    let text = std::fs::read_to_string(dir.join("replications.csv")).expect("replications.csv");
    let mut values: BTreeMap<(String, String), BTreeMap<u32, f64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "model names here never contain commas: {line}");
        values
            .entry((fields[0].to_string(), fields[2].to_string()))
            .or_default()
            .insert(fields[1].parse().expect("a replication"), fields[3].parse().expect("a number"));
    }
    values
}

/// The report's 95% interval for mean(b) − mean(a), written out independently of the
/// library: paired t on the replications' differences (common random numbers pair them) when
/// both observed the metric in the same replications, else Welch's.
fn interval(a: &BTreeMap<u32, f64>, b: &BTreeMap<u32, f64>) -> (f64, f64, f64) {
    let values = |v: &BTreeMap<u32, f64>| v.values().copied().collect::<Vec<f64>>();
    if !a.keys().eq(b.keys()) {
        return welch(&values(a), &values(b));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let d = mean(&values(b)) - mean(&values(a));
    let differences: Vec<f64> = a.values().zip(b.values()).map(|(x, y)| y - x).collect();
    let m = mean(&differences);
    let n = differences.len() as f64;
    let se2 = differences.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n;
    if se2 == 0.0 {
        return (d, d, d);
    }
    let half = t_quantile_975(differences.len() - 1) * se2.sqrt();
    (d, d - half, d + half)
}

/// Welch's 95% interval for mean(b) − mean(a), written out independently of the library.
fn welch(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let stats = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        (mean, v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n)
    };
    let ((ma, sa), (mb, sb)) = (stats(a), stats(b));
    let d = mb - ma;
    if sa + sb == 0.0 {
        return (d, d, d);
    }
    let df = (sa + sb).powi(2) / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0));
    let half = t_quantile_975(df.floor().max(1.0) as usize) * (sa + sb).sqrt();
    (d, d - half, d + half)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

#[test]
fn summary_sentences_state_the_numbers_in_summary_json() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let html = run_with_report(dir.path());
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    let models: Vec<&Value> = summary["models"].as_array().unwrap().iter().collect();
    let baseline = models[0]["name"].as_str().unwrap();
    let mean = |model: &Value, metric: &str| model["metrics"][metric]["mean"].as_f64();
    let replications = replication_values(dir.path());

    let articles = between(&html, "<article class=\"comparison\" data-model=\"", "</article>");
    assert_eq!(articles.len(), models.len() - 1, "one comparison per model other than the baseline");
    let mut sentences_checked = 0;
    for (article, model) in articles.iter().zip(&models[1..]) {
        let name = model["name"].as_str().unwrap();
        assert!(article.starts_with(&format!("{name}\"")), "comparisons follow the models' order in summary.json");
        // Every metric is accounted for exactly once: as a sentence or in a short list.
        for def in METRICS {
            let mentions = article.matches(&format!("data-metric=\"{}\"", def.name)).count();
            assert_eq!(mentions, 1, "{name}: metric {} is mentioned {mentions} times", def.name);
        }
        for item in between(article, "<li class=\"sentence\" ", "</li>") {
            let metric = between(item, "data-metric=\"", "\"")[0];
            let verdict = between(item, "data-verdict=\"", "\"")[0];
            let text = unescape(&item[item.find('>').unwrap() + 1..]);
            assert!(text.starts_with(&format!("Compared with {baseline}, {name} ")), "{text}");
            let values = numbers(&text[text.find(" from ").expect("a sentence states the values")..]);
            assert_eq!(values.len(), 6, "baseline, model, difference, \"95%\" and the interval in: {text}");
            assert_eq!(values[3], (95.0, 0), "{text}");
            let percent = if text.contains("% of") { 100.0 } else { 1.0 };
            let (a, b) = (mean(models[0], metric).unwrap(), mean(model, metric).unwrap());
            assert!(shows(values[0], a * percent), "{text}: baseline mean in summary.json is {a}");
            assert!(shows(values[1], b * percent), "{text}: model mean in summary.json is {b}");
            assert!(shows(values[2], (b - a) * percent), "{text}: difference of the means is {}", b - a);
            let (d, low, high) = interval(
                &replications[&(baseline.to_string(), metric.to_string())],
                &replications[&(name.to_string(), metric.to_string())],
            );
            assert!((d - (b - a)).abs() <= 1e-9 * a.abs().max(1.0), "replications.csv and summary.json disagree on {metric}");
            assert!(shows(values[4], low * percent) && shows(values[5], high * percent), "{text}: interval is {low} to {high}");
            // The verdict is the one the interval supports.
            assert!(low > 0.0 || high < 0.0, "{text}: listed as {verdict} but its interval includes zero");
            let lower_is_better = METRICS.iter().find(|m| m.name == metric).unwrap().lower_is_better;
            match verdict {
                "better" => assert_eq!(d < 0.0, lower_is_better, "{text}"),
                "worse" => assert_eq!(d < 0.0, !lower_is_better, "{text}"),
                "changed" => assert!(metric == "referrals" || metric == "practitioner_utilisation", "{text}"),
                other => panic!("unknown verdict {other}"),
            }
            sentences_checked += 1;
        }
        // Whatever is called within noise really has an interval that includes zero.
        for noise in between(article, "<div class=\"noise\">", "</div>") {
            for brief in between(noise, "<span class=\"brief\" data-metric=\"", "</span>") {
                let metric = &brief[..brief.find('"').unwrap()];
                let (_, low, high) = interval(
                    &replications[&(baseline.to_string(), metric.to_string())],
                    &replications[&(name.to_string(), metric.to_string())],
                );
                assert!(low <= 0.0 && high >= 0.0, "{name}: {metric} is called within noise, but its interval is {low} to {high}");
            }
        }
    }
    assert!(sentences_checked >= models.len(), "the tiny county should show clear differences; checked only {sentences_checked} sentences");
}

#[test]
fn the_page_is_self_contained_and_states_its_provenance() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let html = run_with_report(dir.path());
    // Nothing is fetched: no links, sources, imports or CSS urls, and a policy that forbids
    // fetching anyway (the browser test sees any violation as a console error).
    for forbidden in ["<link", " src=", "@import", "url(", "<iframe", "<img"] {
        assert!(!html.contains(forbidden), "the report contains `{forbidden}`: it must not fetch anything");
    }
    let without_svg_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_svg_namespace.contains("http://") && !without_svg_namespace.contains("https://"),
        "the report refers to a web address"
    );
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));

    let provenance: Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("provenance.json")).unwrap()).unwrap();
    let scenario_ron = std::fs::read(dir.path().join("scenario.ron")).unwrap();
    let sha = joinedup::provenance::sha256_hex(&scenario_ron);
    assert_eq!(provenance["scenario_sha256"], sha.as_str());
    assert_eq!(provenance["joinedup_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(provenance["replications"], 3);
    assert_eq!(provenance["warmup_days"], 50.0);
    assert_eq!(provenance["horizon_days"], 500.0);
    let fingerprint = provenance["math_library"].as_str().expect("provenance.json records how exp, ln and powf compute");
    assert_eq!(fingerprint, joinedup::provenance::math_library_fingerprint());
    assert!(fingerprint.len() == 16 && fingerprint.chars().all(|c| c.is_ascii_hexdigit()), "{fingerprint}");
    assert!(html.contains(fingerprint), "the provenance section shows the fingerprint");
    let arguments: Vec<&str> = provenance["arguments"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let mut expected = vec!["run"];
    expected.extend(TINY);
    assert_eq!(arguments, expected, "the command as given, less --out, --report and --threads");
    for fact in [
        sha.as_str(),
        "20260101",
        "joinedup run --replications 3 --set population.n_families=5000 --set run.horizon_days=500 --set run.warmup_days=50",
        "2026-01-01",
    ] {
        assert!(html.contains(fact), "the provenance section lacks `{fact}`");
    }
}

#[test]
fn report_command_rebuilds_the_page_run_report_wrote() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let from_run = run_with_report(dir.path());
    let again = dir.path().join("again.html");
    let output = joinedup(&["report", dir.path().to_str().unwrap(), "-o", again.to_str().unwrap()]);
    assert!(output.status.success(), "joinedup report failed:\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("again.html"), "the command says where it wrote");
    assert!(std::fs::read_to_string(&again).unwrap() == from_run, "joinedup report gave a different page from run --report");

    // A run from before provenance.json existed still gets a report, which says what is missing.
    std::fs::remove_file(dir.path().join("provenance.json")).unwrap();
    let output = joinedup(&["report", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("not recorded (this run predates provenance.json)"));

    // Editing scenario.ron after the run is flagged, not hidden.
    let run_dir = tempfile::tempdir().unwrap();
    run_with_report(run_dir.path());
    let scenario = run_dir.path().join("scenario.ron");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&scenario, format!("// edited\n{text}")).unwrap();
    assert!(joinedup(&["report", run_dir.path().to_str().unwrap()]).status.success());
    assert!(std::fs::read_to_string(run_dir.path().join("report.html")).unwrap().contains("scenario.ron has changed since the run"));
}

#[test]
fn a_broken_results_folder_is_refused_with_the_file_place_and_fix() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let missing = dir.path().join("no_such_results");
    let output = joinedup(&["report", missing.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no_such_results") && stderr.contains("no such folder"), "{stderr}");

    run_with_report(dir.path());
    let summary = dir.path().join("summary.json");
    let text = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, text.replacen("\"models\"", "\"modles\"", 1)).unwrap();
    let output = joinedup(&["report", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("summary.json") && stderr.contains("line ") && stderr.contains("joinedup run"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::write(&summary, text).unwrap();

    let replications = dir.path().join("replications.csv");
    let text = std::fs::read_to_string(&replications).unwrap();
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 4 { format!("{},not_a_number", l.rsplit_once(',').unwrap().0) } else { l.to_string() })
        .collect();
    std::fs::write(&replications, broken.join("\n") + "\n").unwrap();
    let output = joinedup(&["report", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("replications.csv") && stderr.contains("line 5"), "{stderr}");
}

#[test]
fn numbers_are_read_as_a_person_reads_them() {
    assert_eq!(
        numbers("from £36,712,000 a year to 0.344 per episode (difference \u{2212}2.13, 95% CI +0.120 to -5)"),
        vec![(36_712_000.0, 0), (0.344, 3), (-2.13, 2), (95.0, 0), (0.12, 3), (-5.0, 0)]
    );
    assert!(shows((25.5, 1), 25.546) && !shows((25.5, 1), 25.56));
}

#[test]
fn the_report_is_never_written_over_a_results_file() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("run");
    run_with_report(&dir);
    let dir_text = dir.to_str().unwrap();
    let refused = |out: &Path, words: &[&str]| {
        let before = std::fs::read(out).ok();
        let output = joinedup(&["report", dir_text, "-o", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "-o {}: {stderr}", out.display());
        for word in words {
            assert!(stderr.contains(word), "the message lacks `{word}`:\n{stderr}");
        }
        assert_eq!(std::fs::read(out).ok(), before, "{} was changed", out.display());
    };
    // Every file of the run but its report, also when named by another path to the same place.
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.retain(|n| n != "report.html");
    assert_eq!(names.len(), 5, "summary.json, replications.csv, timeseries.csv, scenario.ron and provenance.json: {names:?}");
    for name in &names {
        refused(&dir.join(name), &[name, "the report would be written over it", ".html", "report.html"]);
        refused(&dir.join(".").join(name), &[name]);
    }
    // A results file the folder lacks (an older run's provenance.json) is not made an HTML page.
    std::fs::remove_file(dir.join("provenance.json")).unwrap();
    refused(&dir.join("provenance.json"), &["provenance.json", "the results folder's own files"]);
    assert!(!dir.join("provenance.json").exists());
    // Any other file that is not HTML, and a folder.
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "keep me").unwrap();
    refused(&notes, &["notes.txt", "not an HTML file"]);
    refused(tmp.path(), &["is a folder"]);

    // A new file, or an existing page, is written.
    for out in [tmp.path().join("new.html"), tmp.path().join("new.html"), tmp.path().join("page.HTM"), dir.join("report.html")] {
        let output = joinedup(&["report", dir_text, "-o", out.to_str().unwrap()]);
        assert!(output.status.success(), "-o {}: {}", out.display(), String::from_utf8_lossy(&output.stderr));
        assert!(std::fs::read_to_string(&out).unwrap().starts_with("<!DOCTYPE html>"));
    }
}

/// `joinedup report DIR` on `dir`, which must be refused (exit 2) with every one of `words`
/// in the message, and no page written.
fn refused(dir: &Path, words: &[&str]) {
    let _ = std::fs::remove_file(dir.join("report.html"));
    let output = joinedup(&["report", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "the message lacks `{word}`:\n{stderr}");
    }
    assert!(!dir.join("report.html").exists(), "no report from a refused folder");
}

/// A copy of the run in `from` at `to`, with `file` replaced by `text`.
fn damaged_copy(from: &Path, to: &Path, file: &str, text: &str) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    std::fs::write(to.join(file), text).unwrap();
}

/// The lines of a CSV file whose first fields are not `model,replication` (and `month`, when
/// given), each with its line break.
fn without(text: &str, prefix: &str) -> String {
    text.lines().filter(|l| !l.starts_with(prefix)).map(|l| format!("{l}\n")).collect()
}

#[test]
fn a_damaged_or_incomplete_run_folder_is_refused_with_how_to_remake_it() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let run = tmp.path().join("run");
    run_with_report(&run);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let last_model = summary["models"].as_array().unwrap().last().unwrap()["name"].as_str().unwrap().to_string();
    let replications = std::fs::read_to_string(run.join("replications.csv")).unwrap();
    let timeseries = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    // Every message says what is wrong and how to make the folder again.
    let remake = ["looks damaged or incomplete", "provenance.json", "joinedup run --replications 3 --set population.n_families=5000"];
    let copy = |name: &str, file: &str, text: &str| {
        let dir = tmp.path().join(name);
        damaged_copy(&run, &dir, file, text);
        dir
    };

    // replications.csv cut at a line break: the last replication of the last model is gone.
    let cut = without(&replications, &format!("{last_model},2,"));
    assert!(cut.len() < replications.len());
    let dir = copy("cut-replications", "replications.csv", &cut);
    refused(
        &dir,
        &[&["replications.csv", &format!("no `referrals` row for model `{last_model}`, replication 2"), "rows are missing"], &remake[..]]
            .concat(),
    );
    // One always-written row missing in the middle of the file.
    let lines: Vec<&str> = replications.lines().collect();
    let staff_cost = lines.iter().position(|l| l.contains(",0,staff_cost,")).expect("a staff cost row");
    let mut text: String = lines.iter().enumerate().filter(|(i, _)| *i != staff_cost).map(|(_, l)| format!("{l}\n")).collect();
    refused(&copy("no-staff-cost", "replications.csv", &text), &["no `staff_cost` row", "replication 0"]);
    // A row written twice.
    text = format!("{replications}{}\n", lines[1]);
    refused(
        &copy("twice", "replications.csv", &text),
        &["replications.csv", &format!("line {}", lines.len() + 1), "a second `referrals` row"],
    );
    // A replication the run does not have.
    text = replications.replacen(",0,referrals,", ",3,referrals,", 1);
    refused(&copy("replication-3", "replications.csv", &text), &["line 2", "replication 3", "3 (numbered 0 to 2)"]);
    // Not a number, or not a finite one: the file, the line and the field.
    for bad in ["NaN", "inf", "-inf"] {
        let edit = |text: &str| -> String {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            let (start, _) = lines[3].rsplit_once(',').unwrap();
            lines[3] = format!("{start},{bad}");
            lines.iter().map(|l| format!("{l}\n")).collect()
        };
        refused(
            &copy(&format!("{bad}-replications"), "replications.csv", &edit(&replications)),
            &["replications.csv", "line 4, field `value`", "not a finite number"],
        );
        refused(
            &copy(&format!("{bad}-timeseries"), "timeseries.csv", &edit(&timeseries)),
            &["timeseries.csv", "line 4, field `value`", "not a finite number"],
        );
    }
    // Empty files, and a file of another kind.
    refused(&copy("empty", "replications.csv", ""), &["replications.csv", "the file is empty"]);
    refused(
        &copy("header-only", "timeseries.csv", "model,replication,month,metric,value\n"),
        &["timeseries.csv", "too short", "17 months"],
    );
    refused(
        &copy("swapped", "timeseries.csv", &replications),
        &["timeseries.csv", "line 1: the columns are `model,replication,metric,value`"],
    );

    // timeseries.csv cut in the middle of its last number (which would still parse).
    let cut = &timeseries[..timeseries.len() - 3];
    assert!(cut.rsplit_once(',').unwrap().1.parse::<f64>().is_ok(), "the cut leaves a number: {}", &cut[cut.len() - 30..]);
    refused(
        &copy("cut-timeseries", "timeseries.csv", cut),
        &[&["timeseries.csv", "stops without a line break", "cut short"], &remake[..]].concat(),
    );
    // Cut at a line break: the last month (16: 500 days are 16.4 months) of the last replication of the last model.
    let cut = without(&timeseries, &format!("{last_model},2,16,"));
    refused(
        &copy("cut-month", "timeseries.csv", &cut),
        &[&format!("model `{last_model}`, replication 2, month 16"), "every month (0 to 16)"],
    );
    // A month past the horizon: the files come from different runs.
    text = timeseries.replacen(",0,0,referrals,", ",0,17,referrals,", 1);
    refused(&copy("month-17", "timeseries.csv", &text), &["line 2", "month 17", "months 0 to 16", "different runs"]);

    // Without provenance.json the way to remake the folder is its scenario.ron.
    let dir = copy("no-provenance", "replications.csv", &without(&replications, &format!("{last_model},1,")));
    std::fs::remove_file(dir.join("provenance.json")).unwrap();
    refused(&dir, &["looks damaged or incomplete", "joinedup run", "scenario.ron --out NEW_FOLDER"]);
}

/// `text` without the lines for which `drop` is true, each kept line with its line break.
fn dropping(text: &str, drop: impl Fn(&str) -> bool) -> String {
    text.lines().filter(|l| !drop(l)).map(|l| format!("{l}\n")).collect()
}

#[test]
fn rows_written_only_sometimes_are_checked_against_what_the_folder_promises() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let run = tmp.path().join("run");
    run_with_report(&run);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let models: Vec<String> = summary["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect();
    let (first, last) = (&models[0], models.last().unwrap());
    let replications = std::fs::read_to_string(run.join("replications.csv")).unwrap();
    let timeseries = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let remake = ["replications.csv", "rows are missing", "looks damaged or incomplete", "provenance.json"];
    let copy = |name: &str, file: &str, text: &str| {
        let dir = tmp.path().join(name);
        damaged_copy(&run, &dir, file, text);
        assert_ne!(std::fs::read_to_string(dir.join(file)).unwrap(), std::fs::read_to_string(run.join(file)).unwrap(), "{name}: no change");
        dir
    };

    // Cut at a line break after the last replication's staff cost: its rates for families
    // with complex needs and its wait percentiles are gone, every always-written row is there.
    let lines: Vec<&str> = replications.lines().collect();
    let staff_cost = lines.iter().rposition(|l| l.contains(",staff_cost,")).unwrap();
    assert!(lines[staff_cost].starts_with(&format!("{last},2,")) && staff_cost + 1 < lines.len());
    let cut: String = lines[..=staff_cost].iter().map(|l| format!("{l}\n")).collect();
    refused(
        &copy("cut-after-staff-cost", "replications.csv", &cut),
        &[&remake[..], &[&format!("no `wait_first_contact_days_p50` row for model `{last}`, replication 2"), "with its mean"]].concat(),
    );
    // One rate per closed episode missing where the others of its group are written.
    let text = dropping(&replications, |l| l.starts_with(&format!("{last},2,handoffs_per_episode,")));
    refused(
        &copy("no-handoffs", "replications.csv", &text),
        &[&remake[..], &[&format!("no `handoffs_per_episode` row for model `{last}`, replication 2"), "`bounced_referrals_per_episode`"]]
            .concat(),
    );
    // A whole group missing from one replication: summary.json's mean was made with it.
    let text = dropping(&replications, |l| l.starts_with(&format!("{first},1,complex_")));
    refused(
        &copy("no-complex", "replications.csv", &text),
        &[&remake[..], &[&format!("model `{first}`'s `complex_handoffs_per_episode`"), "from 2 of the run's 3 replications"]].concat(),
    );
    // A wait missing from every replication of a model, percentiles and all.
    let text = dropping(&replications, |l| l.starts_with(first.as_str()) && l.contains(",wait_first_contact_days"));
    refused(
        &copy("no-wait", "replications.csv", &text),
        &[&remake[..], &[&format!("model `{first}`'s `wait_first_contact_days` a mean of"), "no row of it for any replication"]].concat(),
    );
    // A wait by tier has its percentiles too: one of them missing is refused.
    let tier_wait = replications
        .lines()
        .find(|l| l.starts_with(&format!("{last},1,wait_service_start_tier")) && l.contains("_days_p90,"))
        .expect("the tiny run's last model has a wait by tier with percentiles");
    let name = tier_wait.split(',').nth(2).unwrap().to_string();
    let text = dropping(&replications, |l| l == tier_wait);
    refused(
        &copy("no-tier-p90", "replications.csv", &text),
        &[&remake[..], &[&format!("no `{name}` row for model `{last}`, replication 1"), "with its mean"]].concat(),
    );
    // A folder written before the waits by tier had percentiles (their means alone, in both
    // files) is read as it was: a report is made from it.
    let older = tmp.path().join("before-tier-percentiles");
    damaged_copy(
        &run,
        &older,
        "replications.csv",
        &dropping(&replications, |l| l.contains(",wait_service_start_tier") && l.contains("_days_p")),
    );
    let mut summary_older = summary.clone();
    for model in summary_older["models"].as_array_mut().unwrap() {
        for (metric, value) in model["metrics"].as_object_mut().unwrap() {
            if metric.starts_with("wait_service_start_tier") {
                let value = value.as_object_mut().unwrap();
                assert_eq!(["p50", "p90", "p99"].map(|p| value.remove(p).is_some()), [true; 3], "{metric} has its percentiles");
            }
        }
    }
    std::fs::write(older.join("summary.json"), serde_json::to_string_pretty(&summary_older).unwrap()).unwrap();
    std::fs::remove_file(older.join("report.html")).unwrap();
    let output = joinedup(&["report", older.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Its page charts the percentiles of the three waits, and of a wait by tier only where
    // the folder has them: every tier some family was referred at in the new folder's page.
    let charted = |html: &str, metric: &str| html.contains(&format!("id=\"chart-{metric}-percentiles\""));
    let page = std::fs::read_to_string(run.join("report.html")).unwrap();
    let older_page = std::fs::read_to_string(older.join("report.html")).unwrap();
    for metric in ["wait_first_contact_days", "wait_assessment_done_days", "wait_service_start_days"] {
        assert!(charted(&page, metric) && charted(&older_page, metric), "{metric} is charted");
    }
    for tier in 1..=4 {
        let metric = format!("wait_service_start_tier{tier}_days");
        let referred = summary["models"].as_array().unwrap().iter().any(|m| !m["metrics"][&metric]["p50"].is_null());
        assert_eq!(charted(&page, &metric), referred, "{metric}: charted where some family was referred at the tier");
        assert!(!charted(&older_page, &metric), "{metric}: a folder without its percentiles has no chart of them");
    }
    assert!(charted(&page, "wait_service_start_tier2_days"), "the tiny county refers families at tier 2");
    // Utilisation is written for every replication of a model or none: the scenario decides.
    let text = dropping(&replications, |l| l.starts_with(&format!("{last},1,practitioner_utilisation,")));
    refused(
        &copy("no-utilisation", "replications.csv", &text),
        &[&remake[..], &[&format!("no `practitioner_utilisation` row for model `{last}`, replication 1"), "replication 0 has one"]]
            .concat(),
    );
    // A changed value no longer gives summary.json's mean.
    let row = lines.iter().find(|l| l.starts_with(&format!("{first},0,escalation_rate_tier3,"))).unwrap();
    let text = replications.replacen(row, &format!("{first},0,escalation_rate_tier3,0.999"), 1);
    refused(&copy("changed", "replications.csv", &text), &["summary.json", "`escalation_rate_tier3`", "or the files were changed"]);

    // timeseries.csv cut after the last month's unmet need: its utilisation and trust are gone.
    let remake = ["timeseries.csv", "rows are missing", "looks damaged or incomplete"];
    let lines: Vec<&str> = timeseries.lines().collect();
    let unmet = lines.iter().rposition(|l| l.contains(",unmet_need_child_days,")).unwrap();
    assert!(lines[unmet].starts_with(&format!("{last},2,16,")) && unmet + 1 < lines.len());
    let cut: String = lines[..=unmet].iter().map(|l| format!("{l}\n")).collect();
    refused(
        &copy("cut-after-unmet", "timeseries.csv", &cut),
        &[
            &remake[..],
            &[&format!("no `practitioner_utilisation` row for model `{last}`, replication 2, month 16"), "replication 0 has one"],
        ]
        .concat(),
    );
    // The month's mean wait is written whenever a service started.
    let started = lines.iter().find(|l| l.starts_with(&format!("{first},0,5,services_started,"))).unwrap();
    assert!(started.rsplit_once(',').unwrap().1.parse::<f64>().unwrap() > 0.0, "{started}");
    let text = dropping(&timeseries, |l| l.starts_with(&format!("{first},0,5,wait_service_start_days,")));
    refused(
        &copy("no-monthly-wait", "timeseries.csv", &text),
        &[&remake[..], &[&format!("no `wait_service_start_days` row for model `{first}`, replication 0, month 5"), "services started"]]
            .concat(),
    );
    // Open episodes are counted at every month end.
    let text = dropping(&timeseries, |l| l.starts_with(&format!("{first},1,3,open_episodes,")));
    refused(
        &copy("no-open-episodes", "timeseries.csv", &text),
        &[&remake[..], &[&format!("no `open_episodes` row for model `{first}`, replication 1, month 3")]].concat(),
    );
}

#[test]
fn the_emptiest_run_still_has_every_row_the_reader_requires() {
    // Measured for a tenth of a day with a few hundred families: no episode closes and few
    // waits end, so only the metrics and series that are always written have rows.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().to_str().unwrap();
    let args = ["run", "--out", out, "--replications", "2", "--set", "population.n_families=500", "--set", "run.horizon_days=3"];
    let output = joinedup(&[&args[..], &["--set", "run.warmup_days=2.9", "--threads", "1"]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metrics: std::collections::BTreeSet<String> = std::fs::read_to_string(dir.path().join("replications.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().to_string())
        .collect();
    assert!(!metrics.contains("handoffs_per_episode"), "an episode closed, so this run does not test the emptiest case: {metrics:?}");
    let output = joinedup(&["report", out]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_warnings_of_the_run_are_kept_in_summary_json_and_shown_at_the_top_of_the_report() {
    // A restructure dated after a shortened run ends: the cheapest warning there is. The model's
    // name needs escaping, so the page must escape the sentence rather than paste it.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("run");
    let model = "models=[(name: \"siloed & <co>\", preset: (name: \"siloed\"), restructure: (day: 400, to: (name: \"integrated_hub\")))]";
    let args = [
        "run",
        "--out",
        out.to_str().unwrap(),
        "--report",
        "--replications",
        "2",
        "--set",
        "population.n_families=5000",
        "--set",
        "run.horizon_days=300",
        "--set",
        "run.warmup_days=50",
        "--set",
        model,
    ];
    let output = joinedup(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let printed: Vec<String> = stderr.lines().filter_map(|l| l.strip_prefix("warning: ")).map(String::from).collect();
    assert_eq!(printed.len(), 1, "one warning, that the restructure never happened: {stderr}");
    assert!(printed[0].contains("`siloed & <co>`") && printed[0].contains("never ran"), "{}", printed[0]);

    // summary.json keeps what run printed, sentence for sentence.
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["warnings"], serde_json::json!(printed));

    // The report shows it, escaped, in a box above the contents.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let shown = between(&html, "<aside class=\"run-warnings\"", "</aside>");
    assert_eq!(shown.len(), 1, "one box of warnings");
    assert!(shown[0].contains("Warnings from the run"), "{}", shown[0]);
    let items = between(shown[0], "<li class=\"run-warning\">", "</li>");
    assert_eq!(items.len(), 1, "{}", shown[0]);
    // The name the terminal marks with backticks is shown as code, its text escaped.
    assert!(items[0].contains("<code>siloed &amp; &lt;co&gt;</code>") && !items[0].contains("<co>"), "not escaped: {}", items[0]);
    assert!(!items[0].contains('`'), "backticks shown as they are: {}", items[0]);
    assert_eq!(unescape(&items[0].replace("<code>", "`").replace("</code>", "`")), printed[0], "the sentence as run wrote it");
    assert!(html.find("<aside class=\"run-warnings\"").unwrap() < html.find("<nav>").unwrap(), "the warnings come before the contents");

    // `joinedup report` on the folder shows them too: they are read from the folder's files.
    std::fs::remove_file(out.join("report.html")).unwrap();
    let output = joinedup(&["report", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), html);
}

#[test]
fn a_run_without_warnings_writes_no_warnings_key_and_its_report_no_warnings_box() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let html = run_with_report(dir.path());
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(!text.contains("\"warnings\""), "a run without warnings writes the summary.json it always did:\n{}", &text[..200]);
    assert!(!html.contains("<aside class=\"run-warnings\"") && !html.contains("Warnings from the run"));
}

#[test]
fn summary_json_is_read_with_or_without_warnings_and_refused_when_they_are_malformed() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let run = tmp.path().join("run");
    run_with_report(&run);
    let text = std::fs::read_to_string(run.join("summary.json")).unwrap();
    let with = |warnings: &str| text.replacen("  \"models\": [", &format!("  \"warnings\": {warnings},\n  \"models\": ["), 1);
    assert_ne!(with("[]"), text);

    // A list of sentences (here, one written by hand) is read and shown.
    let dir = tmp.path().join("listed");
    damaged_copy(&run, &dir, "summary.json", &with("[\"a sentence & more\"]"));
    let output = joinedup(&["report", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::read_to_string(dir.join("report.html")).unwrap().contains("<li class=\"run-warning\">a sentence &amp; more</li>"));
    // An empty list is no warning at all.
    let dir = tmp.path().join("empty-list");
    damaged_copy(&run, &dir, "summary.json", &with("[]"));
    let output = joinedup(&["report", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!std::fs::read_to_string(dir.join("report.html")).unwrap().contains("Warnings from the run"));

    // Anything but a list of sentences is refused, with the file, the place and the fix.
    let line = text.lines().position(|l| l.starts_with("  \"models\"")).unwrap() + 1;
    for (name, bad) in [("a-number", "7"), ("a-sentence", "\"one sentence\""), ("numbers", "[1, 2]")] {
        let dir = tmp.path().join(name);
        damaged_copy(&run, &dir, "summary.json", &with(bad));
        refused(&dir, &["summary.json", &format!("line {line}, column"), "invalid type", "joinedup run"]);
    }
}

#[test]
fn an_interval_below_zero_is_shown_from_zero_in_the_tables_but_kept_as_it_is_in_summary_json() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("two");
    // Two replications: Student's t at one degree of freedom (12.7) takes many intervals below zero.
    let mut args = vec!["run", "--out", out.to_str().unwrap(), "--report", "--threads", "2"];
    args.extend(["--replications", "2"]);
    args.extend(&TINY[2..]);
    let output = joinedup(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout);

    // summary.json keeps the plain t-interval, negative lower ends and all.
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut below_zero = Vec::new();
    for model in summary["models"].as_array().unwrap() {
        for (metric, values) in model["metrics"].as_object().unwrap() {
            if values["ci95_low"].as_f64().is_some_and(|low| low < 0.0) {
                below_zero.push((model["name"].as_str().unwrap().to_string(), metric.clone()));
            }
        }
    }
    assert!(!below_zero.is_empty(), "no interval went below zero, so this test shows nothing");

    // The printed table and the report's table show those from 0, and say why beneath.
    const NOTE: &str = "An interval's lower end is shown as 0 where it falls below: the measure cannot be negative.";
    assert!(!printed.contains("[-"), "{printed}");
    assert!(printed.contains("[0.000, ") && printed.contains(NOTE), "{printed}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let table = between(&html, "<section id=\"table\">", "</section>");
    assert!(!table[0].contains("[-") && !table[0].contains("[\u{2212}"), "{}", table[0]);
    assert!(table[0].contains("<small>[0.000, ") && table[0].contains(NOTE), "{}", table[0]);
    let charts = between(&html, "<section id=\"metrics\">", "</section>");
    assert!(charts[0].contains(NOTE), "the charts' bars are cut too, and say so");
    let models: Vec<&str> = summary["models"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    let rows = between(table[0], "<tr><th title=", "</tr>");
    for (model, metric) in &below_zero {
        let m = METRICS.iter().position(|d| d.name == metric).unwrap();
        let cells = between(rows[m], "<td>", "</td>");
        let cell = cells[models.iter().position(|n| n == model).unwrap()];
        assert!(cell.contains("<small>[0.000, "), "{model} {metric}: {cell}");
    }

    // A difference between models can be negative, and its interval is not cut.
    assert!(html.contains("95% CI \u{2212}"), "no difference's interval starts below zero");
}
