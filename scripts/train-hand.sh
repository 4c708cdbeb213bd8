#!/usr/bin/env bash
# Trains the intake's handwriting classifiers on real people's digits (data/handwriting/, training part) and
# generated writing, and writes data/models/hand-v2.{bin,json,md} (general) and hand-v2-digits.{bin,json,md}.
# Deterministic for a seed on one machine (2 threads); about an hour in all on a 2-core machine.
#   scripts/train-hand.sh            # the committed models' settings, in three steps
#   scripts/train-hand.sh --seed 2   # any train_hand option overrides them (in every step)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Extra training shapes beyond install-deps' handwriting sources: outline fonts warped into block capitals.
extra=(fonts-dejavu-core fonts-dejavu-extra fonts-liberation2)
missing=()
for p in "${extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cargo build --release --locked --features synth --bin train_hand
train=target/release/train_hand
out=data/models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 1. The general model from scratch, 60 % of digit samples real.
$train --seed 1 --threads 2 --samples 600000 --epochs 6 --arch 16,32,64,128 --out "$tmp/base.bin" "$@"
# 2. Fine-tuned from it with more real digits and a lower learning rate.
$train --seed 2 --threads 2 --samples 400000 --epochs 3 --real-share 0.85 --lr 0.001 --init "$tmp/base.bin" \
  --out "$out/hand-v2.bin" "$@"
# 3. A digits-only model: the second opinion on unsure digit cells.
$train --seed 3 --threads 2 --samples 400000 --epochs 5 --real-share 0.85 --classes digits \
  --out "$out/hand-v2-digits.bin" "$@"
# 4. The record of the two together, as the intake reads.
$train --evaluate "$out/hand-v2.bin" --digits "$out/hand-v2-digits.bin" --val-fields 3000 \
  --out "$out/hand-v2-reader.bin" "$@"
