#!/usr/bin/env bash
# Runs the whole test suite, first installing with apt-get whatever the tests need and the
# machine lacks. Safe to run again: every install step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

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
# readable text). Without chromium that test fails; JOINEDUP_SKIP_BROWSER=1 skips it instead.
if [[ "${JOINEDUP_SKIP_BROWSER:-}" != "1" ]]; then
    if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-dejavu-core >/dev/null 2>&1; then
        apt_install chromium fonts-dejavu-core
    fi
fi
# --- end report -----------------------------------------------------------------------------

cargo test
