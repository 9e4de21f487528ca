#!/usr/bin/env bash
# The project's test command (see README.md, "Testing").
#
# Installs what the tests need and the machine lacks (Debian's Slurm for the cluster test,
# Debian's Chromium for the report's browser test), then runs `cargo test`. Safe to run
# again: every install step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install Rust 1.88 or later from https://rustup.rs" >&2
    exit 1
fi

# Installs Debian packages (as root, or through sudo), updating the package lists once.
apt_updated=0
apt_install() {
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    if [[ $apt_updated -eq 0 ]]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

# --- report: headless Chromium for tests/report_browser.rs ---------------------------------
# The report test opens report.html in Debian's chromium (with a font, so the screenshot has
# readable text), and tests/serve_browser.rs drives the workbench page in it over DevTools.
# Without chromium those tests fail; JOINEDUP_SKIP_BROWSER=1 skips them instead.
if [[ "${JOINEDUP_SKIP_BROWSER:-}" != "1" ]]; then
    if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-dejavu-core >/dev/null 2>&1; then
        apt_install chromium fonts-dejavu-core
    fi
fi
# --- end report -----------------------------------------------------------------------------


# --- Slurm, for tests/slurm_cluster.rs (sweeps on a real single-node cluster) -------------
# Debian's packages, as shared/design/cluster.md describes; the test starts and stops the
# daemons itself. Needs root. Set JOINEDUP_SKIP_SLURM=1 to skip installing; the test then
# says loudly that it did not run (without that variable it fails when Slurm is missing).
if [ "${JOINEDUP_SKIP_SLURM:-}" != "1" ]; then
    if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 \
        || ! command -v sbatch >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
        if [ "$(id -u)" != "0" ]; then
            echo "error: the Slurm test needs slurmctld, slurmd, slurm-client and munge, and root to install them;" >&2
            echo "       run as root, or set JOINEDUP_SKIP_SLURM=1 to skip that test (loudly)." >&2
            exit 1
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            slurmctld slurmd slurm-client munge
    fi
fi
# --- end Slurm ------------------------------------------------------------------------------

cargo test "$@"
