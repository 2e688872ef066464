#!/usr/bin/env bash
# Runs every Sigillo test: unit tests, the backend conformance story and the integration tests,
# on SQLite and on PostgreSQL. Installs nothing by hand: what it needs, it sets up itself.
set -euo pipefail
cd "$(dirname "$0")"

export SIGILLO_TEST_PG_URL="${SIGILLO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

# PostgreSQL: start the local cluster if it is installed but down.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test.sh: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "test.sh: cargo not found; install Rust from https://rustup.rs" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked "$@" 2>&1 | tee "$log"
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, ignored }' "$log"
