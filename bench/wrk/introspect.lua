-- RFC 7662 introspection of one valid token: introspect_any.lua, every answer
-- also required to say "active":true. Env: BENCH_WRK_DIR, BENCH_BASIC,
-- BENCH_INTROSPECT_PATH, BENCH_ACCESS_TOKEN (already form-encoded if needed).
dofile(os.getenv("BENCH_WRK_DIR") .. "/introspect_any.lua")
expect = '"active":true'
