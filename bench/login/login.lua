-- wrk script: POST /api/v1/sessions with correct PINs, cycling through the citizens of
-- $LOGIN_PAIRS ("FISCAL_CODE PIN" lines). Each wrk thread starts at its own offset so that two
-- connections rarely log the same citizen in at the same moment. Counts answers by status and
-- prints one machine-readable line at the end.

local creds = {}
for line in io.lines(os.getenv("LOGIN_PAIRS")) do
  local code, pin = line:match("^(%S+)%s+(%S+)$")
  if code then
    creds[#creds + 1] = wrk.format("POST", "/api/v1/sessions", { ["Content-Type"] = "application/json" },
      string.format('{"fiscal_code":"%s","pin":"%s"}', code, pin))
  end
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("LOGIN_THREADS") or "1")
  position = math.floor(id * #creds / nthreads)
  statuses = {}
end

function request()
  position = position % #creds + 1
  return creds[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = string.format("s%d=%d", status, n)
  end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    "LOGIN_RESULT duration_us=%d requests=%d socket_errors=%d non2xx=%d p50_us=%d p99_us=%d max_us=%d %s\n",
    summary.duration, summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max, table.concat(parts, " ")))
end
