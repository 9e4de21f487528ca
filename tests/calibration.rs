//! `joinedup calibrate` on the default county: the status quo must land inside the accepted
//! range of every published pattern (docs/ODD.md, "Patterns"), except the gaps listed below.

use std::process::Command;

/// Patterns the model does not yet reproduce reliably, each explained in docs/ODD.md ("Known
/// limitations"); their verdict is reported but not asserted. Every other pattern must pass.
/// The county's CAMHS runs so close to capacity that its queue is bistable: in some
/// replications a waiting list builds up, in others it does not, so the median wait and the
/// share turned away are not reproduced together (docs/ODD.md, "Known limitations").
const KNOWN_GAPS: &[&str] = &["CAMHS referrals turned away", "CAMHS wait to assessment (median)"];

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
    for (verdict, name) in verdicts.iter().filter(|(_, name)| !KNOWN_GAPS.contains(name)) {
        assert_eq!(*verdict, "pass", "pattern `{name}`:\n{stdout}");
    }
    for gap in KNOWN_GAPS {
        assert!(verdicts.iter().any(|(_, name)| name == gap), "known gap `{gap}` is no longer a pattern; remove it");
    }
    // The exit code follows the verdicts: 1 when any pattern is outside its range.
    let any_failed = verdicts.iter().any(|(v, _)| *v == "FAIL");
    assert_eq!(output.status.code(), Some(if any_failed { 1 } else { 0 }), "{}", String::from_utf8_lossy(&output.stderr));
}
