-- Shared by signin/login.lua and signin/refresh.lua (loaded with dofile by path in
-- BENCH_WRK_DIR). Each thread counts the responses it finds wrong in `errors` and
-- has its number (0, 1, ...) in `id`; `done` prints one line "BAD n", n being
-- those errors plus wrk's own (HTTP status >= 400, socket errors), which
-- bench/signin.sh checks.
errors = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + (t:get("errors") or 0) end
  local s = summary.errors
  io.write(string.format("BAD %d\n", e + s.status + s.connect + s.read + s.write + s.timeout))
end
