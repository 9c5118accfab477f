"""Issues N client_credentials tokens from a running Gatehouse over one
keep-alive connection and prints them form-encoded, one per line.

usage: issue_tokens.py PORT TOKEN_PATH N   (BENCH_BASIC in the environment)
"""
import http.client
import json
import os
import sys
import urllib.parse

port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port)
headers = {
    "Authorization": "Basic " + os.environ["BENCH_BASIC"],
    "Content-Type": "application/x-www-form-urlencoded",
}
out = sys.stdout
for _ in range(n):
    conn.request("POST", path, "grant_type=client_credentials&scope=api%3Aread", headers)
    res = conn.getresponse()
    body = res.read()
    if res.status != 200:
        sys.exit(f"issue_tokens: HTTP {res.status}: {body[:200]!r}")
    out.write(urllib.parse.quote(json.loads(body)["access_token"], safe="") + "\n")
