#!/usr/bin/env bash
# Login throughput against the real release server on loopback (issue 4, item 10).
#
#   bench/login/run.sh            # SQLite (a fresh file in a temporary data folder)
#   bench/login/run.sh postgres   # PostgreSQL: a fresh database on 127.0.0.1:5432, dropped at the end
#
# Builds `sigillo` and the Argon2 criterion bench, seeds a demo registry, makes K citizens able to
# log in over the JSON API and the demo mailbox (bench/login/prepare.py), then in one run:
#   1. raw Argon2id verifies/s of the machine (criterion, PinHasher pool, one thread per core),
#   2. healthz latency on the idle server,
#   3. POST /api/v1/sessions with correct PINs for DURATION s at 2 x cores connections (wrk),
#      with GET /healthz probed every 10 ms beside it, and the CPU time of every server thread,
#   4. the raw pool bench again,
# and prints logins/s, raw verifies/s, their ratio, healthz p50/p99 under load and non-2xx answers.
# Measurements wait for a quiet machine (no cargo/rustc for 30 s, under 0.3 of a core busy); an
# attempt during which cargo/rustc started or other processes took CPU is repeated, up to
# SIGILLO_BENCH_ATTEMPTS times.
#
# Environment (all optional): SIGILLO_BENCH_CITIZENS (32), SIGILLO_BENCH_DURATION (30, seconds),
# SIGILLO_BENCH_CONNECTIONS (2 x cores), SIGILLO_BENCH_WAIT (1200, seconds to wait for a quiet
# machine before measuring anyway), SIGILLO_BENCH_ATTEMPTS (3), SIGILLO_BENCH_OUT (where logs and summary are kept;
# default a new folder under /tmp), SIGILLO_BENCH_PG (postgres://postgres@127.0.0.1:5432),
# SIGILLO_BENCH_TMP (/tmp: where the data folder and SQLite file live; /dev/shm shows what the
# disk's fsyncs cost), SIGILLO_BENCH_PERF=1 (perf-record the server for 10 s of the load and keep a
# flat profile by thread and function in perf.txt; costs some throughput, so not for the figures).
# SIGILLO_BENCH_BIN and SIGILLO_BENCH_ARGON2_BIN: measure these binaries (a release `sigillo` and
# the bench executable of `cargo bench -p sigillo-app --bench argon2 --no-run`) instead of building.
# Needs: cargo, wrk (apt-get install -y wrk), python3, jq, curl, psql for postgres.
# Everything listens on and talks to 127.0.0.1 only; the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

backend="${1:-sqlite}"
case "$backend" in sqlite | postgres) ;; *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;; esac
citizens="${SIGILLO_BENCH_CITIZENS:-32}"
duration="${SIGILLO_BENCH_DURATION:-30}"
cores="$(nproc)"
connections="${SIGILLO_BENCH_CONNECTIONS:-$((2 * cores))}"
wrk_threads=$((connections < cores ? connections : cores))
wait_max="${SIGILLO_BENCH_WAIT:-1200}"
max_attempts="${SIGILLO_BENCH_ATTEMPTS:-3}"
pg_base="${SIGILLO_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
tick="$(getconf CLK_TCK)"

for tool in cargo wrk python3 jq curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found${tool/wrk/ (apt-get install -y wrk)}" >&2; exit 1; }
done

# --- build (before anything is measured) -------------------------------------------------------
if [ -n "${SIGILLO_BENCH_BIN:-}" ] && [ -n "${SIGILLO_BENCH_ARGON2_BIN:-}" ]; then
  echo "== no build: $SIGILLO_BENCH_BIN and $SIGILLO_BENCH_ARGON2_BIN"
  sigillo_exe="$SIGILLO_BENCH_BIN"
  bench_exe="$SIGILLO_BENCH_ARGON2_BIN"
else
  echo "== build"
  cargo build --release --locked -p sigillo
  sigillo_exe=target/release/sigillo
  bench_exe="$(cargo bench --locked -p sigillo-app --bench argon2 --no-run --message-format=json 2>/dev/null |
    jq -r 'select(.reason == "compiler-artifact" and .target.name == "argon2" and .executable != null) | .executable' |
    tail -n 1)"
fi
[ -x "$sigillo_exe" ] || { echo "run.sh: $sigillo_exe not found" >&2; exit 1; }
[ -x "$bench_exe" ] || { echo "run.sh: argon2 bench executable not found" >&2; exit 1; }

out="${SIGILLO_BENCH_OUT:-$(mktemp -d "/tmp/sigillo-login-$backend.XXXXXX")}"
mkdir -p "$out"
work="$(mktemp -d "${SIGILLO_BENCH_TMP:-/tmp}/sigillo-login-work.XXXXXX")"
# Private copies: another build replacing target/release during the run changes nothing here.
cp "$sigillo_exe" "$work/sigillo"
cp "$bench_exe" "$work/argon2-bench"
bin="$work/sigillo"
export SIGILLO_DATA_DIR="$work/data"
export SIGILLO_DELIVERY=files
mkdir -p "$SIGILLO_DATA_DIR"

server_pid=""
monitor_pid=""
pg_db=""
cleanup() {
  [ -n "$monitor_pid" ] && kill "$monitor_pid" 2>/dev/null || true
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$pg_db" ]; then
    psql "$pg_base/postgres" -qc "drop database if exists $pg_db" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$backend" = postgres ]; then
  command -v psql >/dev/null || { echo "run.sh: psql not found" >&2; exit 1; }
  pg_db="sigillo_login_bench_$$"
  export PGOPTIONS="--client-min-messages=warning"
  psql "$pg_base/postgres" -qc "drop database if exists $pg_db" -c "create database $pg_db"
  export SIGILLO_DATABASE_URL="$pg_base/$pg_db"
fi

# --- data and server ---------------------------------------------------------------------------
echo "== seed, serve, prepare $citizens citizens ($backend)"
"$bin" demo seed --count 200 >"$out/seed.txt" 2>>"$out/server.log"
SIGILLO_LISTEN=127.0.0.1:0 "$bin" serve >"$out/serve.stdout" 2>>"$out/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 100); do
  base="$(grep -o 'http://[0-9.:]*' "$out/serve.stdout" 2>/dev/null | head -n 1 || true)"
  [ -n "$base" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: server died, see $out/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "run.sh: server did not say where it listens" >&2; exit 1; }
case "$base" in http://127.0.0.1:*) ;; *) echo "run.sh: refusing non-loopback $base" >&2; exit 1 ;; esac
echo "server $base (pid $server_pid)"
python3 bench/login/prepare.py "$base" "$SIGILLO_DATA_DIR" "$bin" "$citizens" "$work/pairs.txt"
cp "$work/pairs.txt" "$out/citizens.txt"
export LOGIN_PAIRS="$work/pairs.txt" LOGIN_THREADS="$wrk_threads"

# --- helpers -----------------------------------------------------------------------------------
builds_running() { pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; }

# Machine CPU in use over the next 5 s, in cores.
busy_cores() {
  local b0 i0 b1 i1
  read -r b0 i0 <<<"$(system_cpu)"
  sleep 5
  read -r b1 i1 <<<"$(system_cpu)"
  awk -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v n="$cores" 'BEGIN { print ((b + i) > 0 ? n * b / (b + i) : 0) }'
}

# Quiet: no cargo/rustc for 30 s in a row and less than 0.3 of a core in use.
wait_quiet() {
  local waited=0 calm=0 busy
  while true; do
    if builds_running; then
      calm=0
    else
      calm=$((calm + 1))
      if [ "$calm" -ge 3 ]; then
        busy="$(busy_cores)"
        awk -v b="$busy" 'BEGIN { exit !(b < 0.3) }' && return
        calm=0
      fi
    fi
    if [ "$waited" -ge "$wait_max" ]; then
      echo "run.sh: no quiet moment in ${wait_max}s; measuring anyway" | tee -a "$out/notes.txt"
      return
    fi
    [ $((waited % 60)) -eq 0 ] && echo "waiting for a quiet machine ($(uptime | sed 's/.*load/load/'))"
    sleep 10
    waited=$((waited + 10))
  done
}

load_report() { # label
  { echo "--- $1: $(date -u +%FT%TZ)"; uptime; top -bn1 | head -15; } >>"$out/load.txt"
  echo "$1: $(uptime | sed 's/.*load/load/')"
}

# One line per thread of PID: "tid comm user_ticks system_ticks".
threads_cpu() {
  local t s rest
  for t in /proc/"$1"/task/*; do
    s="$(cat "$t/stat" 2>/dev/null)" || continue
    rest="${s##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    printf '%s %s %s %s\n' "${t##*/}" "$(tr ' ' '_' <"$t/comm")" "${12}" "${13}"
  done
}

# PostgreSQL's CPU ("pid ticks"): the server's own processes and our database's backends, not the
# backends of other databases (other people's tests on the same cluster).
postgres_cpu() {
  [ -n "$pg_db" ] || return 0
  local p cmd s rest
  for p in $(pgrep -x postgres); do
    cmd="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || continue
    if [[ "$cmd" == *" $pg_db "* ]] || ! [[ "$cmd" =~ \([0-9]+\)|\[local\] ]]; then
      s="$(cat "/proc/$p/stat" 2>/dev/null)" || continue
      rest="${s##*) }"
      # shellcheck disable=SC2086
      set -- $rest
      echo "$p $((${12} + ${13}))"
    fi
  done
}

system_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $6 + $7 + $8 + $9, $5 }' /proc/stat; } # busy idle

# Raw pool verifies/s from a criterion output folder.
raw_rate() {
  local est
  est="$(find "$1" -path '*argon2_pool*' -path '*/new/*' -name estimates.json | head -n 1)"
  [ -n "$est" ] || { echo 0; return; }
  jq -r '1e9 / .mean.point_estimate' "$est" # one element (verify) per iteration
}
single_rate() {
  local est
  est="$(find "$1" -path '*argon2_single/reused_buffer/new/*' -name estimates.json | head -n 1)"
  [ -n "$est" ] && jq -r '1e9 / .mean.point_estimate' "$est" || echo 0
}

field() { { grep -o "$2=[0-9]*" "$1" || true; } | head -n 1 | cut -d= -f2; }

# --- measurement -------------------------------------------------------------------------------
measure() { # attempt number; leaves results in $out/attempt-N
  local dir="$out/attempt-$1"
  mkdir -p "$dir"
  wait_quiet
  load_report "attempt $1 start"
  : >"$dir/interference.txt"
  (while true; do builds_running && echo "$(date +%T) cargo/rustc running" >>"$dir/interference.txt"; sleep 1; done) &
  monitor_pid=$!

  echo "== raw Argon2id verifies/s (before)"
  CRITERION_HOME="$dir/criterion-before" "$work/argon2-bench" --bench >"$dir/raw-before.txt" 2>&1
  grep -A2 '^argon2_' "$dir/raw-before.txt" | grep -E '^argon2_|thrpt' || true

  echo "== healthz, idle server"
  HEALTHZ_DELAY_MS=10 wrk -t1 -c1 -d5s --timeout 5s -s bench/login/healthz.lua "$base/healthz" >"$dir/healthz-idle.txt"

  echo "== warm-up: 5 s of logins"
  wrk -t"$wrk_threads" -c"$connections" -d5s --timeout 10s -s bench/login/login.lua "$base/api/v1/sessions" \
    >"$dir/warmup.txt"

  echo "== load: ${duration} s of logins, $connections connections, healthz probed beside"
  local before_server before_system after_server after_system before_pg after_pg
  before_server="$(threads_cpu "$server_pid")"
  before_system="$(system_cpu)"
  before_pg="$(postgres_cpu)"
  HEALTHZ_DELAY_MS=10 /usr/bin/time -f 'cpu_s=%U+%S' -o "$dir/healthz-wrk-cpu.txt" \
    wrk -t1 -c1 -d"${duration}s" --timeout 10s -s bench/login/healthz.lua "$base/healthz" >"$dir/healthz-load.txt" &
  local probe=$!
  local perf=""
  if [ "${SIGILLO_BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
    (sleep $((duration / 3)) && perf record -q -F 499 -p "$server_pid" -o "$dir/perf.data" -- sleep 10 2>/dev/null) &
    perf=$!
  fi
  /usr/bin/time -f 'cpu_s=%U+%S' -o "$dir/login-wrk-cpu.txt" \
    wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 10s --latency -s bench/login/login.lua \
    "$base/api/v1/sessions" >"$dir/login.txt"
  wait "$probe"
  if [ -n "$perf" ]; then
    wait "$perf" || true
    perf report -i "$dir/perf.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null | grep -v '^$' | head -n 120 >"$dir/perf.txt" || true
  fi
  after_server="$(threads_cpu "$server_pid")"
  after_system="$(system_cpu)"
  after_pg="$(postgres_cpu)"

  echo "== raw Argon2id verifies/s (after)"
  CRITERION_HOME="$dir/criterion-after" "$work/argon2-bench" --bench argon2_pool >"$dir/raw-after.txt" 2>&1
  grep -A2 '^argon2_pool' "$dir/raw-after.txt" | grep -E '^argon2_|thrpt' || true
  kill "$monitor_pid" 2>/dev/null || true
  wait "$monitor_pid" 2>/dev/null || true
  monitor_pid=""
  load_report "attempt $1 end"

  # CPU of the server's threads during the load, grouped by thread name, in cores.
  local secs
  secs="$(awk -v d="$(field "$dir/login.txt" duration_us)" 'BEGIN { print d / 1e6 }')"
  # A thread born during the load counts from zero; one that ended during it is missed.
  awk -v tick="$tick" -v s="$secs" 'NR == FNR { u[$1] = $3; k[$1] = $4; next }
      { name = $2; sub(/-?[0-9]+$/, "", name); du[name] += $3 - u[$1]; dk[name] += $4 - k[$1] }
      END { for (n in du) printf "%-18s %6.3f cores (user %.3f, system %.3f)\n", n, (du[n] + dk[n]) / tick / s,
        du[n] / tick / s, dk[n] / tick / s }' \
    <(printf '%s\n' "$before_server") <(printf '%s\n' "$after_server") | sort -k2 -rn >"$dir/threads.txt"
  read -r b0 i0 <<<"$before_system"
  read -r b1 i1 <<<"$after_system"
  local server_cores wrk_cores pg_cores
  pg_cores="$(awk -v tick="$tick" -v s="$secs" 'NR == FNR { b[$1] = $2; next } { d += $2 - b[$1] }
    END { print d / tick / s }' <(printf '%s\n' "$before_pg") <(printf '%s\n' "$after_pg"))"
  server_cores="$(awk '{ s += $2 } END { print s + 0 }' "$dir/threads.txt")"
  wrk_cores="$(cat "$dir/login-wrk-cpu.txt" "$dir/healthz-wrk-cpu.txt" | sed 's/cpu_s=//' |
    awk -F+ -v s="$secs" '{ c += $1 + $2 } END { print c / s }')"
  awk -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v t="$tick" -v s="$secs" -v srv="$server_cores" -v w="$wrk_cores" \
    -v pg="$pg_cores" 'BEGIN { busy = b / t / s
      printf "machine busy %.2f cores, idle %.2f (of %d): server %.2f, wrk %.2f, PostgreSQL %.2f, everything else %.2f\n",
        busy, i / t / s, (b + i) / t / s + 0.5, srv, w, pg, busy - srv - w - pg }' >"$dir/machine.txt"
  # Other processes taking more than a fifth of a core make the attempt one to repeat.
  awk -v b=$((b1 - b0)) -v t="$tick" -v s="$secs" -v srv="$server_cores" -v w="$wrk_cores" -v pg="$pg_cores" \
    'BEGIN { o = b / t / s - srv - w - pg; if (o > 0.2) printf "other processes took %.2f cores during the load\n", o }' \
    >>"$dir/interference.txt"
  curl -s "$base/metrics" | grep -E '^sigillo_(hash_overloaded_total|logins_total)' >"$dir/metrics.txt" || true
}

summary() { # attempt dir
  local dir="$1"
  local dur ok req non2xx sock s401 s429 s503 lp50 lp99 hp50 hp99 hmax hreq ip50 ip99
  dur="$(field "$dir/login.txt" duration_us)"
  ok="$(field "$dir/login.txt" s200)"; ok="${ok:-0}"
  req="$(field "$dir/login.txt" requests)"
  non2xx="$(field "$dir/login.txt" non2xx)"
  sock="$(field "$dir/login.txt" socket_errors)"
  s401="$(field "$dir/login.txt" s401)"; s429="$(field "$dir/login.txt" s429)"; s503="$(field "$dir/login.txt" s503)"
  lp50="$(field "$dir/login.txt" p50_us)"; lp99="$(field "$dir/login.txt" p99_us)"
  hp50="$(field "$dir/healthz-load.txt" p50_us)"; hp99="$(field "$dir/healthz-load.txt" p99_us)"
  hmax="$(field "$dir/healthz-load.txt" max_us)"; hreq="$(field "$dir/healthz-load.txt" requests)"
  ip50="$(field "$dir/healthz-idle.txt" p50_us)"; ip99="$(field "$dir/healthz-idle.txt" p99_us)"
  local rb ra single
  rb="$(raw_rate "$dir/criterion-before")"; ra="$(raw_rate "$dir/criterion-after")"
  single="$(single_rate "$dir/criterion-before")"
  awk -v ok="$ok" -v dur="$dur" -v rb="$rb" -v ra="$ra" -v single="$single" -v req="$req" -v non2xx="$non2xx" \
    -v sock="$sock" -v s401="${s401:-0}" -v s429="${s429:-0}" -v s503="${s503:-0}" -v lp50="$lp50" -v lp99="$lp99" \
    -v hp50="$hp50" -v hp99="$hp99" -v hmax="$hmax" -v hreq="$hreq" -v ip50="$ip50" -v ip99="$ip99" \
    -v backend="$backend" -v conn="$connections" -v k="$citizens" 'BEGIN {
      logins = ok / (dur / 1e6); raw = (rb + ra) / 2; ratio = raw > 0 ? logins / raw : 0
      printf "backend                 %s (%d citizens, %d connections, %.1f s)\n", backend, k, conn, dur / 1e6
      printf "logins/s (200 only)     %.1f   (%d requests, login latency p50 %.1f ms, p99 %.1f ms)\n", logins, req, lp50 / 1e3, lp99 / 1e3
      printf "raw verifies/s (pool)   %.1f   (before %.1f, after %.1f; one thread %.1f/s)\n", raw, rb, ra, single
      printf "ratio                   %.1f %%   (goal >= 85 %%: %s)\n", 100 * ratio, ratio >= 0.85 ? "met" : "MISSED"
      printf "healthz under load      p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d probes   (goal p99 < 50 ms: %s)\n", hp50 / 1e3, hp99 / 1e3, hmax / 1e3, hreq, hp99 < 50000 ? "met" : "MISSED"
      printf "healthz idle            p50 %.2f ms, p99 %.2f ms\n", ip50 / 1e3, ip99 / 1e3
      printf "non-2xx logins          %d   (401 %d, 429 throttled %d, 503 busy %d); socket errors %d\n", non2xx, s401, s429, s503, sock
    }'
  echo "server threads during the load (CPU, in cores):"
  sed 's/^/  /' "$dir/threads.txt"
  echo "  $(cat "$dir/machine.txt")"
  if [ -s "$dir/interference.txt" ]; then
    echo "  WARNING: not a quiet machine during this attempt:"
    echo "    cargo/rustc seen running during $(grep -c 'cargo/rustc' "$dir/interference.txt") s"
    grep -v 'cargo/rustc' "$dir/interference.txt" | sed 's/^/    /' || true
  fi
}

attempt=1
while true; do
  measure "$attempt"
  if [ ! -s "$out/attempt-$attempt/interference.txt" ] || [ "$attempt" -ge "$max_attempts" ]; then
    break
  fi
  echo "cargo/rustc ran during attempt $attempt: measuring again"
  attempt=$((attempt + 1))
done

echo
echo "== summary (logs in $out)"
summary "$out/attempt-$attempt" | tee "$out/summary.txt"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 " GiB" }')" |
  tee -a "$out/summary.txt"
