-- RFC 7662 introspection of one token, active or not (the worst-token benchmark:
-- tokens over the limits answer {"active": false}). Env: BENCH_WRK_DIR, BENCH_BASIC,
-- BENCH_INTROSPECT_PATH, BENCH_ACCESS_TOKEN (already form-encoded).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_INTROSPECT_PATH")
wrk.body = "token=" .. os.getenv("BENCH_ACCESS_TOKEN")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
