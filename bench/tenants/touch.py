#!/usr/bin/env python3
"""First touch of many tenants: one client_credentials token per tenant.

Usage: touch.py HOST PORT N BASIC TOKENS_FILE [THREADS]
Tenants are t000001 .. tNNNNNN; each has the client `svc` whose Basic credentials
are BASIC (base64). Writes every access token, in tenant order, to TOKENS_FILE
(the introspection workload reads it) and prints one line:
  TOUCH tenants=N secs=S rate=R p50_ms=A p99_ms=B failures=F
Exits 2 when any request did not answer 200 with an access token.
"""
import http.client
import json
import sys
import threading
import time

host, port, n, basic, tokens_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 16
body = "grant_type=client_credentials&scope=api%3Aread"
headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
tokens = [""] * n
latencies = [0.0] * n
failures = []
next_index = [0]
lock = threading.Lock()


def worker():
    conn = http.client.HTTPConnection(host, port, timeout=60)
    while True:
        with lock:
            i = next_index[0]
            next_index[0] += 1
        if i >= n:
            return
        start = time.perf_counter()
        conn.request("POST", "/t/t%06d/token" % (i + 1), body, headers)
        res = conn.getresponse()
        data = res.read()
        latencies[i] = (time.perf_counter() - start) * 1000
        if res.status != 200:
            failures.append("t%06d: %d %s" % (i + 1, res.status, data[:200]))
            continue
        tokens[i] = json.loads(data)["access_token"]


began = time.perf_counter()
pool = [threading.Thread(target=worker) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
secs = time.perf_counter() - began
with open(tokens_file, "w") as f:
    f.write("\n".join(tokens) + "\n")
ordered = sorted(latencies)
pct = lambda p: ordered[min(len(ordered) - 1, int(len(ordered) * p))]
print("TOUCH tenants=%d secs=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f failures=%d"
      % (n, secs, n / secs, pct(0.50), pct(0.99), len(failures)))
for f in failures[:3]:
    print("FAILED " + f, file=sys.stderr)
sys.exit(2 if failures else 0)
