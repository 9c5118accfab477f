-- Shared by token.lua and introspect.lua (loaded with dofile by path in
-- BENCH_WRK_DIR). Counts every response that is not HTTP 200, and — when
-- `expect` is set — every 200 whose body lacks that string. `done` prints one
-- machine-readable RESULT line that bench/run.sh parses, preceded by
-- one BADSAMPLE line (status and body start) per thread that saw a bad response.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  bad_body = 0
  first_bad = ""
end

local function remember(status, body)
  if first_bad == "" then
    first_bad = status .. " " .. string.sub((string.gsub(body or "", "%s+", " ")), 1, 300)
  end
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    remember(status, body)
  elseif expect ~= nil and not string.find(body, expect, 1, true) then
    bad_body = bad_body + 1
    remember(status, body)
  end
end

function done(summary, latency, requests)
  local bs, bb = 0, 0
  for _, t in ipairs(threads) do
    bs = bs + t:get("bad_status")
    bb = bb + t:get("bad_body")
    local sample = t:get("first_bad")
    if sample ~= nil and sample ~= "" then
      io.write("BADSAMPLE " .. sample .. "\n")
    end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.1f requests=%d secs=%.2f non200=%d badbody=%d sockerr=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests / secs, summary.requests, secs, bs, bb,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
