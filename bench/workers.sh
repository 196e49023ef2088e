#!/usr/bin/env bash
# Benchmark (not a test): queue throughput of sohoa-worker on this machine.
#  - batches per hour and pages per second with 1 worker (OCR threads = cores)
#    and with 2 workers (OCR threads = cores / 2 each), on the same run of batches;
#  - time from `sohoa submit` to the batch's record (the batch.digitised event
#    follows the record within milliseconds) for a 10-page batch, idle worker.
# Talks only to 127.0.0.1: RabbitMQ on 5672 and an s3s-fs it starts itself.
#
#   bench/workers.sh [SAMPLES_DIR] [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-../shared/samples}
copies=${2:-2}
export PATH="$HOME/.cargo/bin:$PATH"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release --quiet --workspace --bins --examples
bin=target/release
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3"
s3s-fs --host 127.0.0.1 --port "$port" --access-key bench --secret-key bench-secret "$work/s3" >/dev/null 2>&1 &
pids+=($!)
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
export SOHOA_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f
cores=$(nproc)
batches=()
for d in "$samples"/*/; do [ -f "$d/truth.json" ] && batches+=("${d%/}"); done
pages_per_round=0
for b in "${batches[@]}"; do
  pages_per_round=$((pages_per_round + $(python3 -c "import json; print(json.load(open('$b/truth.json'))['num_pages'])")))
done

records() { find "$work/s3/$1/cases" -name '*.json' 2>/dev/null | wc -l; }

# Wait until bucket $1 holds $2 records; give up after 600 s (a refused batch never records).
wait_records() {
  local deadline=$((SECONDS + 600))
  while [ "$(records "$1")" -lt "$2" ]; do
    if ((SECONDS > deadline)); then echo "workers.sh: timed out waiting for $2 records in $1" >&2; exit 1; fi
    sleep "${3:-0.2}"
  done
}

start_workers() { # bucket queue n threads
  for i in $(seq 1 "$3"); do
    SOHOA_LOG=warn "$bin/sohoa-worker" --store "s3://$1" --queue "$2" --events-exchange "$2.events" \
      --ocr-threads "$4" --metrics-listen off 2>>"$work/worker.log" &
    pids+=($!)
  done
  sleep 2
}

stop_workers() { for p in "${pids[@]:1}"; do kill -TERM "$p" 2>/dev/null || true; done; wait "${pids[@]:1}" 2>/dev/null || true; pids=("${pids[0]}"); }

run() { # label workers threads
  local bucket="bench-$2w-$RANDOM" queue="bench.$2w.$RANDOM.batches" n=0
  start_workers "$bucket" "$queue" "$2" "$3"
  local t0; t0=$(date +%s.%N)
  for c in $(seq 1 "$copies"); do
    for b in "${batches[@]}"; do
      local extra=()
      case_code=$(python3 -c "import json; t=json.load(open('$b/truth.json')); print(t['case_code'] if t['receipt_position']=='none' else '')")
      [ -n "$case_code" ] && extra=(--case "$case_code")
      "$bin/sohoa" submit "$b" --store "s3://$bucket" --queue "$queue" --batch-id "$(basename "$b")-$c" "${extra[@]}" >/dev/null 2>>"$work/submit.log"
      n=$((n + 1))
    done
  done
  wait_records "$bucket" "$n"
  local t1; t1=$(date +%s.%N)
  stop_workers
  local secs pages
  secs=$(awk "BEGIN{print $t1 - $t0}")
  pages=$((pages_per_round * copies))
  printf "| %s | %d | %d | %d | %.1f | %.0f | %.2f |\n" "$1" "$2" "$3" "$n" "$secs" "$(awk "BEGIN{print $n * 3600 / $secs}")" "$(awk "BEGIN{print $pages / $secs}")"
}

echo "Machine: $cores cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "Batches: ${#batches[@]} sample batches x $copies copies ($((pages_per_round * copies)) pages)"
echo
echo "| setup | workers | OCR threads each | batches | seconds | batches/hour | pages/s |"
echo "|---|---|---|---|---|---|---|"
run "1 worker" 1 "$cores"
run "2 workers" 2 $((cores / 2 > 0 ? cores / 2 : 1))

# Latency: a 10-page batch (the first 10 pages of the samples, as PNG files).
cargo run --release --quiet --example pages -- "$work/pages" "${batches[@]}"
mkdir -p "$work/ten"
ls "$work/pages"/*.png | head -10 | while read -r f; do cp "$f" "$work/ten/"; done
bucket="bench-lat-$RANDOM"; queue="bench.lat.$RANDOM.batches"
start_workers "$bucket" "$queue" 1 "$cores"
lat=()
for i in 1 2 3; do
  t0=$(date +%s.%N)
  "$bin/sohoa" submit "$work/ten" --store "s3://$bucket" --queue "$queue" --batch-id "ten-$i" \
    >/dev/null 2>>"$work/submit.log"
  wait_records "$bucket" "$i" 0.05
  t1=$(date +%s.%N)
  lat+=("$(awk "BEGIN{print $t1 - $t0}")")
done
stop_workers
echo
echo "Submit → record for a 10-page batch (idle worker, $cores OCR threads): ${lat[*]} s (3 runs)"
