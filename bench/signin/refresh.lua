-- Refresh-with-rotation: each thread keeps a pool of live refresh tokens; a
-- request spends one, its response puts the rotated one back.
pool = {}
errors = 0
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("BENCH_THREADS") or "2")
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if i % n == id then table.insert(pool, line) end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
end

function request()
  local t = table.remove(pool)
  if t == nil then t = "exhausted" end
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. t)
end

function response(status, headers, body)
  if status ~= 200 then
    if errors == 0 then io.stderr:write("first bad response: " .. status .. " " .. body .. "\n") end
    errors = errors + 1
    return
  end
  local t = body:match('"refresh_token":"([^"]+)"')
  if t then table.insert(pool, t) else errors = errors + 1 end
end

function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + (t:get("errors") or 0) end
  io.write(string.format("BAD %d\n", e + summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
