//! The sweep report's content: its sentences state the numbers in the sweep's own files
//! (`points.csv` for factorial designs, `morris.csv` for Morris designs, a linear regression
//! recomputed here from `points.csv` for Latin hypercubes), `joinedup report DIR` and
//! `merge --report` rebuild the page `sweep --report` wrote, the page fetches nothing, and
//! a folder that is not a finished run or sweep is refused with the file and the fix.
//!
//! Each sweep is tiny (the small example county, two years, three replications), so the
//! whole file runs in seconds. The browser's view of the page is tested in
//! `report_browser.rs`.

mod common;
use common::{between, numbers};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixed date for the report, so two renderings can be compared byte for byte.
const EPOCH: &str = "1767225600"; // 2026-01-01

/// Two years with a short warm-up: each replication of the small county takes milliseconds.
const SHORT: [&str; 4] = ["--set", "run.horizon_days=730", "--set", "run.warmup_days=120"];

/// The headline measures the report describes, and the scale it shows them at (shares as
/// percentages).
const HEADLINE: [(&str, f64); 8] = [
    ("wait_service_start_days", 1.0),
    ("handoffs_per_episode", 1.0),
    ("story_retellings_per_episode", 1.0),
    ("escalation_rate_tier3", 100.0),
    ("escalation_rate_tier4", 100.0),
    ("lost_episodes", 1.0),
    ("unmet_need_child_days", 1.0),
    ("staff_cost", 1.0),
];

fn joinedup(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_joinedup")).args(args).env("SOURCE_DATE_EPOCH", EPOCH).output().expect("the joinedup binary starts")
}

/// Writes a plan over docs/examples/small.ron (two models: siloed and hub) into `dir`.
fn write_plan(dir: &Path, name: &str, body: &str) -> PathBuf {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/small.ron");
    let path = dir.join(format!("{name}.ron"));
    let text = format!("(name: \"{name}\", scenario: Some(\"{}\"), replications: 3, seed: 5, {body})", scenario.display());
    std::fs::write(&path, text).unwrap();
    path
}

const FACTORIAL: &str = "factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", levels: [0.08, 0.12]),
    (name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", levels: [4, 6, 8]),
  ], design: Factorial";

const MORRIS: &str = "factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", min: 0.08, max: 0.12),
    (name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", min: 4, max: 8, integer: true),
    (name: \"hub_assessment_days\", path: \"models.hub.units.hub.assessment.Common.days_mean\", min: 7, max: 28),
  ], design: Morris(trajectories: 4, levels: 4)";

const LATIN_HYPERCUBE: &str = "factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", min: 0.08, max: 0.12),
    (name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", min: 4, max: 8, integer: true),
  ], design: LatinHypercube(points: 12)";

/// Runs `joinedup sweep PLAN --out OUT --report` (and `extra`), returning the page.
fn sweep_with_report(plan: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", out.to_str().unwrap(), "--report", "--threads", "2"];
    args.extend(SHORT);
    args.extend(extra);
    let output = joinedup(&args);
    assert!(output.status.success(), "joinedup sweep --report failed:\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("report.html"), "the command says where the report is");
    std::fs::read_to_string(out.join("report.html")).expect("sweep --report writes report.html")
}

/// Whether `shown` (written with `decimals` decimals) is `exact` rounded for display.
fn shows(shown: (f64, usize), exact: f64) -> bool {
    let tolerance = 0.5 * 10f64.powi(-(shown.1 as i32)) * 1.000_001 + 1e-9 * exact.abs().max(1.0);
    (shown.0 - exact).abs() <= tolerance
}

/// The value of attribute `name` in an element's opening text.
fn attribute<'a>(element: &'a str, name: &str) -> &'a str {
    between(element, &format!("{name}=\""), "\"").first().copied().unwrap_or_else(|| panic!("no {name} in {element}"))
}

/// A sentence's text with the names it quotes (model, measure, factors, levels) taken out,
/// so that every number left is one the sweep computed.
fn numbers_only(sentence: &str) -> String {
    let mut text = sentence.to_string();
    for (open, close) in [
        ("<strong class=\"model\">", "</strong>"),
        ("<strong class=\"factor\">", "</strong>"),
        ("<span class=\"level\">", "</span>"),
        ("<span class=\"measure\">", "</span>"),
    ] {
        while let Some(i) = text.find(open) {
            let j = i + text[i..].find(close).expect("closed");
            text.replace_range(i..j + close.len(), " ");
        }
    }
    assert!(!text.contains('<'), "an element the test does not know in: {sentence}");
    text.replace("&amp;", "&")
}

/// A sentence of the summary: its measure, model, top factor and inner HTML.
struct Sentence<'a> {
    metric: &'a str,
    model: &'a str,
    factor: &'a str,
    html: &'a str,
}

fn sentences(html: &str) -> Vec<Sentence<'_>> {
    between(html, "<li class=\"sweep-sentence\" ", "</li>")
        .into_iter()
        .map(|item| {
            let open = &item[..item.find('>').unwrap()];
            Sentence {
                metric: attribute(open, "data-metric"),
                model: attribute(open, "data-model"),
                factor: attribute(open, "data-factor"),
                html: &item[item.find('>').unwrap() + 1..],
            }
        })
        .collect()
}

/// points.csv: factor values of each point, and (point, model, metric) → mean.
struct Points {
    values: BTreeMap<usize, Vec<String>>,
    means: BTreeMap<(usize, String, String), f64>,
}

fn read_points(dir: &Path, n_factors: usize) -> Points {
    let text = std::fs::read_to_string(dir.join("points.csv")).unwrap();
    let mut points = Points { values: BTreeMap::new(), means: BTreeMap::new() };
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), n_factors + 9, "no commas in these names: {line}");
        let point: usize = fields[0].parse().unwrap();
        points.values.insert(point, fields[1..=n_factors].iter().map(|s| s.to_string()).collect());
        let mean: f64 = fields[n_factors + 5].parse().unwrap();
        points.means.insert((point, fields[n_factors + 1].to_string(), fields[n_factors + 2].to_string()), mean);
    }
    points
}

fn scale_of(metric: &str) -> f64 {
    HEADLINE.iter().find(|(name, _)| *name == metric).unwrap_or_else(|| panic!("{metric} is not a headline measure")).1
}

/// Checks the summary's common shape and returns its sentences: one per headline measure
/// and model, and an at-a-glance count that agrees with them.
fn checked_sentences<'a>(html: &'a str, models: &[&str]) -> Vec<Sentence<'a>> {
    let found = sentences(html);
    assert_eq!(found.len(), HEADLINE.len() * models.len(), "one sentence per headline measure and model");
    for (i, sentence) in found.iter().enumerate() {
        assert_eq!(sentence.metric, HEADLINE[i / models.len()].0, "measures in the report's order");
        assert_eq!(sentence.model, models[i % models.len()], "models in the plan's order");
    }
    let glance = between(html, "<div class=\"glance\">", "</div>")[0];
    let mut counted: BTreeMap<&str, usize> = BTreeMap::new();
    for sentence in found.iter().filter(|s| !s.factor.is_empty()) {
        *counted.entry(sentence.factor).or_default() += 1;
    }
    for top in between(glance, "<span class=\"top\" ", "</span>") {
        let factor = attribute(top, "data-factor");
        let shown = numbers_only(&top[top.find('>').unwrap() + 1..]);
        assert_eq!(numbers(&shown), vec![(counted[factor] as f64, 0)], "at a glance, {factor}: {top}");
    }
    assert_eq!(between(glance, "<span class=\"top\" ", "</span>").len(), counted.len());
    found
}

#[test]
fn factorial_sentences_state_the_range_of_the_level_means_in_points_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = sweep_with_report(&write_plan(tmp.path(), "grid", FACTORIAL), &out, &[]);
    let points = read_points(&out, 2);
    let factors = ["demand", "hub_practitioners"];
    let mut checked = 0;
    for sentence in checked_sentences(&html, &["siloed", "hub"]) {
        let scale = scale_of(sentence.metric);
        // Per factor: each level's mean, the mean of its points' means (points weigh the same).
        let level_means = |f: usize| -> Vec<(String, f64)> {
            let mut by_level: Vec<(String, Vec<f64>)> = Vec::new();
            for (point, values) in &points.values {
                let Some(&mean) = points.means.get(&(*point, sentence.model.to_string(), sentence.metric.to_string())) else { continue };
                match by_level.iter_mut().find(|(level, _)| *level == values[f]) {
                    Some((_, means)) => means.push(mean),
                    None => by_level.push((values[f].clone(), vec![mean])),
                }
            }
            by_level.into_iter().map(|(level, means)| (level, means.iter().sum::<f64>() / means.len() as f64)).collect()
        };
        let ranges: Vec<f64> = (0..2)
            .map(|f| {
                let means = level_means(f);
                let (low, high) = means.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), (_, m)| (l.min(*m), h.max(*m)));
                high - low
            })
            .collect();
        let top = if ranges[1] > ranges[0] { 1 } else { 0 };
        let text = numbers_only(sentence.html);
        if ranges[top] == 0.0 {
            assert!(sentence.factor.is_empty() && text.contains("does not change"), "{}", sentence.html);
            continue;
        }
        assert_eq!(sentence.factor, factors[top], "{}: ranges {ranges:?}", sentence.html);
        let means = level_means(top);
        let lowest = means.iter().fold(&means[0], |a, b| if b.1 < a.1 { b } else { a });
        let highest = means.iter().fold(&means[0], |a, b| if b.1 > a.1 { b } else { a });
        let levels = between(sentence.html, "<span class=\"level\">", "</span>");
        assert_eq!(levels, vec![format!("{} = {}", factors[top], lowest.0), format!("{} = {}", factors[top], highest.0)]);
        let shown = numbers(&text);
        let next = 1 - top;
        assert_eq!(shown.len(), if ranges[next] == 0.0 { 3 } else { 4 }, "lowest, highest, range, next range: {}", sentence.html);
        assert!(shows(shown[0], lowest.1 * scale), "{}: lowest level mean in points.csv is {}", sentence.html, lowest.1);
        assert!(shows(shown[1], highest.1 * scale), "{}: highest level mean in points.csv is {}", sentence.html, highest.1);
        assert!(shows(shown[2], ranges[top] * scale), "{}: range is {}", sentence.html, ranges[top]);
        if ranges[next] > 0.0 {
            assert!(shows(shown[3], ranges[next] * scale), "{}: next range is {}", sentence.html, ranges[next]);
        } else {
            assert!(text.contains("(no change)"), "{}", sentence.html);
        }
        checked += 1;
    }
    assert!(checked >= 10, "the sweep should move most headline measures; checked only {checked} sentences");
    assert!(html.contains("range of the means across a factor"), "the page says which effect measure it uses");
    // Provenance: the version that ran the sweep comes from sweep.json, not from the report.
    let sweep_json = std::fs::read_to_string(out.join("sweep.json")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(sweep_json.contains(&format!("\"joinedup_version\": \"{version}\"")), "sweep.json records the version: {sweep_json}");
    assert!(html.contains(&format!("joinedup version (sweep)</th><td>{version}")), "the page shows the sweep's version");
}

/// A factor's row of morris.csv: (factor, mu_star, mu, sigma).
type MorrisRow = (String, f64, f64, Option<f64>);

#[test]
fn morris_sentences_state_mu_star_and_sigma_from_morris_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = sweep_with_report(&write_plan(tmp.path(), "screen", MORRIS), &out, &[]);
    // (model, metric) → factors by rank.
    let mut ranked: BTreeMap<(String, String), Vec<MorrisRow>> = BTreeMap::new();
    for line in std::fs::read_to_string(out.join("morris.csv")).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let rank: usize = f[2].parse().unwrap();
        let entry = ranked.entry((f[0].to_string(), f[1].to_string())).or_default();
        assert_eq!(entry.len() + 1, rank, "morris.csv lists factors in rank order");
        entry.push((f[3].to_string(), f[4].parse().unwrap(), f[5].parse().unwrap(), f[6].parse().ok()));
    }
    let mut checked = 0;
    for sentence in checked_sentences(&html, &["siloed", "hub"]) {
        let scale = scale_of(sentence.metric);
        let factors = &ranked[&(sentence.model.to_string(), sentence.metric.to_string())];
        let text = numbers_only(sentence.html);
        let (top, mu_star, mu, sigma) = &factors[0];
        if *mu_star == 0.0 {
            assert!(sentence.factor.is_empty() && text.contains("does not change"), "{}", sentence.html);
            continue;
        }
        assert_eq!(sentence.factor, top, "{}", sentence.html);
        let shown = numbers(&text);
        let mut expected = vec![mu_star * scale];
        expected.extend(sigma.map(|s| s * scale));
        if factors[1].1 > 0.0 {
            expected.push(factors[1].1 * scale);
        } else {
            assert!(text.contains("(no change)"), "{}", sentence.html);
        }
        assert_eq!(shown.len(), expected.len(), "μ*, σ and the next factor's μ* in: {}", sentence.html);
        for (shown, exact) in shown.iter().zip(&expected) {
            assert!(shows(*shown, *exact), "{}: morris.csv says {exact} (scaled)", sentence.html);
        }
        let direction = if mu.abs() < 0.8 * mu_star {
            "depends on the other factors"
        } else if *mu > 0.0 {
            "increases"
        } else {
            "decreases"
        };
        assert!(text.contains(direction), "{}: mu is {mu}, mu* {mu_star}", sentence.html);
        checked += 1;
    }
    assert!(checked >= 10, "checked only {checked} sentences");
    assert!(html.contains("Morris elementary effects") && html.contains("σ (spread of the effects)"));
    // One ranking chart per headline measure, one chart per factor and measure.
    assert_eq!(html.matches("<figure class=\"chart\" id=\"chart-ranking-").count(), HEADLINE.len());
    assert_eq!(html.matches("<figure class=\"chart\" id=\"chart-factor-").count(), 3 * HEADLINE.len());
}

/// Least squares by the normal equations and Cramer's rule: y on (1, a, b), a and b scaled
/// to [0, 1]. Written here independently of the library.
fn regression_changes(rows: &[(f64, f64, f64)]) -> [f64; 2] {
    let range = |pick: fn(&(f64, f64, f64)) -> f64| {
        let values: Vec<f64> = rows.iter().map(pick).collect();
        (values.iter().copied().fold(f64::INFINITY, f64::min), values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    };
    let ((a0, a1), (b0, b1)) = (range(|r| r.0), range(|r| r.1));
    let mut m = [[0.0; 3]; 3];
    let mut v = [0.0; 3];
    for &(a, b, y) in rows {
        let u = [1.0, (a - a0) / (a1 - a0), (b - b0) / (b1 - b0)];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += u[i] * u[j];
            }
            v[i] += u[i] * y;
        }
    }
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let whole = det(&m);
    let column = |c: usize| {
        let mut replaced = m;
        for (row, value) in replaced.iter_mut().zip(v) {
            row[c] = value;
        }
        det(&replaced) / whole
    };
    [column(1), column(2)]
}

#[test]
fn latin_hypercube_sentences_state_a_regression_on_points_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let html = sweep_with_report(&write_plan(tmp.path(), "cube", LATIN_HYPERCUBE), &out, &[]);
    let points = read_points(&out, 2);
    let factors = ["demand", "hub_practitioners"];
    let mut checked = 0;
    for sentence in checked_sentences(&html, &["siloed", "hub"]) {
        let scale = scale_of(sentence.metric);
        let rows: Vec<(f64, f64, f64)> = points
            .values
            .iter()
            .filter_map(|(point, values)| {
                let mean = points.means.get(&(*point, sentence.model.to_string(), sentence.metric.to_string()))?;
                Some((values[0].parse().unwrap(), values[1].parse().unwrap(), *mean))
            })
            .collect();
        let changes = regression_changes(&rows);
        let text = numbers_only(sentence.html);
        // A measure that is the same at every point fits a flat plane, up to rounding.
        if changes.iter().all(|c| c.abs() < 1e-9) {
            assert!(sentence.factor.is_empty() || text.contains("does not change") || numbers(&text).iter().all(|n| n.0 == 0.0));
            continue;
        }
        let top = if changes[1].abs() > changes[0].abs() { 1 } else { 0 };
        assert_eq!(sentence.factor, factors[top], "{}: changes {changes:?}", sentence.html);
        let shown = numbers(&text);
        assert!(shows(shown[0], changes[top] * scale), "{}: regression change is {}", sentence.html, changes[top]);
        // A factor the measure does not depend on (demand, for staff cost) fits a coefficient of
        // rounding size, below a billionth of the measure: the page says "no change".
        let negligible = 1e-9 * rows.iter().map(|r| r.2.abs()).fold(0.0, f64::max);
        if changes[1 - top].abs() <= negligible {
            assert_eq!(shown.len(), 1, "only the change: {}", sentence.html);
            assert!(sentence.html.contains("(no change)"), "{}", sentence.html);
        } else {
            assert_eq!(shown.len(), 2, "the change and the next factor's: {}", sentence.html);
            assert!(shows(shown[1], changes[1 - top] * scale), "{}: next change is {}", sentence.html, changes[1 - top]);
        }
        checked += 1;
    }
    assert!(checked >= 10, "checked only {checked} sentences");
    assert!(html.contains("linear regression"), "the page says which effect measure it uses");
}

#[test]
fn report_and_merge_rebuild_the_page_sweep_report_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = write_plan(tmp.path(), "grid", FACTORIAL);
    let whole = tmp.path().join("whole");
    let from_sweep = sweep_with_report(&plan, &whole, &[]);

    // Self-contained: nothing fetched, a policy that forbids fetching anyway.
    for forbidden in ["<link", " src=", "@import", "url(", "<iframe", "<img"] {
        assert!(!from_sweep.contains(forbidden), "the report contains `{forbidden}`: it must not fetch anything");
    }
    let without_svg_namespace = from_sweep.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_svg_namespace.contains("http://") && !without_svg_namespace.contains("https://"));
    assert!(from_sweep.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Provenance: the fingerprint and seed of sweep.json, the files' hashes, the date given.
    let sweep_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(whole.join("sweep.json")).unwrap()).unwrap();
    let plan_sha = joinedup::provenance::sha256_hex(&std::fs::read(whole.join("plan.ron")).unwrap());
    for fact in [sweep_json["fingerprint"].as_str().unwrap(), &plan_sha, "2026-01-01", "population.presentations_per_family_year"] {
        assert!(from_sweep.contains(fact), "the page lacks `{fact}`");
    }

    let again = tmp.path().join("again.html");
    let output = joinedup(&["report", whole.to_str().unwrap(), "-o", again.to_str().unwrap()]);
    assert!(output.status.success(), "joinedup report failed:\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::read_to_string(&again).unwrap() == from_sweep, "joinedup report gave a different page from sweep --report");

    // -o never names a file of the sweep's folder (its data files, shard.json, a point file).
    let mut own: Vec<PathBuf> = std::fs::read_dir(&whole).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
    own.retain(|p| !p.ends_with("report.html"));
    own.push(whole.join("points").join("point-000000.json"));
    own.push(whole.join("points").join("point-999999.json"));
    assert_eq!(own.len(), 8, "points.csv, replications.csv, sweep.json, plan.ron, scenario.ron, shard.json and two point files: {own:?}");
    for out in &own {
        let before = std::fs::read(out).ok();
        let output = joinedup(&["report", whole.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "-o {}: {stderr}", out.display());
        assert!(stderr.contains("the report would be written over it"), "{stderr}");
        assert_eq!(std::fs::read(out).ok(), before, "{} was changed", out.display());
    }

    // Shards, then merge --report: the same page but for the folder's name.
    let shards: Vec<PathBuf> = (1..=2).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--threads", "1"];
        let shard = format!("{}/2", k + 1);
        args.extend(["--shard", &shard]);
        args.extend(SHORT);
        assert!(joinedup(&args).status.success());
    }
    let merged = tmp.path().join("merged");
    let output =
        joinedup(&["merge", shards[0].to_str().unwrap(), shards[1].to_str().unwrap(), "--out", merged.to_str().unwrap(), "--report"]);
    assert!(output.status.success(), "merge --report failed:\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("report.html"));
    let from_merge = std::fs::read_to_string(merged.join("report.html")).expect("merge --report writes report.html");
    let folder_free = |page: &str, dir: &Path| page.replace(&dir.display().to_string(), "DIR");
    assert!(
        folder_free(&from_merge, &merged) == folder_free(&from_sweep, &whole),
        "the merged sweep's report differs from the unsharded one"
    );

    // Run again on a finished sweep (nothing left to run): the report is written again.
    std::fs::remove_file(whole.join("report.html")).unwrap();
    assert!(sweep_with_report(&plan, &whole, &[]) == from_sweep);
}

#[test]
fn folders_that_are_not_a_finished_run_or_sweep_are_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let refused = |dir: &Path, expected: &[&str]| {
        let output = joinedup(&["report", dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        for words in expected {
            assert!(stderr.contains(words), "the message lacks `{words}`:\n{stderr}");
        }
        assert!(!dir.join("report.html").exists(), "no report from a refused folder");
    };
    // Neither a run nor a sweep.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "not results").unwrap();
    refused(&empty, &["summary.json", "sweep.json", "joinedup run", "joinedup sweep"]);

    // A shard of several: merge first.
    let plan = write_plan(tmp.path(), "grid", FACTORIAL);
    let shard = tmp.path().join("shard");
    let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", shard.to_str().unwrap(), "--shard", "1/2"];
    args.extend(SHORT);
    assert!(joinedup(&args).status.success());
    refused(&shard, &["shard 1/2", "sweep.json", "joinedup merge", "--report"]);
    // A damaged shard.json is bad input like any damaged results file (exit 2, not 1).
    let damaged = tmp.path().join("damaged-shard");
    std::fs::create_dir(&damaged).unwrap();
    std::fs::write(damaged.join("shard.json"), "{ not json").unwrap();
    refused(&damaged, &["shard.json", "run the sweep again"]);
    // --report on a shard is refused before anything runs.
    let other = tmp.path().join("other-shard");
    let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", other.to_str().unwrap(), "--shard", "2/2", "--report"];
    args.extend(SHORT);
    let output = joinedup(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--report") && stderr.contains("joinedup merge"), "{stderr}");
    assert!(!other.exists(), "nothing ran");

    // A half-finished sweep: as if killed after some points.
    let half = tmp.path().join("half");
    sweep_with_report(&plan, &half, &[]);
    for name in ["sweep.json", "points.csv", "replications.csv", "report.html", "points/point-000004.json"] {
        std::fs::remove_file(half.join(name)).unwrap();
    }
    refused(&half, &["sweep `grid` is unfinished", "5 of its 6 points", "the same `joinedup sweep` command again"]);

    // A finished sweep whose points.csv was damaged: the file, the line and the fix.
    let damaged = tmp.path().join("damaged");
    sweep_with_report(&plan, &damaged, &[]);
    std::fs::remove_file(damaged.join("report.html")).unwrap();
    let points = damaged.join("points.csv");
    let text = std::fs::read_to_string(&points).unwrap();
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 4 { l.replacen(",siloed,wait_service_start_days,", ",nobody,wait_service_start_days,", 1) } else { l.into() })
        .collect();
    std::fs::write(&points, broken.join("\n") + "\n").unwrap();
    let row = text.lines().nth(4).unwrap();
    assert!(row.contains(",siloed,wait_service_start_days,"), "line 5 of points.csv is the siloed wait at point 0: {row}");
    refused(&damaged, &["points.csv", "line 5", "model `nobody`", "run the same sweep command again"]);
}

/// A copy in `dir` of the sweep's final files in `whole` (not its points/ or its report), with
/// `file` replaced by `text`, which must change it, or removed (`None`).
fn damaged_copy(whole: &Path, dir: &Path, file: &str, text: Option<&str>) -> PathBuf {
    std::fs::create_dir(dir).unwrap();
    for entry in std::fs::read_dir(whole).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() && entry.file_name() != "report.html" {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    match text {
        Some(text) => {
            assert_ne!(std::fs::read_to_string(dir.join(file)).ok().as_deref(), Some(text), "{}: the copy is not changed", dir.display());
            std::fs::write(dir.join(file), text).unwrap();
        }
        None => std::fs::remove_file(dir.join(file)).unwrap(),
    }
    dir.to_path_buf()
}

/// `joinedup report` refuses `dir` as damaged or incomplete, with the fix and every `expected`
/// phrase, without panicking or writing a report.
fn refused_as_damaged(dir: &Path, expected: &[&str]) {
    let output = joinedup(&["report", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for words in [&["looks damaged or incomplete", "run the same sweep command again"][..], expected].concat() {
        assert!(stderr.contains(words), "the message lacks `{words}`:\n{stderr}");
    }
    assert!(!dir.join("report.html").exists(), "no report from a refused folder");
}

#[test]
fn a_damaged_or_incomplete_sweep_folder_is_refused_with_the_file_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = write_plan(tmp.path(), "grid", FACTORIAL);
    let whole = tmp.path().join("whole");
    sweep_with_report(&plan, &whole, &[]);
    let copy = |name: &str, file: &str, text: Option<&str>| damaged_copy(&whole, &tmp.path().join(name), file, text);
    let refused = refused_as_damaged;
    // The copy itself is whole: it makes a report.
    let fine = copy("fine", "notes.txt", Some("a file the report ignores"));
    assert!(joinedup(&["report", fine.to_str().unwrap()]).status.success());

    let points = std::fs::read_to_string(whole.join("points.csv")).unwrap();
    let replications = std::fs::read_to_string(whole.join("replications.csv")).unwrap();
    let lines =
        |text: &str, keep: &dyn Fn(&str) -> bool| -> String { text.lines().filter(|l| keep(l)).map(|l| format!("{l}\n")).collect() };
    // points.csv cut at a line break: the last point (5 of 0 to 5) is gone.
    refused(
        &copy("cut-points", "points.csv", Some(&lines(&points, &|l| !l.starts_with("5,")))),
        &["points.csv", "no `referrals` row for point 5", "6 points"],
    );
    // ... or in the middle of its last number.
    refused(&copy("cut-number", "points.csv", Some(&points[..points.len() - 4])), &["points.csv", "stops without a line break"]);
    // replications.csv with its header only, empty, or short of the last replication.
    let header = replications.lines().next().unwrap().to_string() + "\n";
    refused(
        &copy("header-only", "replications.csv", Some(&header)),
        &["replications.csv", "no `referrals` row for point 0, model `siloed`, replication 0"],
    );
    refused(&copy("empty", "replications.csv", Some("")), &["replications.csv", "the file is empty"]);
    let last = |l: &str| l.starts_with("5,") && l.split(',').nth(4) == Some("2");
    refused(
        &copy("cut-replications", "replications.csv", Some(&lines(&replications, &|l| !last(l)))),
        &["point 5, model `siloed`, replication 2", "3 replications"],
    );
    // A replication points.csv does not count.
    let extra = replications.replacen(",0,referrals,", ",3,referrals,", 1);
    refused(&copy("replication-3", "replications.csv", Some(&extra)), &["line 2", "`3` is not a replication of point 0"]);
    // Numbers that are not finite, in any row (not only the charted measures'), name the field.
    let nan = |text: &str, line: usize, field: usize| -> String {
        let mut rows: Vec<Vec<String>> = text.lines().map(|l| l.split(',').map(String::from).collect()).collect();
        rows[line - 1][field] = "NaN".into();
        rows.iter().map(|r| r.join(",") + "\n").collect()
    };
    assert!(replications.lines().nth(1).unwrap().contains(",referrals,"), "referrals is not a charted measure");
    refused(
        &copy("nan-replications", "replications.csv", Some(&nan(&replications, 2, 6))),
        &["replications.csv", "line 2: field `value`: `NaN` is not a finite number"],
    );
    refused(&copy("nan-points", "points.csv", Some(&nan(&points, 2, 7))), &["points.csv", "line 2: field `mean`: `NaN`"]);
    refused(&copy("nan-interval", "points.csv", Some(&nan(&points, 3, 8))), &["points.csv", "line 3: field `ci95_low`"]);
    // A file the sweep wrote is missing.
    for file in ["plan.ron", "scenario.ron", "replications.csv"] {
        refused(&copy(&format!("no-{file}"), file, None), &[&format!("there is no {file}")]);
    }
}

/// The smallest sweep: the hub's practitioners at two levels (a point each), so damage can
/// be placed at a point, model and replication by name.
const TWO_POINTS: &str =
    "factors: [(name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", levels: [4, 8])], design: Factorial";

#[test]
fn rows_written_only_sometimes_are_checked_at_every_point_of_a_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = write_plan(tmp.path(), "pair", TWO_POINTS);
    let whole = tmp.path().join("whole");
    sweep_with_report(&plan, &whole, &[]);
    let replications = std::fs::read_to_string(whole.join("replications.csv")).unwrap();
    let points = std::fs::read_to_string(whole.join("points.csv")).unwrap();
    let copy = |name: &str, file: &str, text: &str| damaged_copy(&whole, &tmp.path().join(name), file, Some(text));
    let refused = |dir: &Path, expected: &[&str]| refused_as_damaged(dir, &[&["replications.csv"][..], expected].concat());
    let dropping = |text: &str, drop: &dyn Fn(&str) -> bool| -> String {
        let kept: String = text.lines().filter(|l| !drop(l)).map(|l| format!("{l}\n")).collect();
        assert!(kept.len() < text.len(), "no line dropped");
        kept
    };
    // Replication rows start `point,hub_practitioners,model,replication,metric,`.
    let row = |point: usize, model: &str, replication: usize, metric: &str| {
        format!("{point},{},{model},{replication},{metric},", ["4", "8"][point])
    };

    // The undamaged copy is accepted, and so is the same sweep run in shards and merged.
    let fine = copy("fine", "notes.txt", "a file the report ignores");
    let output = joinedup(&["report", fine.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shards: Vec<PathBuf> = (1..=2).map(|k| tmp.path().join(format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{}/2", k + 1);
        let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--shard", &shard];
        args.extend(SHORT);
        assert!(joinedup(&args).status.success());
    }
    let merged = tmp.path().join("merged");
    let output = joinedup(&["merge", shards[0].to_str().unwrap(), shards[1].to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(merged.join("replications.csv")).unwrap(), replications);
    let output = joinedup(&["report", merged.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // Cut at a line break after the last replication's staff cost: its wait percentiles are
    // gone, every always-written row is there.
    let lines: Vec<&str> = replications.lines().collect();
    let staff_cost = lines.iter().rposition(|l| l.contains(",staff_cost,")).unwrap();
    assert!(lines[staff_cost].starts_with(&row(1, "hub", 2, "staff_cost")) && staff_cost + 1 < lines.len());
    let cut: String = lines[..=staff_cost].iter().map(|l| format!("{l}\n")).collect();
    refused(
        &copy("cut-after-staff-cost", "replications.csv", &cut),
        &["no `wait_first_contact_days_p50` row for point 1, model `hub`, replication 2", "with its mean", "rows are missing"],
    );
    // One rate per closed episode gone where the others of its group are written.
    refused(
        &copy("no-handoffs", "replications.csv", &dropping(&replications, &|l| l.starts_with(&row(0, "hub", 1, "handoffs_per_episode")))),
        &["no `handoffs_per_episode` row for point 0, model `hub`, replication 1", "`bounced_referrals_per_episode`", "rows are missing"],
    );
    // A wait without one of its percentiles.
    refused(
        &copy(
            "no-p90",
            "replications.csv",
            &dropping(&replications, &|l| l.starts_with(&row(1, "siloed", 0, "wait_service_start_days_p90"))),
        ),
        &["no `wait_service_start_days_p90` row for point 1, model `siloed`, replication 0", "`wait_service_start_days`"],
    );
    // Utilisation is in every replication of a model at a point or in none: the scenario decides.
    refused(
        &copy(
            "no-utilisation",
            "replications.csv",
            &dropping(&replications, &|l| l.starts_with(&row(1, "hub", 2, "practitioner_utilisation"))),
        ),
        &["no `practitioner_utilisation` row for point 1, model `hub`, replication 2", "replication 0 has one", "only on the scenario"],
    );
    // A whole group gone from one replication: points.csv's mean was made with it.
    let group = ["handoffs_per_episode", "bounced_referrals_per_episode", "assessments_per_episode", "story_retellings_per_episode"];
    let group: Vec<&str> =
        group.into_iter().chain(["professionals_per_family_year", "escalation_rate_tier3", "escalation_rate_tier4"]).collect();
    refused(
        &copy("no-rates", "replications.csv", &dropping(&replications, &|l| group.iter().any(|m| l.starts_with(&row(0, "siloed", 1, m))))),
        &["points.csv gives model `siloed`'s `handoffs_per_episode` at point 0 a mean of", "from 2 of the point's 3 replications"],
    );
    // A wait gone from every replication of a model at a point, percentiles and all.
    refused(
        &copy(
            "no-wait",
            "replications.csv",
            &dropping(&replications, &|l| l.starts_with("1,8,hub,") && l.contains(",wait_assessment_done_days")),
        ),
        &["points.csv gives model `hub`'s `wait_assessment_done_days` at point 1 a mean of", "no row of it for any replication"],
    );
    // A value changed, and a count in points.csv changed: the two files no longer agree.
    let changed = lines.iter().find(|l| l.starts_with(&row(0, "hub", 0, "escalation_rate_tier3"))).unwrap();
    let text = replications.replacen(changed, &format!("{}0.999", row(0, "hub", 0, "escalation_rate_tier3")), 1);
    refused(
        &copy("changed", "replications.csv", &text),
        &["model `hub`'s `escalation_rate_tier3` at point 0", "or the files were changed"],
    );
    let stated = points.lines().find(|l| l.starts_with("1,8,hub,lost_episodes,3,3,")).expect("a row of three replications");
    let text = points.replacen(stated, &stated.replacen(",3,3,", ",3,2,", 1), 1);
    refused(&copy("count", "points.csv", &text), &["model `hub`'s `lost_episodes` at point 1 a mean of", "from 2 replications"]);
    // A points.csv without a row of a metric that replications.csv has at the point.
    refused(
        &copy("no-point-row", "points.csv", &dropping(&points, &|l| l.starts_with("1,8,hub,coordination_time_share,"))),
        &["points.csv gives model `hub`'s `coordination_time_share` at point 1 no value (it has no row there)", "from 3 of the point's 3"],
    );
    // A point's replications counted beyond what sweep.json runs.
    let text = points.replacen("0,4,siloed,referrals,3,3,", "0,4,siloed,referrals,4,3,", 1);
    let output = joinedup(&["report", copy("too-many", "points.csv", &text).to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("points.csv")
            && stderr.contains("line 2: field `replications`: 4, but sweep.json runs a point 3 replications at most"),
        "{stderr}"
    );
}

#[test]
fn a_morris_csv_without_every_factors_rows_is_refused_naming_the_factor() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = write_plan(tmp.path(), "screen", MORRIS);
    let whole = tmp.path().join("whole");
    // Two trajectories of the three factors: 8 points.
    sweep_with_report(&plan, &whole, &["--plan-set", "design.Morris.trajectories=2"]);
    let morris = std::fs::read_to_string(whole.join("morris.csv")).unwrap();
    let copy_with = |name: &str, file: &str, text: &str| damaged_copy(&whole, &tmp.path().join(name), file, Some(text));
    let copy = |name: &str, text: &str| copy_with(name, "morris.csv", text);
    let refused = refused_as_damaged;
    let keep = |keep: &dyn Fn(&[&str]) -> bool| -> String {
        morris
            .lines()
            .enumerate()
            .filter(|(i, l)| *i == 0 || keep(&l.split(',').collect::<Vec<_>>()))
            .map(|(_, l)| format!("{l}\n"))
            .collect()
    };
    // One factor's row gone for one model and headline measure: its effect would be a gap.
    let text = keep(&|f| !(f[0] == "hub" && f[1] == "handoffs_per_episode" && f[3] == "hub_assessment_days"));
    refused(
        &copy("one-row", &text),
        &[
            "morris.csv",
            "no row for factor `hub_assessment_days` of model `hub`'s `handoffs_per_episode`",
            "elementary effects",
            "rows are missing",
        ],
    );
    // A factor gone altogether.
    refused(
        &copy("one-factor", &keep(&|f| f[3] != "demand")),
        &["morris.csv", "no row for factor `demand` of model `siloed`'s `wait_service_start_days`"],
    );
    // A measure that is not a headline one is not read, so its rows may go.
    let output = joinedup(&["report", copy("not-headline", &keep(&|f| f[1] != "referrals")).to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A row written twice, and a row whose count of effects the points do not give.
    let row = morris.lines().find(|l| l.starts_with("hub,lost_episodes,")).unwrap();
    refused(&copy("twice", &format!("{morris}{row}\n")), &["morris.csv", "a second row for factor"]);
    let (start, n_effects) = row.rsplit_once(',').unwrap();
    let changed = morris.replacen(row, &format!("{start},{}", n_effects.parse::<usize>().unwrap() + 1), 1);
    refused(&copy("n-effects", &changed), &["morris.csv", "model `hub`'s `lost_episodes`", "the two files disagree"]);
    // The design morris.csv is checked against is rebuilt from sweep.json, so a design there
    // that cannot have the sweep's points is refused rather than rebuilt.
    let sweep_json = std::fs::read_to_string(whole.join("sweep.json")).unwrap();
    let three = sweep_json.replacen("\"trajectories\": 2,", "\"trajectories\": 3,", 1);
    refused(&copy_with("design", "sweep.json", &three), &["sweep.json", "3 trajectories on 4 levels, 3 factors", "cannot have 8 points"]);
}

#[test]
fn the_points_whose_runs_gave_warnings_are_kept_in_sweep_json_and_named_at_the_top_of_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    // Four of the hub's practitioners cannot keep up with the small county's demand.
    let plan = write_plan(tmp.path(), "grid", FACTORIAL);
    let out = tmp.path().join("grid");
    let mut args = vec!["sweep", plan.to_str().unwrap(), "--out", out.to_str().unwrap(), "--report", "--threads", "2"];
    args.extend(SHORT);
    let output = joinedup(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let sweep_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    let warned = sweep_json["points_with_warnings"].as_array().expect("points with warnings in sweep.json");
    assert!(!warned.is_empty() && warned.len() < 6, "some points of six, not all: {warned:?}");
    assert!(stderr.contains(&format!("warning: {} of the 6 points gave warnings", warned.len())), "{stderr}");

    // Each point's warnings are those `joinedup run` gives with the point's values.
    let points = read_points(&out, 2);
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/small.ron");
    let first = &warned[0];
    let point = first["point"].as_u64().unwrap() as usize;
    let values = &points.values[&point];
    let run_dir = tmp.path().join("run");
    let demand = format!("population.presentations_per_family_year={}", values[0]);
    let staff = format!("models.hub.units.hub.staff.0.n_practitioners={}", values[1]);
    let mut args = vec!["run", scenario.to_str().unwrap(), "--out", run_dir.to_str().unwrap(), "--seed", "5", "--replications", "3"];
    args.extend(["--set", &demand, "--set", &staff]);
    args.extend(SHORT);
    let output = joinedup(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: Vec<String> =
        String::from_utf8_lossy(&output.stderr).lines().filter_map(|l| l.strip_prefix("warning: ")).map(String::from).collect();
    assert_eq!(first["warnings"], serde_json::json!(printed), "point {point} ({values:?})");

    // The page names every warned point, with its factor values and its sentences, above the contents.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let shown = between(&html, "<aside class=\"run-warnings\"", "</aside>");
    assert_eq!(shown.len(), 1, "one box of warnings");
    assert!(html.find("<aside class=\"run-warnings\"").unwrap() < html.find("<nav>").unwrap(), "the warnings come before the contents");
    assert!(shown[0].contains(&format!("At {} of the 6 design points", warned.len())), "{}", shown[0]);
    let items = between(shown[0], "<li class=\"warned-point\" ", "</details></li>");
    assert_eq!(items.len(), warned.len());
    for (item, expected) in items.iter().zip(warned) {
        let point = expected["point"].as_u64().unwrap() as usize;
        assert_eq!(attribute(item, "data-point"), point.to_string());
        for value in &points.values[&point] {
            assert!(item.contains(&format!("<span class=\"level\">{value}</span>")), "point {point} lacks its value {value}: {item}");
        }
        let sentences = between(item, "<li class=\"run-warning\">", "</li>");
        let expected: Vec<&str> = expected["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
        // Names the terminal marks with backticks are shown as code.
        assert!(sentences.iter().all(|s| s.contains("<code>") && !s.contains('`')), "{sentences:?}");
        let sentences: Vec<String> = sentences
            .iter()
            .map(|s| s.replace("<code>", "`").replace("</code>", "`").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
            .collect();
        assert_eq!(sentences, expected, "point {point}");
    }

    // A sweep none of whose points gives a warning writes no such key and no box.
    let calm = write_plan(
        tmp.path(),
        "calm",
        "factors: [(name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", levels: [8, 10])], design: Factorial",
    );
    let out = tmp.path().join("calm");
    let mut args = vec!["sweep", calm.to_str().unwrap(), "--out", out.to_str().unwrap(), "--report", "--threads", "2"];
    args.extend(SHORT);
    let output = joinedup(&args);
    assert!(output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("warning"), "{output:?}");
    assert!(!std::fs::read_to_string(out.join("sweep.json")).unwrap().contains("points_with_warnings"));
    assert!(!std::fs::read_to_string(out.join("report.html")).unwrap().contains("run-warnings\""));

    // A list that names a point the sweep does not have is refused, like any damaged file.
    let grid = tmp.path().join("grid");
    let text = std::fs::read_to_string(grid.join("sweep.json")).unwrap();
    let bad = text.replacen(&format!("\"point\": {point},"), "\"point\": 6,", 1);
    assert_ne!(bad, text);
    std::fs::write(grid.join("sweep.json"), bad).unwrap();
    let output = joinedup(&["report", grid.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("sweep.json") && stderr.contains("points_with_warnings lists point 6"), "{stderr}");
}

/// A sweep run to a precision whose two points stopped at different numbers of replications:
/// (the precision, the first point's count, the second's). The loosest precision that splits
/// them is searched for, so a change of the engine's figures moves the split, not the test.
fn uneven_precision_sweep(dir: &Path, out: &Path) -> (f64, usize, usize) {
    for precision in [0.8, 0.7, 0.9, 0.6, 1.0, 0.5] {
        let plan = write_plan(dir, "precise", &format!("{TWO_POINTS}, precision: {precision}, max_replications: 8"));
        if out.exists() {
            std::fs::remove_dir_all(out).unwrap();
        }
        sweep_with_report(&plan, out, &[]);
        let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
        let count = |point: &str| -> usize {
            let row = points.lines().find(|l| l.starts_with(point) && l.contains(",referrals,")).expect("a referrals row");
            row.split(',').nth(4).unwrap().parse().unwrap()
        };
        let (first, second) = (count("0,4,"), count("1,8,"));
        if first != second {
            return (precision, first, second);
        }
    }
    panic!("no precision from 0.5 to 1 stops the two points at different numbers of replications");
}

#[test]
fn a_damaged_sweep_run_to_a_precision_is_refused_at_the_point_it_names() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let (precision, first, second) = uneven_precision_sweep(tmp.path(), &whole);
    let replications = std::fs::read_to_string(whole.join("replications.csv")).unwrap();
    let points = std::fs::read_to_string(whole.join("points.csv")).unwrap();
    let copy = |name: &str, file: &str, text: &str| damaged_copy(&whole, &tmp.path().join(name), file, Some(text));
    // Which point ran more replications, and its last replication's index.
    let (more, fewer) = if second > first { ((1, "8", second), (0, "4", first)) } else { ((0, "4", first), (1, "8", second)) };
    let prefix =
        |(point, level, _): (usize, &str, usize), model: &str, replication: usize| format!("{point},{level},{model},{replication},");

    // The undamaged copy is accepted: points with different counts are what a precision gives.
    let fine = copy("fine", "notes.txt", "a file the report ignores");
    let output = joinedup(&["report", fine.to_str().unwrap()]);
    assert!(output.status.success(), "precision {precision}: {}", String::from_utf8_lossy(&output.stderr));

    // The point that ran more replications loses its last one: the rows that points.csv
    // counts are missing.
    let last = prefix(more, "hub", more.2 - 1);
    let text: String = replications.lines().filter(|l| !l.starts_with(&last)).map(|l| format!("{l}\n")).collect();
    assert!(text.len() < replications.len());
    refused_as_damaged(
        &copy("no-last-replication", "replications.csv", &text),
        &[
            "replications.csv",
            &format!("no `referrals` row for point {}, model `hub`, replication {}", more.0, more.2 - 1),
            &format!("{} replications", more.2),
        ],
    );
    // The point that stopped early given a replication beyond its count.
    let stopped = prefix(fewer, "siloed", 0);
    let row = replications.lines().find(|l| l.starts_with(&stopped)).unwrap();
    let extra = replications.replacen(row, &row.replacen(&stopped, &prefix(fewer, "siloed", fewer.2), 1), 1);
    refused_as_damaged(
        &copy("beyond-its-count", "replications.csv", &extra),
        &["replications.csv", &format!("`{}` is not a replication of point {}", fewer.2, fewer.0)],
    );
    // One row of points.csv (not the point's first) counts that point's replications as the
    // other point's.
    let counted = format!("{},{},siloed,lost_episodes,{},", fewer.0, fewer.1, fewer.2);
    let row = points.lines().find(|l| l.starts_with(&counted)).unwrap();
    let recounted = row.replacen(&format!(",{},", fewer.2), &format!(",{},", more.2), 1);
    refused_as_damaged(
        &copy("one-row-recounted", "points.csv", &points.replacen(row, &recounted, 1)),
        &["points.csv", &format!("field `replications`: {}, but the point's other rows say {}", more.2, fewer.2)],
    );
    // Every row of that point recounted alike: replications.csv lacks the replications the
    // count promises.
    let text: String = points
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{},{},", fewer.0, fewer.1)) {
                let mut fields: Vec<&str> = l.split(',').collect();
                let n = more.2.to_string();
                fields[4] = &n;
                format!("{}\n", fields.join(","))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    refused_as_damaged(
        &copy("point-recounted", "points.csv", &text),
        &[&format!("no `referrals` row for point {}, model `siloed`, replication {}", fewer.0, fewer.2)],
    );
}
