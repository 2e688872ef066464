#!/usr/bin/env bash
# Builds Sigillo, prepares its database with demo data, and serves it on http://127.0.0.1:8080
# (override with SIGILLO_LISTEN). Data lives in ./data (SIGILLO_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")"

export SIGILLO_DATA_DIR="${SIGILLO_DATA_DIR:-./data}"
export SIGILLO_DELIVERY="${SIGILLO_DELIVERY:-files}"

cargo build --release --locked
./target/release/sigillo migrate
./target/release/sigillo demo seed
exec ./target/release/sigillo serve
