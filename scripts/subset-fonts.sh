#!/usr/bin/env bash
# Regenerates the committed font subsets under data/fonts/ (maintainers only; the build does not run this).
# The forms print with Liberation Sans (SIL OFL 1.1), cut down to the Windows-1252 repertoire: the renderer embeds
# the subset as a simple TrueType font with WinAnsiEncoding, so every PDF reader maps the text without a CMap and
# the font program embedded in every form stays around 20 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pyftsubset >/dev/null || pip install fonttools
[ -d /usr/share/fonts/truetype/liberation2 ] || apt-get install -y fonts-liberation2
unicodes=$(python3 -c '
cps = sorted({ord(bytes([b]).decode("cp1252")) for b in range(0x20, 0x100) if b not in (0x7f, 0x81, 0x8d, 0x8f, 0x90, 0x9d)})
print(",".join("U+%04X" % c for c in cps))')
for style in Regular Bold; do
  pyftsubset "/usr/share/fonts/truetype/liberation2/LiberationSans-$style.ttf" \
    --unicodes="$unicodes" --layout-features='' --no-hinting --desubroutinize \
    --name-IDs='*' --output-file="data/fonts/LiberationSans-$style.subset.ttf"
done
cp /usr/share/doc/fonts-liberation2/copyright data/fonts/LICENSE.liberation 2>/dev/null || true
ls -l data/fonts
