#!/usr/bin/env python3
"""Summary of a bench/login/run.sh output folder: picks the quietest attempt and prints logins/s,
the raw verify rate measured around each round, their ratio, healthz latency under load, the
answers by status and where the CPU went.

Usage: summarize.py OUT_DIR BACKEND CONNECTIONS CITIZENS CORES
"""

import glob
import json
import os
import re
import sys


def fields(path, tag):
    """key=value pairs of the first line starting with TAG in PATH."""
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(tag):
                    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    except OSError:
        pass
    return None


def rate(criterion_dir, bench):
    """Elements per second of BENCH (one element per iteration) from a criterion output folder."""
    found = glob.glob(os.path.join(criterion_dir, bench, "**", "new", "estimates.json"), recursive=True)
    if not found:
        return None
    with open(found[0], encoding="utf-8") as f:
        return 1e9 / json.load(f)["mean"]["point_estimate"]


def other_cores(attempt):
    """The most CPU other processes took in any phase of ATTEMPT, in cores."""
    worst = 0.0
    try:
        with open(os.path.join(attempt, "phases.txt"), encoding="utf-8") as f:
            for line in f:
                m = re.search(r"other processes (-?[\d.]+) cores", line)
                if m:
                    worst = max(worst, float(m.group(1)))
    except OSError:
        return float("inf")
    return worst


def raw_other(attempt):
    """Mean CPU other processes took during the raw bench phases of ATTEMPT, in cores."""
    values = []
    with open(os.path.join(attempt, "phases.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.search(r"^raw-\S+.*other processes (-?[\d.]+) cores", line)
            if m:
                values.append(float(m.group(1)))
    return sum(values) / len(values) if values else 0.0


def main():
    out, backend, connections, citizens, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(
        sys.argv[5]
    )
    attempts = sorted(glob.glob(os.path.join(out, "attempt-*")), key=lambda d: int(d.rsplit("-", 1)[1]))
    complete = [a for a in attempts if os.path.exists(os.path.join(a, "done"))]
    if not complete:
        sys.exit("summarize: no complete attempt")
    # The quietest attempt; among equally quiet ones, the last.
    attempt = min(reversed(complete), key=lambda a: round(other_cores(a), 2))

    rounds = sorted(int(m.group(1)) for p in glob.glob(os.path.join(attempt, "login-*.txt"))
                    if (m := re.search(r"login-(\d+)\.txt$", p)))
    raws = {r: rate(os.path.join(attempt, f"criterion-r{r}"), "argon2_pool") for r in [0] + rounds}
    single = rate(os.path.join(attempt, "criterion-r0"), "argon2_single/reused_buffer")

    total_ok = total_time = weighted_raw = 0.0
    statuses, per_round = {}, []
    worst_login_p99 = worst_h_p99 = worst_h_max = 0
    h_probes = 0
    for r in rounds:
        login = fields(os.path.join(attempt, f"login-{r}.txt"), "LOGIN_RESULT")
        health = fields(os.path.join(attempt, f"healthz-{r}.txt"), "HEALTHZ_RESULT")
        secs = login["duration_us"] / 1e6
        ok = login.get("s200", 0)
        for key, n in login.items():
            if key.startswith("s") and key[1:].isdigit():
                statuses[int(key[1:])] = statuses.get(int(key[1:]), 0) + n
        statuses["socket"] = statuses.get("socket", 0) + login["socket_errors"]
        bracket = (raws[r - 1] + raws[r]) / 2 if raws.get(r - 1) and raws.get(r) else None
        per_round.append((r, ok / secs, raws.get(r - 1), raws.get(r), bracket, health["p50_us"], health["p99_us"]))
        total_ok += ok
        total_time += secs
        weighted_raw += (bracket or 0) * secs
        worst_login_p99 = max(worst_login_p99, login["p99_us"])
        worst_h_p99 = max(worst_h_p99, health["p99_us"])
        worst_h_max = max(worst_h_max, health["max_us"])
        h_probes += health["requests"]

    logins = total_ok / total_time
    raw = weighted_raw / total_time
    ratio = logins / raw if raw else 0
    idle = fields(os.path.join(attempt, "healthz-idle.txt"), "HEALTHZ_RESULT")
    non2xx = sum(n for s, n in statuses.items() if s != "socket" and not 200 <= s < 300)

    p = print
    p(f"attempt                 {os.path.basename(attempt)} of {len(attempts)}")
    p(f"backend                 {backend} ({citizens} citizens, {connections} connections, "
      f"{len(rounds)} rounds, {total_time:.1f} s of logins)")
    p(f"logins/s (200 only)     {logins:.1f}   (worst round's login latency p99 {worst_login_p99 / 1e3:.1f} ms)")
    p(f"raw verifies/s (pool)   {raw:.1f}   (measured {', '.join(f'{v:.1f}' for v in raws.values() if v)}; "
      f"one thread {single or 0:.1f}/s)")
    p(f"ratio                   {100 * ratio:.1f} %   (goal >= 85 %: {'met' if ratio >= 0.85 else 'MISSED'})")
    p(f"healthz under load      p99 {worst_h_p99 / 1e3:.2f} ms (worst round), max {worst_h_max / 1e3:.2f} ms, "
      f"{h_probes} probes   (goal p99 < 50 ms: {'met' if worst_h_p99 < 50_000 else 'MISSED'})")
    p(f"healthz idle            p50 {idle['p50_us'] / 1e3:.2f} ms, p99 {idle['p99_us'] / 1e3:.2f} ms")
    p(f"non-2xx logins          {non2xx}   (401 {statuses.get(401, 0)}, 429 throttled {statuses.get(429, 0)}, "
      f"503 busy {statuses.get(503, 0)}); socket errors {statuses.get('socket', 0)}")
    p("rounds (logins/s, raw before/after, ratio, healthz p50/p99 ms):")
    for r, lps, before, after, bracket, h50, h99 in per_round:
        p(f"  {r}: {lps:6.1f}  raw {before or 0:6.1f} / {after or 0:6.1f}  "
          f"{100 * lps / bracket if bracket else 0:5.1f} %  healthz {h50 / 1e3:.2f} / {h99 / 1e3:.2f}")

    # Where the CPU went during the logins (every round together).
    threads, wall, pg, wrk, busy, idle_ticks, tick = {}, 0.0, 0, 0.0, 0, 0, 100
    for r in rounds:
        with open(os.path.join(attempt, f"cpu-{r}.txt"), encoding="utf-8") as f:
            for line in f:
                part = line.split()
                if part[0] == "tick":
                    tick = int(part[1])
                elif part[0] == "wall":
                    wall += float(part[1])
                elif part[0] == "thread":
                    name = re.sub(r"-?\d+$", "", part[1])
                    u, k = threads.get(name, (0, 0))
                    threads[name] = (u + int(part[2]), k + int(part[3]))
                elif part[0] == "pg":
                    pg += int(part[1])
                elif part[0] == "wrk":
                    wrk += float(part[1])
                elif part[0] == "system":
                    busy += int(part[1])
                    idle_ticks += int(part[2])
    if wall:
        server = sum(u + k for u, k in threads.values()) / tick
        argon2 = sum(u + k for n, (u, k) in threads.items() if n.startswith("argon2")) / tick
        p(f"CPU during the logins, in cores (of {cores}):")
        for name, (u, k) in sorted(threads.items(), key=lambda t: -sum(t[1])):
            if u + k:
                p(f"  {name:<18} {(u + k) / tick / wall:6.3f}   (user {u / tick / wall:.3f}, system {k / tick / wall:.3f})")
        if pg:
            p(f"  {'PostgreSQL':<18} {pg / tick / wall:6.3f}   (this database's backends and the server's own processes)")
        p(f"  {'wrk (both)':<18} {wrk / wall:6.3f}")
        p(f"  {'other processes':<18} {(busy / tick - server - pg / tick - wrk) / wall:6.3f}")
        p(f"  {'idle':<18} {idle_ticks / tick / wall:6.3f}")
        if argon2:
            per_core = logins / (argon2 / wall)
            raw_share = cores - raw_other(attempt)
            p(f"Argon2 threads got {argon2 / wall:.2f} of {cores} cores; verifies per Argon2 core-second: "
              f"{per_core:.1f} in the server, {raw / raw_share:.1f} in the raw pool bench")
            p(f"CPU-share ratio         {100 * argon2 / wall / raw_share:.1f} %   (Argon2's share of the CPU under "
              f"login load / its share in the raw bench, {raw_share:.2f} cores: the ratio a machine of steady "
              f"speed would show)")
            p(f"CPU per login besides Argon2: {1e3 * (busy / tick - argon2) / total_ok:.2f} ms on the machine "
              f"(the server's other threads {1e3 * (server - argon2) / total_ok:.2f} ms"
              + (f", PostgreSQL {1e3 * pg / tick / total_ok:.2f} ms" if pg else "")
              + f", wrk {1e3 * wrk / total_ok:.2f} ms)")
    p("CPU used by other processes, per phase:")
    with open(os.path.join(attempt, "phases.txt"), encoding="utf-8") as f:
        for line in f:
            p("  " + line.rstrip())
    interference = os.path.join(attempt, "interference.txt")
    if os.path.getsize(interference):
        p("WARNING: not a quiet machine during this attempt:")
        with open(interference, encoding="utf-8") as f:
            for line in f:
                p("  " + line.rstrip())


if __name__ == "__main__":
    main()
