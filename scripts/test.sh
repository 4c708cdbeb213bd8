#!/usr/bin/env bash
# Runs every check and test of blankett: the README's test command, and what CI runs.
# Installs the system packages it needs on Debian first (needs root or sudo the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
command -v cargo >/dev/null || { echo "test.sh: cargo is missing: install the Rust toolchain (rustup) first" >&2; exit 1; }
# Tesseract uses OpenMP; with more than one thread per engine small images get 3-10x slower.
export OMP_THREAD_LIMIT=1
cargo fmt --all -- --check
# The service as it ships (no generator, no trainer), then everything: tests, benches and probes need the
# synthetic scan generator (cargo feature `synth`).
cargo clippy --locked -- -D warnings
cargo clippy --all-targets --locked --features synth -- -D warnings
cargo test --locked --release --features synth
