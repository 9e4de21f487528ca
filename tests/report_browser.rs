//! The report in a real browser, a run's and a sweep's: headless Chromium opens `report.html`
//! from disk, logs no console message (no script error, no blocked fetch: the page's content
//! policy forbids every fetch, and a refused one is logged), every chart lays out with a
//! non-zero size, and a screenshot is kept for people to look at.
//!
//! Chromium is Debian's `chromium`, installed by `.ci/test.sh`. Without it these tests fail,
//! unless JOINEDUP_SKIP_BROWSER=1 says to skip them (and they say so loudly). The page's own
//! inline script writes each chart's rendered size onto `<body data-chart-sizes>`, so no
//! driver (Node, WebDriver) is needed: `--dump-dom` shows the sizes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod browser;

/// Runs headless Chromium on `page` with `extra` arguments, giving up after two minutes (a
/// hung browser must not hang the suite; the limit is far above the second or two it takes).
fn chromium(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    let url = format!("file://{}", page.display());
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(browser::HEADLESS_FLAGS)
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .output()
        .expect("`timeout` (coreutils) starts");
    assert!(output.status.success(), "chromium {extra:?} failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    output
}

/// Console messages the page logged (Chromium writes them as `CONSOLE` lines), and uncaught
/// errors.
fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr).lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).map(String::from).collect()
}

/// Chromium, or `None` when JOINEDUP_SKIP_BROWSER=1 says to skip (loudly); without either,
/// the test fails.
fn browser_or_skip() -> Option<PathBuf> {
    browser::chromium_or_skip("the report's browser test", "that report.html renders")
}

/// Where the screenshots and the reports are kept after the tests: `target/test-output/report/`
/// (`report.png` and `results/` for a run, `sweep-report.png` and `sweep/` for a sweep).
fn output_dir() -> PathBuf {
    browser::output_dir("report")
}

/// Opens `page` in headless Chromium: no console message, every chart of the page laid out
/// at a readable size, and a screenshot saved as `screenshot` (a PNG of the window's size).
/// Returns the number of charts.
fn check_in_browser(browser: &Path, page: &Path, screenshot: &Path) -> usize {
    let html = std::fs::read_to_string(page).expect("the report was written");
    let charts_in_page = html.matches("<figure class=\"chart\"").count();
    let profile = tempfile::tempdir().expect("a temporary browser profile");
    let dom = chromium(browser, profile.path(), page, &["--dump-dom"]);
    let messages = console_messages(&dom.stderr);
    assert!(messages.is_empty(), "the page logged to the console:\n{}", messages.join("\n"));
    let dom = String::from_utf8_lossy(&dom.stdout);
    let attribute = |name: &str| -> String {
        let start = dom.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("the page's script did not run: no {name} on <body>"));
        let rest = &dom[start + name.len() + 2..];
        rest[..rest.find('"').expect("a closed attribute")].to_string()
    };
    assert_eq!(attribute("data-chart-count"), charts_in_page.to_string(), "the browser found a different number of charts");
    let sizes = attribute("data-chart-sizes");
    let sizes: Vec<&str> = sizes.split_whitespace().collect();
    assert_eq!(sizes.len(), charts_in_page);
    for entry in &sizes {
        let (id, size) = entry.rsplit_once('=').expect("id=WxH");
        let (width, height) = size.split_once('x').expect("WxH");
        let (width, height): (u32, u32) = (width.parse().expect("a width"), height.parse().expect("a height"));
        assert!(width >= 200 && height >= 100, "chart {id} rendered at {width}x{height}: too small to read");
    }

    let _ = std::fs::remove_file(screenshot);
    let shot = chromium(browser, profile.path(), page, &[&format!("--screenshot={}", screenshot.display()), "--window-size=1280,4000"]);
    let messages = console_messages(&shot.stderr);
    assert!(messages.is_empty(), "the page logged to the console:\n{}", messages.join("\n"));
    let png = std::fs::read(screenshot).expect("chromium wrote the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG");
    let (width, height) = (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1280, 4000), "the screenshot has the window's size");
    charts_in_page
}

#[test]
fn the_report_renders_in_headless_chromium_without_errors() {
    let Some(browser) = browser_or_skip() else { return };
    let out = output_dir();
    let results = out.join("results");
    let _ = std::fs::remove_dir_all(&results);
    let run = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(["run", "--out", results.to_str().expect("a UTF-8 path"), "--report", "--replications", "3"])
        .args(["--set", "population.n_families=5000", "--set", "run.horizon_days=500", "--set", "run.warmup_days=50"])
        .output()
        .expect("the joinedup binary starts");
    assert!(run.status.success(), "joinedup run --report failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let charts = check_in_browser(&browser, &results.join("report.html"), &out.join("report.png"));
    assert!(charts >= 21 + 3 + 8, "expected a chart per metric, wait and monthly series; found {charts}");
    eprintln!("report and screenshot kept in {}", out.display());
}

/// The sweep report (`sweep --report`): a Morris screening of three factors of the small
/// example county, so the page has ranking charts with σ and a chart per factor and measure.
#[test]
fn the_sweep_report_renders_in_headless_chromium_without_errors() {
    let Some(browser) = browser_or_skip() else { return };
    let out = output_dir();
    let results = out.join("sweep");
    let _ = std::fs::remove_dir_all(&results);
    let plan = out.join("sweep-plan.ron");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/small.ron");
    std::fs::write(
        &plan,
        format!(
            "(name: \"browser_screen\", scenario: Some(\"{}\"), replications: 3, seed: 5, factors: [
    (name: \"demand\", path: \"population.presentations_per_family_year\", min: 0.08, max: 0.12),
    (name: \"hub_practitioners\", path: \"models.hub.units.hub.staff.0.n_practitioners\", min: 4, max: 8, integer: true),
    (name: \"hub_assessment_days\", path: \"models.hub.units.hub.assessment.Common.days_mean\", min: 7, max: 28),
  ], design: Morris(trajectories: 3, levels: 4))",
            scenario.display()
        ),
    )
    .expect("write the plan");
    let sweep = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(["sweep", plan.to_str().expect("a UTF-8 path"), "--out", results.to_str().expect("a UTF-8 path"), "--report"])
        .args(["--set", "run.horizon_days=730", "--set", "run.warmup_days=120"])
        .output()
        .expect("the joinedup binary starts");
    assert!(sweep.status.success(), "joinedup sweep --report failed:\n{}", String::from_utf8_lossy(&sweep.stderr));
    let charts = check_in_browser(&browser, &results.join("report.html"), &out.join("sweep-report.png"));
    assert_eq!(charts, 8 + 3 * 8, "a ranking chart per headline measure, and a chart per factor and measure");
    eprintln!("sweep report and screenshot kept in {}", out.display());
}
