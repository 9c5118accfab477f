-- RFC 7662 introspection over many distinct valid tokens: BENCH_TOKENS names a
-- file with one form-encoded token per line, more of them than the tenant's
-- verified-token cache holds (4,096), so nearly every request takes the full
-- path (signature, Datalog). Env as introspect.lua, plus BENCH_TOKENS.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_INTROSPECT_PATH")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
expect = '"active":true'

local tokens = nil
local i = 0

function request()
  if tokens == nil then
    tokens = {}
    for line in io.lines(os.getenv("BENCH_TOKENS")) do table.insert(tokens, line) end
    -- Threads start at different places in the list.
    i = math.random(#tokens)
  end
  i = i % #tokens + 1
  return wrk.format(nil, nil, nil, "token=" .. tokens[i])
end
