-- wrk script of bench/growth.sh: GET /v1/verify of packs chosen at random among those present.
--   GROWTH_MODE=loaded       the loader's packs: i in [0, GROWTH_N), serial L<(i*A) mod M>,
--                            GTIN number i mod 10 of GROWTH_GTINS (the loader's formula)
--   GROWTH_MODE=commissioned the phase's commissions: C<phase><i>, GTIN GROWTH_CGTIN
--   GROWTH_DELAY_MS          when set, each connection waits this long before its next
--                            request: a fixed offered rate (connections / delay) instead of
--                            as many requests as the server can answer
local n = tonumber(os.getenv("GROWTH_N"))
local mode = os.getenv("GROWTH_MODE")
local phase = os.getenv("GROWTH_PHASE")
local cgtin = os.getenv("GROWTH_CGTIN")
local gtins = {}
for g in string.gmatch(os.getenv("GROWTH_GTINS"), "[^,]+") do
  gtins[#gtins + 1] = g
end
local A, M = 48271, 999999999989
local delay_ms = tonumber(os.getenv("GROWTH_DELAY_MS") or "")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

request = function()
  local i = math.random(0, n - 1)
  local path
  if mode == "loaded" then
    path = string.format("/v1/verify/%s/L%012.0f", gtins[(i % #gtins) + 1], (i * A) % M)
  else
    path = string.format("/v1/verify/%s/C%s%07d", cgtin, phase, i)
  end
  return wrk.format("GET", path)
end

if delay_ms then
  delay = function()
    return delay_ms
  end
end
