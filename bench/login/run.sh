#!/usr/bin/env bash
# Login throughput against the real release server on loopback (issue 4, item 10).
#
#   bench/login/run.sh            # SQLite (a fresh file in a temporary data folder)
#   bench/login/run.sh postgres   # PostgreSQL: a fresh database on 127.0.0.1:5432, dropped at the end
#
# Builds `sigillo` and the Argon2 criterion bench, seeds a demo registry, makes K citizens able to
# log in over the JSON API and the demo mailbox (bench/login/prepare.py), then in one run:
#   - raw Argon2id verifies/s of the machine (criterion: one thread, and the PinHasher pool with
#     one thread per core), healthz latency on the idle server, 5 s of warm-up logins;
#   - ROUNDS rounds of: POST /api/v1/sessions with correct PINs at 2 x cores connections (wrk)
#     for DURATION/ROUNDS s, with GET /healthz probed every 10 ms beside it and the CPU time of
#     every server thread recorded, then the raw pool bench again.
# Each round's logins/s is compared with the raw rate measured just before and just after it, so
# that a drift of the machine's speed (a shared VM) weighs on both sides of the ratio alike.
# bench/login/summarize.py prints logins/s, raw verifies/s, the ratio, healthz p50/p99 under load,
# the answers by status and where the CPU went.
#
# Measurements wait for a quiet machine (no cargo/rustc for 30 s, under 0.3 of a core busy); an
# attempt during which other processes took more than 0.15 of a core in any phase is repeated, up
# to SIGILLO_BENCH_ATTEMPTS times, and the quietest attempt is reported.
#
# Environment (all optional):
#   SIGILLO_BENCH_CITIZENS (32)  SIGILLO_BENCH_DURATION (30, seconds of logins in all)
#   SIGILLO_BENCH_ROUNDS (3)  SIGILLO_BENCH_CONNECTIONS (2 x cores)  SIGILLO_BENCH_ATTEMPTS (3)
#   SIGILLO_BENCH_WAIT (1200: seconds to wait for a quiet machine before measuring anyway)
#   SIGILLO_BENCH_OUT (where logs and the summary are kept; default a new folder under /tmp)
#   SIGILLO_BENCH_PG (postgres://postgres@127.0.0.1:5432); for experiments, SIGILLO_BENCH_PG_PARAMS
#     (added to the database URL, e.g. sslmode=disable) and SIGILLO_BENCH_PG_SETTINGS (space-separated
#     name=value set on the bench database, e.g. synchronous_commit=off)
#   SIGILLO_BENCH_TMP (/tmp: where the data folder and the SQLite file live; /dev/shm shows what
#     the disk's fsyncs cost)
#   SIGILLO_BENCH_PERF=1 (perf-record the whole machine for up to 10 s of round 2 and keep a flat
#     profile by thread and function in perf.txt; costs some throughput, so not for the figures)
#   SIGILLO_BENCH_BIN and SIGILLO_BENCH_ARGON2_BIN (measure these binaries, a release `sigillo` and
#     the executable of `cargo bench -p sigillo-app --bench argon2 --no-run`, instead of building)
# Needs: cargo, wrk (apt-get install -y wrk), python3, jq, curl; psql for postgres.
# Everything listens on and talks to 127.0.0.1 only; the server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

backend="${1:-sqlite}"
case "$backend" in sqlite | postgres) ;; *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;; esac
citizens="${SIGILLO_BENCH_CITIZENS:-32}"
duration="${SIGILLO_BENCH_DURATION:-30}"
rounds="${SIGILLO_BENCH_ROUNDS:-3}"
round_secs=$(((duration + rounds - 1) / rounds))
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
  for setting in ${SIGILLO_BENCH_PG_SETTINGS:-}; do
    psql "$pg_base/postgres" -qc "alter database $pg_db set ${setting%%=*} = '${setting#*=}'"
  done
  export SIGILLO_DATABASE_URL="$pg_base/$pg_db${SIGILLO_BENCH_PG_PARAMS:+?$SIGILLO_BENCH_PG_PARAMS}"
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
cut -d" " -f1 "$work/pairs.txt" >"$out/citizens.txt" # fiscal codes only
export LOGIN_PAIRS="$work/pairs.txt" LOGIN_THREADS="$wrk_threads"

# --- helpers -----------------------------------------------------------------------------------
builds_running() { pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; }

system_cpu() { awk '/^cpu / { print $2 + $3 + $4 + $6 + $7 + $8 + $9, $5 }' /proc/stat; } # busy idle ticks

now_s() { date +%s.%N; }

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

# Appends to DIR/phases.txt the CPU that processes other than ours used during a phase, in cores,
# and flags the attempt in DIR/interference.txt when it exceeds 0.15 of a core.
# Args: dir phase system_before system_after t_before t_after own_cpu_seconds.
other_cpu() {
  local b0 i0 b1 i1
  read -r b0 i0 <<<"$3"
  read -r b1 i1 <<<"$4"
  awk -v phase="$2" -v b=$((b1 - b0)) -v t="$tick" -v w0="$5" -v w1="$6" -v own="$7" 'BEGIN {
      o = (b / t - own) / (w1 - w0)
      printf "%-10s %5.1f s, other processes %.2f cores\n", phase, w1 - w0, o
      if (o > 0.15) printf "other processes took %.2f cores during %s\n", o, phase > "/dev/stderr" }' \
    >>"$1/phases.txt" 2>>"$1/interference.txt"
}

# The criterion bench (args: dir name filter...) with other processes' CPU accounted for.
raw_bench() {
  local dir="$1" name="$2" s0 s1 t0 t1 own
  shift 2
  s0="$(system_cpu)"; t0="$(now_s)"
  CRITERION_HOME="$dir/criterion-$name" /usr/bin/time -f '%U %S' -o "$dir/raw-$name-cpu.txt" \
    "$work/argon2-bench" --bench "$@" >"$dir/raw-$name.txt" 2>&1
  s1="$(system_cpu)"; t1="$(now_s)"
  own="$(awk '{ print $1 + $2 }' "$dir/raw-$name-cpu.txt")"
  other_cpu "$dir" "raw-$name" "$s0" "$s1" "$t0" "$t1" "$own"
  grep -A2 '^argon2_' "$dir/raw-$name.txt" | grep -E 'thrpt' | sed 's/^ */  raw: /' || true
}

# One round of logins with the healthz probe beside; CPU deltas go to DIR/cpu-R.txt.
login_round() { # dir round
  local dir="$1" r="$2" threads0 threads1 pg0 pg1 s0 s1 t0 t1 probe perf="" own
  threads0="$(threads_cpu "$server_pid")"
  pg0="$(postgres_cpu)"
  s0="$(system_cpu)"; t0="$(now_s)"
  HEALTHZ_DELAY_MS=10 /usr/bin/time -f '%U %S' -o "$dir/healthz-$r-cpu.txt" \
    wrk -t1 -c1 -d"${round_secs}s" --timeout 10s -s bench/login/healthz.lua "$base/healthz" >"$dir/healthz-$r.txt" &
  probe=$!
  if [ "${SIGILLO_BENCH_PERF:-0}" = 1 ] && [ "$r" = 2 ] && command -v perf >/dev/null; then
    perf record -q -F 499 -a -o "$dir/perf.data" -- sleep "$((round_secs < 10 ? round_secs - 1 : 10))" \
      >/dev/null 2>&1 &
    perf=$!
  fi
  /usr/bin/time -f '%U %S' -o "$dir/login-$r-cpu.txt" \
    wrk -t"$wrk_threads" -c"$connections" -d"${round_secs}s" --timeout 10s -s bench/login/login.lua \
    "$base/api/v1/sessions" >"$dir/login-$r.txt"
  wait "$probe"
  s1="$(system_cpu)"; t1="$(now_s)"
  threads1="$(threads_cpu "$server_pid")"
  pg1="$(postgres_cpu)"
  [ -z "$perf" ] || wait "$perf" || true
  {
    echo "tick $tick"
    echo "wall $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
    # A thread born during the round counts from zero; one that ended during it is missed.
    awk 'NR == FNR { u[$1] = $3; k[$1] = $4; next } { print "thread", $2, $3 - u[$1], $4 - k[$1] }' \
      <(printf '%s\n' "$threads0") <(printf '%s\n' "$threads1")
    awk 'NR == FNR { b[$1] = $2; next } { d += $2 - b[$1] } END { print "pg", d + 0 }' \
      <(printf '%s\n' "$pg0") <(printf '%s\n' "$pg1")
    cat "$dir/login-$r-cpu.txt" "$dir/healthz-$r-cpu.txt" | awk '{ c += $1 + $2 } END { print "wrk", c }'
    awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x, " "); split(b, y, " "); print "system", y[1] - x[1], y[2] - x[2] }'
  } >"$dir/cpu-$r.txt"
  own="$(awk -v t="$tick" '$1 == "thread" { c += ($3 + $4) / t } $1 == "pg" { c += $2 / t } $1 == "wrk" { c += $2 }
    END { print c }' "$dir/cpu-$r.txt")"
  other_cpu "$dir" "logins-$r" "$s0" "$s1" "$t0" "$t1" "$own"
  grep -o 'requests=[0-9]* .*' "$dir/login-$r.txt" | sed 's/^/  logins: /' || true
  if [ -n "$perf" ]; then
    perf report -i "$dir/perf.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null | grep -v '^$' |
      head -n 150 >"$dir/perf.txt" || true
  fi
}

# --- measurement -------------------------------------------------------------------------------
measure() { # attempt number; leaves results in $out/attempt-N
  local dir="$out/attempt-$1" r
  mkdir -p "$dir"
  wait_quiet
  load_report "attempt $1 start"
  : >"$dir/interference.txt"
  : >"$dir/phases.txt"
  (while true; do builds_running && date +%T >>"$dir/builds-seen.txt"; sleep 5; done) &
  monitor_pid=$!

  echo "== raw Argon2id verifies/s"
  raw_bench "$dir" r0
  echo "== healthz on the idle server, then 5 s of warm-up logins"
  HEALTHZ_DELAY_MS=10 wrk -t1 -c1 -d5s --timeout 5s -s bench/login/healthz.lua "$base/healthz" >"$dir/healthz-idle.txt"
  wrk -t"$wrk_threads" -c"$connections" -d5s --timeout 10s -s bench/login/login.lua "$base/api/v1/sessions" \
    >"$dir/warmup.txt"
  for r in $(seq 1 "$rounds"); do
    echo "== round $r of $rounds: ${round_secs} s of logins ($connections connections) and healthz, then raw verifies/s"
    login_round "$dir" "$r"
    raw_bench "$dir" "r$r" argon2_pool
  done

  kill "$monitor_pid" 2>/dev/null || true
  wait "$monitor_pid" 2>/dev/null || true
  monitor_pid=""
  load_report "attempt $1 end"
  curl -s "$base/metrics" | grep -E '^sigillo_(hash_overloaded_total|logins_total)' >"$dir/metrics.txt" || true
  touch "$dir/done"
}

attempt=1
while true; do
  measure "$attempt"
  if [ ! -s "$out/attempt-$attempt/interference.txt" ] || [ "$attempt" -ge "$max_attempts" ]; then
    break
  fi
  echo "other processes took CPU during attempt $attempt: measuring again"
  attempt=$((attempt + 1))
done

echo
echo "== summary (logs in $out)"
python3 bench/login/summarize.py "$out" "$backend" "$connections" "$citizens" "$cores" | tee "$out/summary.txt"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 " GiB" }'), $(date -u +%FT%TZ)" |
  tee -a "$out/summary.txt"
