//! The report in a real browser: headless Chromium opens `report.html` from disk, logs no
//! console message (no script error, no blocked fetch: the page's content policy forbids
//! every fetch, and a refused one is logged), every chart lays out with a non-zero size, and a
//! screenshot is kept for people to look at.
//!
//! Chromium is Debian's `chromium`, installed by `.ci/test.sh`. Without it this test fails,
//! unless JOINEDUP_SKIP_BROWSER=1 says to skip it (and it says so loudly). The page's own
//! inline script writes each chart's rendered size onto `<body data-chart-sizes>`, so no
//! driver (Node, WebDriver) is needed: `--dump-dom` shows the sizes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the screenshot and the report are kept after the test: `target/test-output/report/`.
fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target folder").join("test-output").join("report");
    std::fs::create_dir_all(&dir).expect("create the test output folder");
    dir
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("JOINEDUP_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `page` with `extra` arguments, giving up after two minutes (a
/// hung browser must not hang the suite; the limit is far above the second or two it takes).
fn chromium(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> Output {
    let url = format!("file://{}", page.display());
    let output = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
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

#[test]
fn the_report_renders_in_headless_chromium_without_errors() {
    let Some(browser) = find_chromium() else {
        if std::env::var("JOINEDUP_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("\n************************************************************************");
            eprintln!("* SKIPPED: the report's browser test (JOINEDUP_SKIP_BROWSER=1 is set). *");
            eprintln!("* Nothing checked that report.html renders. Run .ci/test.sh to do so. *");
            eprintln!("************************************************************************\n");
            return;
        }
        panic!(
            "chromium is not installed, so the report cannot be tested in a browser. Run .ci/test.sh (it installs Debian's chromium), or `apt-get install chromium`, or set JOINEDUP_SKIP_BROWSER=1 to skip this test knowingly."
        );
    };
    let out = output_dir();
    let results = out.join("results");
    let _ = std::fs::remove_dir_all(&results);
    let run = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        .args(["run", "--out", results.to_str().expect("a UTF-8 path"), "--report", "--replications", "3"])
        .args(["--set", "population.n_families=5000", "--set", "run.horizon_days=500", "--set", "run.warmup_days=50"])
        .output()
        .expect("the joinedup binary starts");
    assert!(run.status.success(), "joinedup run --report failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let page = results.join("report.html");
    let html = std::fs::read_to_string(&page).expect("report.html was written");
    let charts_in_page = html.matches("<figure class=\"chart\"").count();
    assert!(charts_in_page >= 21 + 3 + 8, "expected a chart per metric, wait and monthly series; found {charts_in_page}");

    let profile = tempfile::tempdir().expect("a temporary browser profile");
    let dom = chromium(&browser, profile.path(), &page, &["--dump-dom"]);
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

    let screenshot = out.join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = chromium(&browser, profile.path(), &page, &[&format!("--screenshot={}", screenshot.display()), "--window-size=1280,4000"]);
    let messages = console_messages(&shot.stderr);
    assert!(messages.is_empty(), "the page logged to the console:\n{}", messages.join("\n"));
    let png = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG");
    let (width, height) = (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1280, 4000), "the screenshot has the window's size");
    eprintln!("report and screenshot kept in {}", out.display());
}
