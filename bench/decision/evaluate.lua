-- AuthZEN Access Evaluation of one token. Env: BENCH_WRK_DIR, BENCH_PEP_TOKEN,
-- BENCH_SUBJECT_TOKEN, BENCH_EVAL_PATH.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
wrk.method = "POST"
wrk.path = os.getenv("BENCH_EVAL_PATH")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_PEP_TOKEN")
wrk.body = '{"subject":{"type":"token","id":"' .. os.getenv("BENCH_SUBJECT_TOKEN") ..
  '"},"action":{"name":"notes:read"},"resource":{"type":"note","id":"note-42"}}'
expect = '"decision":true'
