#!/usr/bin/env python3
"""Introspects every token once, so that each tenant's verified-token cache
holds its token before the measured introspection runs (the one-tenant run
warms its single token in its first request; without this, the spread run
measured the first verification of most of its N tokens, not N tenants).

Usage: warm.py HOST PORT BASIC TOKENS_FILE [THREADS]
Tokens are in tenant order (t000001 first), as touch.py wrote them. Prints
  WARM tokens=N secs=S failures=F
and exits 2 when any answer was not 200 with "active":true.
"""
import http.client
import sys
import threading
import time
import urllib.parse

host, port, basic, tokens_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 16
tokens = [t for t in open(tokens_file).read().split("\n") if t]
headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
failures = []
next_index = [0]
lock = threading.Lock()


def worker():
    conn = http.client.HTTPConnection(host, port, timeout=60)
    while True:
        with lock:
            i = next_index[0]
            next_index[0] += 1
        if i >= len(tokens):
            return
        body = "token=" + urllib.parse.quote(tokens[i], safe="")
        conn.request("POST", "/t/t%06d/introspect" % (i + 1), body, headers)
        res = conn.getresponse()
        data = res.read()
        if res.status != 200 or b'"active":true' not in data:
            failures.append("t%06d: %d %s" % (i + 1, res.status, data[:200]))


began = time.perf_counter()
pool = [threading.Thread(target=worker) for _ in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
print("WARM tokens=%d secs=%.2f failures=%d" % (len(tokens), time.perf_counter() - began, len(failures)))
for f in failures[:3]:
    print(f, file=sys.stderr)
sys.exit(2 if failures else 0)
