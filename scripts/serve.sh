#!/usr/bin/env bash
# Builds blankett and starts the service on its embedded default: sled under ./var, no other server.
# Usage: scripts/serve.sh [--bind ADDR:PORT]   (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
command -v cargo >/dev/null || { echo "serve.sh: cargo is missing: install the Rust toolchain (rustup) first" >&2; exit 1; }
export OMP_THREAD_LIMIT=1
cargo build --release --locked
exec ./target/release/blankett serve --data "${BLANKETT_DATA:-var}" --bind "${BLANKETT_BIND:-127.0.0.1:8080}" "$@"
