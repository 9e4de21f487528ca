#!/usr/bin/env bash
# The project's test command (see README.md, "Testing").
#
# Installs what the tests need, then runs them. Today the tests need nothing beyond a Rust
# toolchain (cargo, rustc 1.85 or later), so the install step only checks that one is there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install Rust 1.85 or later from https://rustup.rs" >&2
    exit 1
fi

cargo test "$@"
