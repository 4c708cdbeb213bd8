#!/usr/bin/env bash
# Trains the intake's handwriting classifier from generated cells and writes data/models/hand-v1.{bin,json,md}.
# Deterministic for a seed on one machine (2 threads); about 15-25 minutes on a 2-core machine.
#   scripts/train-hand.sh            # the committed model's settings
#   scripts/train-hand.sh --seed 2   # any train_hand option overrides them
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
cargo build --release --locked --bin train_hand
exec target/release/train_hand --seed 1 --threads 2 --out data/models/hand-v1.bin "$@"
