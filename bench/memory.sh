#!/usr/bin/env bash
# Benchmark (not a test): peak memory on hostile files and on a long batch.
#
#   bench/memory.sh [PAGES]
#
# 1. The hostile-input catalogue (worker/tests/hostile/catalogue.rs) through
#    `sohoa process`, the worker and the API upload: runs the tests that
#    measure them and prints each file's peak RSS (real RabbitMQ on
#    127.0.0.1:5672 and s3s-fs, as the tests need).
# 2. A batch of PAGES (default 200) real pages: the example batch's receipt,
#    then its ID card (JPEG) and marital-status page (TIFF) over and over,
#    through `sohoa process` with 1 and with 2 OCR threads; peak RSS by GNU
#    time, and the growth per extra thread.
# The issue's goal: under 300 MB with one OCR thread on every hostile file
# and on the long batch; each further thread adds at most one page's
# working set. NO_BUILD=1 uses the binaries already in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-200}
[ "${NO_BUILD:-0}" = 1 ] || cargo build --release --workspace --tests -q

echo "## Hostile files: peak RSS (MiB)"
cargo test --release -q -p sohoa-worker --test hostile --test api hostile -- --nocapture --test-threads 1 2>/dev/null |
  grep -E "peak|highest" || true

echo
echo "## A batch of $pages real pages: sohoa process"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ex=examples/sample-batch
mkdir -p "$work/batch"
cp "$ex/scan_001.tif" "$work/batch/scan_0000.tif"
n=1
while ((n < pages)); do
  cp "$ex/scan_002.jpg" "$work/batch/scan_$(printf %04d $n).jpg"
  cp "$ex/scan_003.tif" "$work/batch/scan_$(printf %04d $((n + 1))).tif"
  n=$((n + 2))
done
echo "| OCR threads | pages | seconds | peak RSS (MiB) |"
echo "|---|---|---|---|"
declare -A rss
for t in 1 2; do
  rm -rf "$work/store"
  /usr/bin/time -f "%e %M" -o "$work/time" target/release/sohoa process "$work/batch" \
    --store "$work/store" --threads "$t" > /dev/null 2> "$work/err" || {
    cat "$work/err"
    exit 1
  }
  read -r secs kib < "$work/time"
  rss[$t]=$((kib / 1024))
  echo "| $t | $n | $secs | ${rss[$t]} |"
done
echo
echo "second OCR thread adds $((rss[2] - rss[1])) MiB"
