#!/usr/bin/env bash
# Runs the cargo-fuzz targets (not part of CI): number parsing and CSV import.
#   scripts/fuzz.sh [seconds per target, default 300]
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the installed stable toolchain take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-300}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in parse_number import_csv; do
  mkdir -p "corpus/$target" artifacts
  echo "== $target for ${secs}s"
  cargo fuzz run "$target" "corpus/$target" "corpus-seed/$target" -- \
    -max_total_time="$secs" -max_len=4096 -print_final_stats=1 2>&1 | tee "/tmp/fuzz-$target.log" | grep -E 'stat::|CRASH|panicked|ERROR|SUMMARY' || true
done
