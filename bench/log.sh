#!/bin/sh
# The transparency log at scale: append N leaves (default 100 000) in
# sequencer steps of STEP (default 1000) to a local store, audit them with
# `sohoa verify`'s code, print the times and proof sizes
# (examples/log_bench.rs). The store goes to /dev/shm when there is one
# (every local write is fsynced; this measures the log, not the disk).
#   bench/log.sh [N] [STEP]
set -eu
cd "$(dirname "$0")/.."
N=${1:-100000}
STEP=${2:-1000}
base=/tmp
[ -d /dev/shm ] && base=/dev/shm
dir=$(mktemp -d "$base/sohoa-log-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cargo build --release --example log_bench >/dev/null 2>&1 || cargo build --release --example log_bench
target/release/examples/log_bench "$dir/store" "$N" "$STEP"
echo "store: $(du -sh "$dir/store" | cut -f1), $(find "$dir/store/log" -type f | wc -l) log objects"
