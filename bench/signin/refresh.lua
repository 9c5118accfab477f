-- Refresh-with-rotation: each thread keeps a pool of live refresh tokens; a
-- request spends one, its response puts the rotated one back. Env: BENCH_WRK_DIR,
-- BENCH_BASIC, BENCH_THREADS, BENCH_TOKENS.
dofile(os.getenv("BENCH_WRK_DIR") .. "/errors.lua")
pool = {}

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
