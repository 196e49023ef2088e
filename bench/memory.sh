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

echo
echo "## The same $pages pages through sohoa-worker (directory store, RabbitMQ on 127.0.0.1)"
# The worker reads the batch from the inbox the submit filled, one page at a
# time, as it does in production; peak RSS is its VmHWM when the batch is done.
queue="sohoa.bench.memory.$$"
amqp="amqp://guest:guest@127.0.0.1:5672/%2f"
metrics_port=$((20000 + $$ % 20000))
echo "| OCR threads | pages | seconds | worker peak RSS (MiB) |"
echo "|---|---|---|---|"
declare -A wrss
for t in 1 2; do
  rm -rf "$work/store"
  target/release/sohoa-worker --store "$work/store" --queue "$queue" --amqp "$amqp" --ocr-threads "$t" \
    --metrics-listen "127.0.0.1:$metrics_port" 2> "$work/worker.log" &
  wpid=$!
  until curl -sf "http://127.0.0.1:$metrics_port/healthz" > /dev/null; do sleep 0.2; done
  start=$(date +%s.%N)
  target/release/sohoa submit "$work/batch" --store "$work/store" --queue "$queue" --amqp "$amqp" \
    --batch-id "bench-memory-$t-$$" > /dev/null 2> "$work/err" || {
    cat "$work/err"
    kill "$wpid"
    exit 1
  }
  # Done when a batch is digitised or failed (bounded: 20 minutes).
  for _ in $(seq 6000); do
    done_count=$(curl -s "http://127.0.0.1:$metrics_port/metrics" |
      awk '/^sohoa_batches_(digitised|failed)_total/ {s += $2} END {print s + 0}')
    [ "$done_count" -ge 1 ] && break
    sleep 0.2
  done
  end=$(date +%s.%N)
  kib=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
  kill -TERM "$wpid"
  wait "$wpid" || true
  grep -q "digitised" "$work/worker.log" || {
    tail -5 "$work/worker.log"
    exit 1
  }
  wrss[$t]=$((kib / 1024))
  printf '| %s | %s | %.1f | %s |\n' "$t" "$n" "$(echo "$end - $start" | bc)" "${wrss[$t]}"
done
echo
echo "second OCR thread adds $((wrss[2] - wrss[1])) MiB to the worker"
rabbitmqctl -q delete_queue "$queue" > /dev/null 2>&1 || true
rabbitmqctl -q delete_queue "$queue.dead" > /dev/null 2>&1 || true
