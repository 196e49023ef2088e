#!/bin/bash
# What signing costs: `sohoa process` on one batch, unsigned and signed
# (an RSA 2048 key made here with openssl, PEM), three times each,
# alternating, two OCR threads. Prints the wall time of each run.
#
#   bench/sign.sh [BATCH_DIR]     (default: examples/sample-batch)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
batch="${1:-$here/examples/sample-batch}"
bin="${SOHOA_BIN:-$here/target/release/sohoa}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 30 \
  -subj "/CN=Bench" -addext keyUsage=critical,digitalSignature,nonRepudiation 2>/dev/null
for mode in unsigned signed unsigned signed unsigned signed; do
  flags=()
  [ "$mode" = signed ] && flags=(--sign-key k.pem --sign-cert c.pem)
  /usr/bin/time -f %e -o t "$bin" process "$batch" --store "$work/store-$mode-$RANDOM" \
    --threads 2 "${flags[@]}" >/dev/null 2>err || { cat err; exit 1; }
  echo "$mode $(cat t) s"
done
