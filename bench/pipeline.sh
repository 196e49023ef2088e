#!/usr/bin/env bash
# Benchmark (not a test): pages per second of `sohoa process` over sample
# batches with 1 and 2 OCR threads, beside a plain loop of the `tesseract`
# command over the same page images (one process per page, OMP_THREAD_LIMIT=1,
# as many in parallel as OCR threads), and peak resident memory.
#
#   bench/pipeline.sh [SAMPLES_DIR] [REPEATS]
#
# Default SAMPLES_DIR: ../shared/samples; REPEATS: 3 (medians are reported).
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-../shared/samples}
repeats=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin sohoa --example pages
bin=target/release/sohoa
batches=()
for d in "$samples"/*/; do [ -f "$d/truth.json" ] && batches+=("${d%/}"); done
cargo run --release --quiet --example pages -- "$work/pages" "${batches[@]}"
pages=$(ls "$work/pages" | wc -l)

# seconds and peak RSS (KiB) of a command, via GNU time
measure() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; cat "$work/t"; }

sohoa_run() { # threads
  local store="$work/store-$RANDOM"
  local total=0 peak=0
  for b in "${batches[@]}"; do
    local extra=()
    if python3 -c "import json,sys; sys.exit(0 if json.load(open('$b/truth.json'))['receipt_position']=='none' else 1)"; then
      extra=(--case "$(python3 -c "import json; print(json.load(open('$b/truth.json'))['case_code'])")")
    fi
    read -r s m < <(measure env OMP_THREAD_LIMIT=1 "$bin" process "$b" --store "$store" --threads "$1" "${extra[@]}")
    total=$(awk "BEGIN{print $total + $s}"); ((m > peak)) && peak=$m
  done
  rm -rf "$store"
  echo "$total $peak"
}

tesseract_run() { # parallel
  local t0 t1
  t0=$(date +%s.%N)
  ls "$work/pages"/*.png | OMP_THREAD_LIMIT=1 xargs -P "$1" -I{} sh -c 'tesseract "$1" "$1" -l vie >/dev/null 2>&1' _ {}
  t1=$(date +%s.%N)
  local peak
  peak=$( { /usr/bin/time -f "%M" env OMP_THREAD_LIMIT=1 tesseract "$(ls "$work/pages"/*.png | head -1)" - -l vie >/dev/null; } 2>&1 | tail -1)
  echo "$(awk "BEGIN{print $t1 - $t0}") $peak"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A secs mem
for ((r = 1; r <= repeats; r++)); do
  for tool in sohoa:1 tesseract:1 sohoa:2 tesseract:2; do
    name=${tool%:*}; n=${tool#*:}
    read -r s m < <(${name}_run "$n")
    secs[$tool]+="$s "; mem[$tool]=$(( ${mem[$tool]:-0} > m ? ${mem[$tool]:-0} : m ))
    echo "run $r $tool: ${s}s" >&2
  done
done

echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "Pages: $pages from ${#batches[@]} batches in $samples; median of $repeats runs"
echo
echo "| tool | threads | seconds | pages/s | peak RSS (MiB) |"
echo "|---|---|---|---|---|"
for tool in sohoa:1 sohoa:2 tesseract:1 tesseract:2; do
  s=$(echo "${secs[$tool]}" | tr ' ' '\n' | grep . | median)
  label=${tool%:*}; [ "$label" = tesseract ] && label="tesseract CLI loop"
  printf "| %s | %s | %.1f | %.2f | %d |\n" "$label" "${tool#*:}" "$s" "$(awk "BEGIN{print $pages / $s}")" $(( ${mem[$tool]} / 1024 ))
done
echo
echo "sohoa includes decode, blank/QR/orientation/skew, split, classify, PDF render, SHA-256 and store;"
echo "tesseract's RSS is one process (it runs one per page)."
