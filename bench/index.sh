#!/usr/bin/env bash
# Benchmark (not a test): the search index at 100 000 documents.
#
#   bench/index.sh [DOCUMENTS]
#
# Indexes DOCUMENTS (default 100 000) synthetic documents (ten to a batch
# record; texts of 150-600 words of administrative Vietnamese with a name,
# an ID number, a birth date and a parcel number) into a database of its
# own on the PostgreSQL at 127.0.0.1:5432 (SOHOA_BENCH_POSTGRES to use
# another server), then prints the index time, its size on disk and the
# p50/p95 latency of 200 queries of each kind (examples/index_bench.rs).
# The issue's goal: p95 under 50 ms for ID-number and name lookups and
# under 200 ms for full text. The database is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
documents=${1:-100000}
server=${SOHOA_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
db=sohoa_bench_$$
psql -q "$server/postgres" -c "CREATE DATABASE $db"
trap 'psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
cargo run --release -q --example index_bench -- "$server/$db" "$documents"
