#!/usr/bin/env bash
# Builds Sigillo, prepares its database with demo data, and serves it on http://127.0.0.1:8080
# (override with SIGILLO_LISTEN). Data lives in ./data (SIGILLO_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")"

export SIGILLO_DATA_DIR="${SIGILLO_DATA_DIR:-./data}"
export SIGILLO_DELIVERY="${SIGILLO_DELIVERY:-files}"

# The portal embeds Bootstrap Italia from node_modules at build time (crates/sigillo-web/build.rs):
# install the npm packages first, when missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if command -v npm >/dev/null 2>&1; then
    npm ci --no-audit --no-fund
  else
    echo "run.sh: npm not found: the portal will be served without Bootstrap Italia" >&2
  fi
fi

cargo build --release --locked
./target/release/sigillo migrate
./target/release/sigillo demo seed
exec ./target/release/sigillo serve
