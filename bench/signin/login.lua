-- Password logins: the login form posted again and again (each verifies the
-- argon2id hash, starts a session and, for this first-party client, issues a code).
errors = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
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
function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do e = e + (t:get("errors") or 0) end
  io.write(string.format("BAD %d\n", e + summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
