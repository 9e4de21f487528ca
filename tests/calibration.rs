//! `joinedup calibrate` on the default county: the status quo must land inside the accepted
//! range of every published pattern (docs/ODD.md, "Patterns").

use std::process::Command;

#[test]
fn the_status_quo_reproduces_the_published_patterns() {
    let output = Command::new(env!("CARGO_BIN_EXE_joinedup"))
        // The scenario's own replications: calibration is claimed for the default run.
        .args(["calibrate"])
        .output()
        .expect("the joinedup binary starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let verdicts: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|line| {
            let verdict = if line.starts_with("pass  ") {
                "pass"
            } else if line.starts_with("FAIL  ") {
                "FAIL"
            } else {
                return None;
            };
            let name = line[6..].split("  model").next().unwrap_or("").trim();
            Some((verdict, name))
        })
        .collect();
    assert_eq!(verdicts.len(), 14, "calibrate should report all 14 patterns:\n{stdout}");
    for (verdict, name) in &verdicts {
        assert_eq!(*verdict, "pass", "pattern `{name}`:\n{stdout}");
    }
    // The exit code follows the verdicts: 0 when every pattern is inside its range.
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}
