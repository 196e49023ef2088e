#!/usr/bin/env bash
# Benchmark (not a test): the HTTP API (`sohoa serve`) on this machine.
#  - upload to digitised: the example batch uploaded with curl, one idle
#    worker, until GET /v1/batches/{id} says digitised (median of 3);
#  - downloads: a document PDF fetched N times one after another and with
#    8 at once (each request looks its token up in S3 and writes an
#    access-log entry to S3 before streaming);
#  - streaming a large document: a 256 MiB object under a record, downloaded
#    once; the server's peak memory before and after shows it is streamed;
#  - a fixity audit of the whole store (that object included).
# Talks only to 127.0.0.1: RabbitMQ on 5672 and an s3s-fs it starts itself.
#
#   bench/api.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
export PATH="$HOME/.cargo/bin:$PATH"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release --quiet --workspace --bins
bin=target/release
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
s3port=$(free_port)
apiport=$(free_port)
mkdir -p "$work/s3"
s3s-fs --host 127.0.0.1 --port "$s3port" --access-key bench --secret-key bench-secret "$work/s3" >/dev/null 2>&1 &
pids+=($!)
export AWS_ENDPOINT_URL=http://127.0.0.1:$s3port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret
export SOHOA_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f
bucket=apibench$RANDOM
queue=bench.api.$RANDOM.batches
store=s3://$bucket
sleep 1
station=$("$bin/sohoa" token add --name bench-station --role station --store "$store" 2>/dev/null | tail -1)
officer=$("$bin/sohoa" token add --name bench-officer --role officer --store "$store" 2>/dev/null | tail -1)
archivist=$("$bin/sohoa" token add --name bench-archivist --role archivist --store "$store" 2>/dev/null | tail -1)
SOHOA_LOG=warn "$bin/sohoa-worker" --store "$store" --queue "$queue" --events-exchange "$queue.events" --metrics-listen off 2>>"$work/worker.log" &
pids+=($!)
SOHOA_LOG=warn "$bin/sohoa" serve --listen "127.0.0.1:$apiport" --store "$store" --queue "$queue" 2>>"$work/api.log" &
api_pid=$!
pids+=($api_pid)
api=http://127.0.0.1:$apiport
for _ in $(seq 1 100); do curl -sf "$api/healthz" >/dev/null && break; sleep 0.2; done
sleep 2   # the worker declares its queue

echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "## Upload to digitised (examples/sample-batch, 3 files, 4 pages, 1 worker)"
times=()
for i in 1 2 3; do
  t0=$(date +%s.%N)
  id=$(curl -sf -H "Authorization: Bearer $station" -F batch_id="bench-$i" \
    -F file=@examples/sample-batch/scan_001.tif -F file=@examples/sample-batch/scan_002.jpg \
    -F file=@examples/sample-batch/scan_003.tif "$api/v1/batches" | python3 -c 'import json,sys; print(json.load(sys.stdin)["batch_id"])')
  t1=$(date +%s.%N)
  deadline=$((SECONDS + 300))
  until curl -sf -H "Authorization: Bearer $station" "$api/v1/batches/$id" | grep -q '"digitised"'; do
    ((SECONDS < deadline)) || { echo "api.sh: $id never digitised" >&2; cat "$work/worker.log" >&2; exit 1; }
    sleep 0.05
  done
  t2=$(date +%s.%N)
  times+=("$(awk "BEGIN{printf \"%.3f %.3f\", $t1 - $t0, $t2 - $t0}")")
done
printf '%s\n' "${times[@]}" | sort -k2 -n | sed -n 2p | awk '{printf "upload answered (202) in %.3f s; digitised %.3f s after the upload began (median of 3)\n", $1, $2}'

case_code=000.00.00.H56-221006-0012
doc=$(curl -sf -H "Authorization: Bearer $officer" "$api/v1/cases/$case_code" |
  python3 -c 'import json,sys; d=json.load(sys.stdin)["documents"]; print(max(d, key=lambda x: x["pdf"]["bytes"])["id"])')
url="$api/v1/cases/$case_code/documents/$doc/pdf"
size=$(curl -sf -H "Authorization: Bearer $officer" -o /dev/null -w '%{size_download}' "$url")
echo
echo "## Downloads ($doc.pdf, $size bytes, $n requests)"
t0=$(date +%s.%N)
for _ in $(seq 1 "$n"); do curl -sf -H "Authorization: Bearer $officer" -o /dev/null "$url"; done
t1=$(date +%s.%N)
awk "BEGIN{s=$t1-$t0; printf \"sequential: %.1f requests/s, %.1f ms each, %.1f MB/s\n\", $n/s, 1000*s/$n, $n*$size/s/1e6}"
t0=$(date +%s.%N)
seq 1 "$n" | xargs -P 8 -I{} curl -sf -H "Authorization: Bearer $officer" -o /dev/null "$url"
t1=$(date +%s.%N)
awk "BEGIN{s=$t1-$t0; printf \"8 at once:  %.1f requests/s, %.1f MB/s\n\", $n/s, $n*$size/s/1e6}"
logged=$("$bin/sohoa" access-log --store "$store" --case "$case_code" --json | grep -c '"document.pdf"')
echo "access-log entries for these downloads: $logged"


# The same downloads from a local-directory store: the API's own cost,
# without S3 round trips.
local_store=$work/local
"$bin/sohoa" process examples/sample-batch --store "$local_store" --batch-id bench-1 >/dev/null 2>&1
local_officer=$("$bin/sohoa" token add --name bench-officer --role officer --store "$local_store" 2>/dev/null | tail -1)
localport=$(free_port)
SOHOA_LOG=warn "$bin/sohoa" serve --listen "127.0.0.1:$localport" --store "$local_store" 2>>"$work/api.log" &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$localport/healthz" >/dev/null && break; sleep 0.2; done
local_url="http://127.0.0.1:$localport/v1/cases/$case_code/documents/$doc/pdf"
t0=$(date +%s.%N)
for _ in $(seq 1 "$n"); do curl -sf -H "Authorization: Bearer $local_officer" -o /dev/null "$local_url"; done
t1=$(date +%s.%N)
awk "BEGIN{s=$t1-$t0; printf \"local store, sequential: %.1f requests/s, %.1f ms each\n\", $n/s, 1000*s/$n}"

echo
echo "## Streaming a 256 MiB document"
big=$work/big.pdf
head -c $((256 << 20)) /dev/urandom > "$big"
sha=$(sha256sum "$big" | cut -d' ' -f1)
bytes=$(stat -c %s "$big")
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "bench:bench-secret" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -T "$big" "$AWS_ENDPOINT_URL/$bucket/documents/$sha.pdf"
record=$(find "$work/s3/$bucket/cases" -name 'bench-1.json' | head -1)
python3 - "$record" "$sha" "$bytes" > "$work/bbig.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["batch_id"] = "bbig"
d = r["documents"][0]
d["id"] = "bbig-d01"
d["pdf"] = {"key": f"documents/{sys.argv[2]}.pdf", "sha256": sys.argv[2], "bytes": int(sys.argv[3])}
r["documents"] = [d]
print(json.dumps(r))
PY
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "bench:bench-secret" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -T "$work/bbig.json" "$AWS_ENDPOINT_URL/$bucket/cases/$case_code/bbig.json"
hwm() { awk '/VmHWM/{print $2}' "/proc/$api_pid/status"; }
before=$(hwm)
t0=$(date +%s.%N)
got=$(curl -sf -H "Authorization: Bearer $officer" "$api/v1/cases/$case_code/documents/bbig-d01/pdf" | sha256sum | cut -d' ' -f1)
t1=$(date +%s.%N)
after=$(hwm)
[ "$got" = "$sha" ] || { echo "api.sh: the large download does not match its hash" >&2; exit 1; }
awk "BEGIN{s=$t1-$t0; printf \"%d MiB in %.2f s (%.0f MB/s), hash verified by the server and by this script\n\", $bytes/1048576, s, $bytes/s/1e6}"
echo "server peak RSS: $((before / 1024)) MiB before, $((after / 1024)) MiB after"

# A case with many small documents, for the audit's objects/s: 1000
# synthetic documents (a 4 KiB PDF and text each, 2000 objects) under one record.
many=$work/many
mkdir -p "$many"
python3 - "$many" "$record" > "$work/bmany.json" <<'PY'
import hashlib, json, os, sys
out, rec = sys.argv[1], json.load(open(sys.argv[2]))
rec["batch_id"] = "bmany"
template = rec["documents"][0]
docs = []
for i in range(1000):
    d = json.loads(json.dumps(template))
    d["id"] = f"bmany-d{i + 1:04d}"
    for kind, ext, folder in (("pdf", "pdf", "documents"), ("text", "txt", "text")):
        data = os.urandom(4096)
        sha = hashlib.sha256(data).hexdigest()
        name = f"{folder}/{sha}.{ext}"
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        open(os.path.join(out, name), "wb").write(data)
        d[kind] = {"key": name, "sha256": sha, "bytes": len(data)}
    docs.append(d)
rec["documents"] = docs
print(json.dumps(rec))
PY
(cd "$many" && find . -type f | sed 's|^\./||') | xargs -P 4 -I{} curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "bench:bench-secret" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$many/{}" "$AWS_ENDPOINT_URL/$bucket/{}"
curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "bench:bench-secret" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -T "$work/bmany.json" "$AWS_ENDPOINT_URL/$bucket/cases/$case_code/bmany.json"

echo
echo "## Fixity audit of the whole store (2000 small synthetic objects and the 256 MiB one included)"
t0=$(date +%s.%N)
audit=$(curl -sf -H "Authorization: Bearer $archivist" -d '{}' "$api/v1/audits" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
deadline=$((SECONDS + 600))
until curl -sf -H "Authorization: Bearer $archivist" "$api/v1/audits/$audit" > "$work/audit.json" && grep -q '"complete"' "$work/audit.json"; do
  ((SECONDS < deadline)) || { echo "api.sh: audit $audit never finished" >&2; exit 1; }
  sleep 0.1
done
t1=$(date +%s.%N)
python3 - "$work/audit.json" "$t0" "$t1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = float(sys.argv[3]) - float(sys.argv[2])
print(f"{r['records']} records, {r['objects']} objects ({r['ok']} ok, {r['mismatched']} mismatched, "
      f"{r['missing']} missing, {r['unreadable']} unreadable) in {s:.2f} s: {r['objects'] / s:.0f} objects/s")
PY
echo "server peak RSS after the audit: $(($(hwm) / 1024)) MiB"
