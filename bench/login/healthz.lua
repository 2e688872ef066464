-- wrk script: GET /healthz at a gentle, fixed pace ($HEALTHZ_DELAY_MS between requests, default
-- 10 ms) so that the probe measures the server's latency without adding load of its own.
-- wrk times each request from the moment it is written, so the pause is not counted.

local pause = tonumber(os.getenv("HEALTHZ_DELAY_MS") or "10")

function delay()
  return pause
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "HEALTHZ_RESULT duration_us=%d requests=%d socket_errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.duration, summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
