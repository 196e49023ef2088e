#!/usr/bin/env bash
# Benchmark (not a test): the web page at 100 000 documents.
#
#   bench/web.sh [DOCUMENTS]
#
# Fills a search index of DOCUMENTS (default 100 000) synthetic documents
# with bench/index.sh's generator, in a database of its own on the
# PostgreSQL at 127.0.0.1:5432 (SOHOA_BENCH_POSTGRES to use another
# server), stores the records of one batch in 50 in a temporary local
# store, serves the page in-process and prints the p50/p95 time of 200
# search pages of each kind, 200 case pages and 200 review-queue pages of
# each kind (flagged; under 80 %), fetched over HTTP as a
# signed-in officer (examples/web_bench.rs). The issue's goal: p95 under
# 300 ms. The database is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
documents=${1:-100000}
server=${SOHOA_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
db=sohoa_webbench_$$
psql -q "$server/postgres" -c "CREATE DATABASE $db"
trap 'psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
cargo run --release -q --example web_bench -- "$server/$db" "$documents"
