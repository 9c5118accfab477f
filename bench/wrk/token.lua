-- client_credentials issuance. Env: BENCH_WRK_DIR, BENCH_BASIC (base64 id:secret),
-- BENCH_TOKEN_PATH (e.g. /t/bench/token).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_TOKEN_PATH")
wrk.body = "grant_type=client_credentials&scope=api%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
expect = '"access_token"'
