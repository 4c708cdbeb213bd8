#!/usr/bin/env bash
# Installs the Debian packages blankett needs to build, run and test.
# Idempotent: packages already present are skipped, so it is cheap to call before every run.
set -euo pipefail

packages=(
  # build: the tesseract crate runs bindgen (libclang) and links libtesseract/leptonica
  pkg-config clang libclang-dev libtesseract-dev libleptonica-dev
  # intake: OCR engine and language data, PDF rasteriser for non-scan PDFs
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-swe poppler-utils
  # test data: handwriting-like sources allowed by shared/README.md (never the reserved ones)
  fonts-dkg-handwriting fonts-humor-sans fonts-comic-neue hershey-fonts-data
  # typed values in generated test pages, and the outline fonts the trainer warps into capitals
  fonts-liberation2 fonts-dejavu-core fonts-dejavu-extra
  # browser tests and load measurement
  chromium chromium-driver wrk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
