#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that take outside input, with libFuzzer on the stable toolchain.
#
#   scripts/fuzz.sh --list              the targets, one a line
#   scripts/fuzz.sh TARGET SECONDS      build, then fuzz one target for SECONDS (0: replay the corpus only)
#   scripts/fuzz.sh --smoke SECONDS     every target in turn for SECONDS (CI)
#   scripts/fuzz.sh --seeds             remake the committed seed corpus (fuzz/corpus/) with the project's encoders
#
# Stable rustc has no -Zsanitizer, but its LLVM has the SanitizerCoverage pass: -Cpasses=sancov-module with the
# counters, PC table and comparison tracing that libFuzzer reads, and libfuzzer-sys builds libFuzzer itself (C++).
# No AddressSanitizer is needed for safe Rust; panics, overflow checks and debug assertions abort the run, and
# libFuzzer's -rss_limit_mb and -timeout catch runaway memory and time.
#
# A finding is written to fuzz/artifacts/TARGET/; the run exits non-zero. New inputs go to
# ${BLANKETT_FUZZ_WORK:-fuzz/work}/TARGET (not committed); fuzz/corpus/TARGET holds the small seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(decode_pdf decode_tiff decode_image dataqr_payload page_stamp multipart form_definition csv)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/fuzz/target}"
WORK="${BLANKETT_FUZZ_WORK:-$PWD/fuzz/work}"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"

build() {
    # --target keeps build scripts and proc macros out of the instrumentation (they run on the host).
    RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
        cargo build --release --manifest-path fuzz/Cargo.toml --target "$TRIPLE" --bins "$@"
}

run() {
    local target=$1 seconds=$2
    local bin="$CARGO_TARGET_DIR/$TRIPLE/release/$target"
    mkdir -p "$WORK/$target" "fuzz/artifacts/$target"
    # Inputs that once found a fault are read at every start, in this build with overflow checks on.
    local dirs=("$WORK/$target" "fuzz/corpus/$target")
    [ -d "fuzz/regressions/$target" ] && dirs+=("fuzz/regressions/$target")
    local args=(-rss_limit_mb=2048 -timeout=20 -max_len=262144 -print_final_stats=1
        "-artifact_prefix=fuzz/artifacts/$target/")
    if [ "$seconds" = 0 ]; then
        "$bin" "${args[@]}" -runs=0 "${dirs[@]}"
    else
        "$bin" "${args[@]}" -max_total_time="$seconds" "${dirs[@]}"
    fi
}

seeds() {
    rm -rf fuzz/corpus && mkdir -p fuzz/corpus
    BLANKETT_FUZZ_SEEDS="$PWD/fuzz/corpus" cargo test --release --features synth --test decode -q >/dev/null
    cargo run --release --example fuzz_seeds -q -- fuzz/corpus
    mkdir -p fuzz/corpus/form_definition fuzz/corpus/csv
    cp forms/*.toml fuzz/corpus/form_definition/
    for f in data/*.csv; do head -n 12 "$f" >"fuzz/corpus/csv/$(basename "$f")"; done
    # Small, so that the repository stays small: libFuzzer grows the rest from them.
    find fuzz/corpus -type f -size +16k -delete
    find fuzz/corpus -type f \( -name 'damaged-*' -o -name 'cut-*' \) | sort | awk 'NR % 6 != 1' | xargs -r rm
    du -sh fuzz/corpus/*
}

case "${1:-}" in
    --list) printf '%s\n' "${TARGETS[@]}" ;;
    --seeds) seeds ;;
    --smoke)
        build
        for t in "${TARGETS[@]}"; do run "$t" "${2:-5}"; done
        ;;
    "" | -h | --help) sed -n '2,8p' "$0"; exit 2 ;;
    *)
        target=$1 seconds=${2:?"scripts/fuzz.sh TARGET SECONDS"}
        printf '%s\n' "${TARGETS[@]}" | grep -qx "$target" || { echo "fuzz.sh: unknown target $target" >&2; exit 2; }
        build --bin "$target"
        run "$target" "$seconds"
        ;;
esac
