//! Helpers shared by the tests that open joinedup's pages in a real browser
//! (`report_browser.rs`, `serve_browser.rs`): finding Chromium, skipping loudly when told to,
//! the flags every headless run needs, and where screenshots are kept.

use std::path::{Path, PathBuf};

/// The flags of every headless run: no sandbox (the tests run as root in CI), no GPU, and
/// nothing that reaches out to the network or asks a first-run question.
pub const HEADLESS_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
];

/// Chromium: `JOINEDUP_CHROMIUM` if set, else `chromium` or `chromium-browser` on the PATH.
fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("JOINEDUP_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name))).find(|c| c.is_file())
}

/// Chromium, or `None` when JOINEDUP_SKIP_BROWSER=1 says to skip `test` (loudly, saying that
/// `unchecked` was not checked); without either, the test fails.
pub fn chromium_or_skip(test: &str, unchecked: &str) -> Option<PathBuf> {
    if let Some(browser) = find_chromium() {
        return Some(browser);
    }
    if std::env::var("JOINEDUP_SKIP_BROWSER").as_deref() == Ok("1") {
        let banner = "*".repeat(76);
        eprintln!(
            "\n{banner}\n* SKIPPED: {test} (JOINEDUP_SKIP_BROWSER=1 is set).\n* Nothing checked {unchecked}. Run .ci/test.sh to do so.\n{banner}\n"
        );
        return None;
    }
    panic!(
        "chromium is not installed, so {test} cannot run. Run .ci/test.sh (it installs Debian's chromium), or `apt-get install chromium`, or set JOINEDUP_SKIP_BROWSER=1 to skip it knowingly."
    );
}

/// Where a test's screenshots and pages are kept after it: `target/test-output/<name>/`.
pub fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("the target folder").join("test-output").join(name);
    std::fs::create_dir_all(&dir).expect("create the test output folder");
    dir
}
