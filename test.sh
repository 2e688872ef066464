#!/usr/bin/env bash
# Runs every Sigillo test: unit tests, the backend conformance story and the integration tests,
# on SQLite and on PostgreSQL; then the portal's browser tests (node's test runner driving Debian's
# Chromium through playwright-core, with axe-core). Installs what it needs itself: the npm packages
# (`npm ci`), Chromium and poppler-utils (apt-get) when missing.
# Ends with one line, `N passed, N failed, N skipped`, summed over cargo and the browser tests, and
# exits non-zero if anything failed. SIGILLO_BROWSER_TESTS=0 leaves the browser tests out.
set -euo pipefail
cd "$(dirname "$0")"

export SIGILLO_TEST_PG_URL="${SIGILLO_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
browser_tests="${SIGILLO_BROWSER_TESTS:-1}"

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

# Debian packages, by name; the package lists are refreshed only if the first try fails.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "$@" >&2 || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "$@" >&2; }
}

# The npm packages (package-lock.json) must be there before the Rust build: it embeds Bootstrap
# Italia from node_modules (crates/sigillo-web/build.rs). `npm ci` when node_modules is missing or
# differs from the lock file.
node_modules_current() {
  [ -f node_modules/.package-lock.json ] || return 1
  node -e '
    const want = require("./package-lock.json").packages || {};
    const have = require("./node_modules/.package-lock.json").packages || {};
    for (const [path, pkg] of Object.entries(want)) {
      if (!path || pkg.link) continue;
      if (!have[path]) { if (pkg.optional || pkg.peer) continue; process.exit(1); }
      if (have[path].version !== pkg.version) process.exit(1);
    }' 2>/dev/null
}
if ! command -v npm >/dev/null 2>&1; then
  echo "test.sh: installing Node.js and npm" >&2
  apt_install nodejs npm || true
fi
if command -v npm >/dev/null 2>&1; then
  if ! node_modules_current; then
    echo "test.sh: npm ci" >&2
    npm ci --no-audit --no-fund >&2 || echo "test.sh: npm ci failed: the portal builds unstyled and the browser tests cannot run" >&2
  fi
else
  echo "test.sh: npm not found: the portal builds unstyled and the browser tests cannot run" >&2
fi

log="$(mktemp)"
browser_log="$(mktemp)"
trap 'rm -f "$log" "$browser_log"' EXIT

cargo_status=0
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log" || cargo_status=$?
read -r passed failed skipped < <(awk '/^test result:/ { p += $4; f += $6; i += $8 } END { printf "%d %d %d\n", p, f, i }' "$log")
if [ "$cargo_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: cargo test exited with $cargo_status" >&2
  failed=$((failed + 1))
fi

if [ "$browser_tests" != "0" ]; then
  browser_status=0
  # Chromium and pdftotext (the letter PDFs), from Debian.
  if [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null 2>&1; then
    echo "test.sh: installing chromium and poppler-utils" >&2
    apt_install chromium poppler-utils || echo "test.sh: could not install chromium and poppler-utils" >&2
  fi
  # The binaries the browser tests start (target/debug/sigillo, the example relying service).
  if cargo build -p sigillo -p sigillo-example-rp --locked; then
    node --test --test-reporter=spec tests/browser/ 2>&1 | tee "$browser_log" || browser_status=$?
  else
    echo "test.sh: cargo build -p sigillo failed: no browser tests" >&2
    browser_status=1
  fi
  # node's summary: "ℹ pass N", "ℹ fail N", … (spec reporter) or "# pass N" (TAP).
  read -r bp bf bs < <(sed 's/\x1b\[[0-9;]*m//g' "$browser_log" |
    awk '$1 ~ /^(ℹ|#)$/ && $3 ~ /^[0-9]+$/ {
           if ($2 == "pass") p = $3; else if ($2 == "fail" || $2 == "cancelled") f += $3;
           else if ($2 == "skipped" || $2 == "todo") s += $3 }
         END { printf "%d %d %d\n", p, f, s }')
  if [ "$browser_status" -ne 0 ] && [ "$bf" -eq 0 ]; then
    echo "test.sh: the browser tests exited with $browser_status" >&2
    bf=1
  fi
  echo "browser tests: $bp passed, $bf failed, $bs skipped" >&2
  passed=$((passed + bp)); failed=$((failed + bf)); skipped=$((skipped + bs))
fi

# One closing line for the whole run, summed over every test binary and the browser tests.
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
