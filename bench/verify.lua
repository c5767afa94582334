-- wrk script of bench/verify.sh: each request asks for a random pack of the N loaded.
--   BENCH_N      packs loaded (serials S000000000 … S<N-1>)
--   BENCH_PATH   the path with %s where the serial goes
--   BENCH_KEY    an API key sent as Authorization: Bearer (optional)
--   BENCH_ACCEPT an Accept header (optional; the resolver's JSON answer)
local n = tonumber(os.getenv("BENCH_N"))
local path = os.getenv("BENCH_PATH")
local key = os.getenv("BENCH_KEY")
local accept = os.getenv("BENCH_ACCEPT")

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  if key and key ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. key
  end
  if accept and accept ~= "" then
    wrk.headers["Accept"] = accept
  end
end

function request()
  local serial = string.format("S%09d", math.random(0, n - 1))
  return wrk.format("GET", string.format(path, serial))
end

-- One machine-readable line: requests/s, p50 and p99 in ms, non-2xx answers, socket errors.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n", summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status,
    e.connect + e.read + e.write + e.timeout))
end
