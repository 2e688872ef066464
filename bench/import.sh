#!/usr/bin/env bash
# Measures `sigillo registry import` on SQLite and PostgreSQL: rows/s and peak RSS.
# Usage: bench/import.sh [ROWS]   (default 1,000,000). Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
out="bench/out"
mkdir -p "$out"
export PGOPTIONS="--client-min-messages=warning"
pg_url="${SIGILLO_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/sigillo_bench}"

cargo build --release --locked -q
bin=./target/release/sigillo
csv="$out/registry-$rows.csv"
if [ ! -f "$csv" ]; then
  echo "generating $rows rows..." >&2
  SIGILLO_DATA_DIR="$out" "$bin" demo csv --count "$rows" --output "$csv"
fi
echo "file: $csv ($(du -h "$csv" | cut -f1))"

measure() { # name, then env assignments for the import
  local name="$1"; shift
  local log="$out/time-$name.txt"
  env "$@" /usr/bin/time -v "$bin" registry import "$csv" >"$out/stdout-$name.txt" 2>"$log"
  local secs rss
  secs=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  printf '%-10s %s  %8.1f s  %9.0f rows/s  peak RSS %d MiB\n' "$name" "$(cat "$out/stdout-$name.txt")" "$secs" \
    "$(awk -v r="$rows" -v s="$secs" 'BEGIN { print r / s }')" "$((rss / 1024))"
}

rm -rf "$out/sqlite" && mkdir -p "$out/sqlite"
measure sqlite SIGILLO_DATA_DIR="$out/sqlite"

if psql -h 127.0.0.1 -U postgres -d test -qc 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d test -qc 'drop database if exists sigillo_bench' -c 'create database sigillo_bench'
  measure postgres SIGILLO_DATA_DIR="$out" SIGILLO_DATABASE_URL="$pg_url"
  psql -h 127.0.0.1 -U postgres -d test -qc 'drop database if exists sigillo_bench'
else
  echo "postgres: skipped (no server at 127.0.0.1:5432)"
fi
