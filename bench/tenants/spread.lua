-- Token issuance or introspection spread over many tenants: each request picks a
-- tenant at random among t000001 .. tNNNNNN (BENCH_TENANTS = N; 1 = one tenant).
-- Env: BENCH_WRK_DIR, BENCH_BASIC (base64 svc:secret, the same in every tenant),
-- BENCH_KIND (token | introspect), BENCH_TOKENS_FILE (introspect: one token per
-- line, in tenant order, as bench/tenants/touch.py wrote them).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local n = tonumber(os.getenv("BENCH_TENANTS"))
local kind = os.getenv("BENCH_KIND")
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC"),
}
local tokens = {}
if kind == "introspect" then
  -- Every token is loaded, also when only the first is asked about: wrk's Lua
  -- heap (and its garbage collector's pauses, which show in the latencies it
  -- reports) is then the same size in the one-tenant run as in the spread run.
  for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do
    table.insert(tokens, line)
  end
  expect = '"active":true'
else
  expect = '"access_token"'
end

function request()
  local t = math.random(n)
  local path = string.format("/t/t%06d/", t)
  if kind == "introspect" then
    return wrk.format("POST", path .. "introspect", headers, "token=" .. tokens[t])
  end
  return wrk.format("POST", path .. "token", headers, "grant_type=client_credentials&scope=api%3Aread")
end
