-- Password logins: the login form posted again and again (each verifies the
-- argon2id hash, starts a session and, for this first-party client, issues a code).
-- Env: BENCH_WRK_DIR, BENCH_CSRF, BENCH_REQUEST.
dofile(os.getenv("BENCH_WRK_DIR") .. "/errors.lua")
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "gh_csrf=" .. os.getenv("BENCH_CSRF")
  wrk.body = "csrf=" .. os.getenv("BENCH_CSRF") .. "&request=" .. os.getenv("BENCH_REQUEST")
    .. "&username=alice&password=alice-bench-password"
end
function response(status, headers, body)
  if status ~= 302 then errors = errors + 1 end
end
