#!/usr/bin/env bash
# Benchmark (not a test): sohoa beside the two usual alternatives on the same
# pages, in the same run, interleaved and repeated:
#   1. a plain loop of the `tesseract` command (one process per page PNG, -l vie,
#      OMP_THREAD_LIMIT=1, `nproc` in parallel);
#   2. OCRmyPDF 17 (from PyPI into bench/.venv) on one PDF per batch made
#      losslessly from the same PNGs with img2pdf, `-l vie --jobs $(nproc)`, once
#      with its defaults and once with --rotate-pages --deskew;
#   3. `sohoa process` on the original scan files, `--threads $(nproc)`.
# Reports pages/s, peak memory, output bytes per page, character error rate
# against truth.json (all pages, and pages scanned upside down), and sohoa's
# case-code / document split and type accuracy, as a markdown table.
#
#   bench/compare.sh [--samples DIR] [--repeats N] [--report FILE] [--keep]
#
# --samples (or a bare DIR): a folder of batch folders each with truth.json
#   (default ../shared/samples from the repo root); --repeats: default $REPEATS or 3
#   (medians reported); --report: default bench/report.md; --keep: keep the work
#   folder (PNGs, outputs, logs). NO_BUILD=1 uses the binaries already in target/.
# Installs what it lacks: Debian packages time, tesseract-ocr(-vie), ghostscript
# (apt-get, as root), and bench/.venv with ocrmypdf>=17,<18 and img2pdf (pip).
set -euo pipefail
cd "$(dirname "$0")/.."

samples=../shared/samples
repeats=${REPEATS:-3}
report=bench/report.md
keep=0
while (($#)); do
  case $1 in
    --samples | --pages-dir) samples=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) samples=$1; shift ;;
  esac
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: bad repeat count '$repeats'" >&2; exit 2; }
jobs=$(nproc)
log() { echo "[compare $(date +%H:%M:%S)] $*" >&2; }

# ------------------------------------------------------------------ tools
apt_updated=0
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install $*"
  if ! apt-get install -y -qq "$@" >/dev/null 2>&1; then
    ((apt_updated)) || { apt-get update -qq >/dev/null; apt_updated=1; }
    apt-get install -y -qq "$@" >/dev/null
  fi
}
[ -x /usr/bin/time ] || apt_install time
command -v tesseract >/dev/null || apt_install tesseract-ocr
tesseract --list-langs 2>/dev/null | grep -qx vie || apt_install tesseract-ocr-vie
command -v gs >/dev/null || apt_install ghostscript

venv=bench/.venv
ocrmypdf=$venv/bin/ocrmypdf
img2pdf=$venv/bin/img2pdf
ocrmypdf_source="PyPI, in $venv"
venv_ok() { [[ $("$ocrmypdf" --version 2>/dev/null) == 17.* ]] && "$img2pdf" --version >/dev/null 2>&1; }
if ! venv_ok; then
  log "installing ocrmypdf>=17,<18 and img2pdf into $venv"
  rm -rf "$venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check 'ocrmypdf>=17,<18' img2pdf && venv_ok; }; then
    log "OCRmyPDF 17 could not be installed from PyPI; falling back to Debian's ocrmypdf"
    apt_install ocrmypdf img2pdf
    ocrmypdf=$(command -v ocrmypdf)
    img2pdf=$(command -v img2pdf)
    ocrmypdf_source="Debian package: OCRmyPDF 17 from PyPI could not be installed"
  fi
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  log "cargo build --release"
  cargo build --release --quiet --bin sohoa --example pages
fi
sohoa=$PWD/target/release/sohoa
pagesbin=$PWD/target/release/examples/pages
[ -x "$sohoa" ] && [ -x "$pagesbin" ] || { echo "compare.sh: build target/release/sohoa and examples/pages first" >&2; exit 1; }

# ------------------------------------------------------------------ input
batches=()
for d in "$samples"/*/; do [ -f "$d/truth.json" ] && batches+=("$(cd "$d" && pwd)"); done
((${#batches[@]})) || { echo "compare.sh: no batch with truth.json in $samples" >&2; exit 1; }

work=$(mktemp -d /tmp/sohoa-compare.XXXXXX)
if ((keep)); then log "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/out" "$work/run"

log "writing page PNGs of ${#batches[@]} batches"
"$pagesbin" "$work/pages" "${batches[@]}"
python3 bench/compare.py pages "$work" "${batches[@]}"
for b in "${batches[@]}"; do
  name=$(basename "$b")
  files=()
  while read -r stem; do files+=("$work/pages/$stem.png"); done <"$work/in/$name.list"
  "$img2pdf" "${files[@]}" --output "$work/in/$name.pdf"
done
pages=$(wc -l <"$work/all.list")
log "$pages pages; $repeats repeats; $jobs jobs"

# ------------------------------------------------------------------ measuring
# measure OUT ERR CMD...: run CMD (stdout to OUT, stderr to ERR) under GNU time
# and a sampler of its process tree; sets m_secs, m_rss (KiB, largest single
# process) and m_pss (KiB, peak of the tree's summed PSS). A failing CMD ends
# the benchmark, unless may_fail=1 is set: then m_failed=1.
may_fail=0
measure() {
  local out=$1 err=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$out" 2>"$err" &
  local pid=$! rc=0
  python3 bench/compare.py sample "$pid" "$work/pss" &
  local spid=$!
  wait "$pid" || rc=$?
  wait "$spid" || true
  if ((rc)) && ((may_fail)); then
    m_failed=1
    return 0
  fi
  if ((rc)); then
    echo "compare.sh: failed ($rc): $*" >&2
    tail -20 "$err" >&2
    exit 1
  fi
  m_failed=0
  read -r m_secs m_rss < <(tail -1 "$work/time")
  m_pss=$(cat "$work/pss")
}

# run_TOOL DIR: one full pass over the set into DIR; sets r_secs r_rss r_pss
run_sohoa() {
  local dir=$1 b name case_code
  r_secs=0 r_rss=0 r_pss=0
  for b in "${batches[@]}"; do
    name=$(basename "$b")
    case_code=$(cat "$work/case/$name")
    may_fail=1 measure "$dir/$name.json" "$dir/$name.err" env OMP_THREAD_LIMIT=1 "$sohoa" process "$b" \
      --store "$dir/store" --threads "$jobs" --json ${case_code:+--case "$case_code"}
    if ((m_failed)) && [ -z "$case_code" ] && grep -q "no case code" "$dir/$name.err"; then
      # Refused for want of a case code: the station's remedy is to give it
      # with --case, as the error says. Both runs count in the time.
      echo "$name" >>"$dir/refused"
      log "$name refused (no case code); run again with --case"
      local first=$m_secs
      measure "$dir/$name.json" "$dir/$name.err" env OMP_THREAD_LIMIT=1 "$sohoa" process "$b" \
        --store "$dir/store" --threads "$jobs" --json --case "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["case_code"])' "$b/truth.json")"
      m_secs=$(awk "BEGIN{print $first + $m_secs}")
    elif ((m_failed)); then
      echo "compare.sh: sohoa failed on $name:" >&2
      tail -5 "$dir/$name.err" >&2
      exit 1
    fi
    accumulate
  done
}

run_tesseract() {
  local dir=$1
  r_secs=0 r_rss=0 r_pss=0
  measure /dev/null "$dir/tesseract.log" env OMP_THREAD_LIMIT=1 \
    xargs -a "$work/all.list" -P "$jobs" -I{} tesseract "$work/pages/{}.png" "$dir/{}" -l vie
  accumulate
}

run_ocrmypdf_with() { # DIR OCRMYPDF-OPTIONS...
  local dir=$1 b name
  shift
  r_secs=0 r_rss=0 r_pss=0
  for b in "${batches[@]}"; do
    name=$(basename "$b")
    measure /dev/null "$dir/$name.log" "$ocrmypdf" -l vie --jobs "$jobs" "$@" \
      --sidecar "$dir/$name.txt" "$work/in/$name.pdf" "$dir/$name.pdf"
    accumulate
  done
}
run_ocrmypdf() { run_ocrmypdf_with "$1"; }
run_ocrmypdf_rd() { run_ocrmypdf_with "$1" --rotate-pages --deskew; }

accumulate() {
  r_secs=$(awk "BEGIN{print $r_secs + $m_secs}")
  ((m_rss > r_rss)) && r_rss=$m_rss
  ((m_pss > r_pss)) && r_pss=$m_pss
  return 0
}

tools=(sohoa tesseract ocrmypdf ocrmypdf-rd)
: >"$work/runs.tsv"
cut -d' ' -f1 /proc/loadavg >"$work/load_start"
for ((r = 0; r < repeats; r++)); do
  for ((i = 0; i < ${#tools[@]}; i++)); do
    tool=${tools[(i + r) % ${#tools[@]}]}
    dir=$work/run/$tool
    rm -rf "$dir"
    mkdir -p "$dir"
    "run_${tool//-/_}" "$dir"
    printf "%s\t%d\t%s\t%s\t%s\n" "$tool" $((r + 1)) "$r_secs" "$r_rss" "$r_pss" >>"$work/runs.tsv"
    log "round $((r + 1))/$repeats $tool: ${r_secs} s, $((r_rss / 1024)) MiB one process, $((r_pss / 1024)) MiB tree"
    # keep the latest outputs of each tool for scoring
    rm -rf "$work/out/$tool"
    mv "$dir" "$work/out/$tool"
  done
done

# ------------------------------------------------------------------ report
log "scoring"
python3 bench/compare.py report "$work" --samples "$samples" --repeats "$repeats" --jobs "$jobs" \
  --report "$report" --sohoa "$sohoa" --ocrmypdf "$ocrmypdf" --ocrmypdf-source "$ocrmypdf_source" \
  --img2pdf "$img2pdf" "${batches[@]}"
log "report written to $report"
