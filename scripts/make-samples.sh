#!/usr/bin/env bash
# Renders one sample PDF of each form into samples/forms/ (supplements after a klinisk anmälan, as they print).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
mkdir -p samples/forms
bin=target/release/blankett
for form in $($bin forms | cut -f1); do
  case "$form" in
    tillagg-*) $bin print --form klinisk --supplement "$form" --region 01 --count 1 --data "$data" --out "samples/forms/$form.pdf" >/dev/null ;;
    *) $bin print --form "$form" --region 01 --count 1 --data "$data" --out "samples/forms/$form.pdf" >/dev/null ;;
  esac
done
ls -l samples/forms
