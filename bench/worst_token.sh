#!/usr/bin/env bash
# The worst narrowed tokens a holder can build within the limits of
# verify::limits (docs/tokens.md, "Limits on narrowing blocks"): what one costs
# per request, and what it does to everyone else.
#
#   bench/worst_token.sh
#
# For each shape of examples/worst_token.rs (each fills its blocks up to what the
# verifier's own estimate accepts): the median latency of one introspection with
# one connection (cost per request, target < 5 ms), and the median latency of
# GET /healthz measured while CONNECTIONS connections introspect that token.
# Release build, wrk on the same cores, medians of ROUNDS runs. Loopback only.
#
# Knobs: ROUNDS=3 DURATION=10s CONNECTIONS=16 SHAPES="join2 join3 regex closure
#        strings rules scopes blocks facts", BENCH_GATEHOUSE_BIN /
#        BENCH_WORST_BIN (skip the build), CARGO_TARGET_DIR
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
SHAPES=${SHAPES:-join2 join3 regex closure strings rules scopes blocks facts}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BENCH_GATEHOUSE_BIN:-}" ] || [ -z "${BENCH_WORST_BIN:-}" ]; then
  log "building (release)"
  (cd "$ROOT" && cargo build --release --locked --bin gatehouse --example worst_token)
fi
GH=${BENCH_GATEHOUSE_BIN:-$TARGET/release/gatehouse}
WORST=${BENCH_WORST_BIN:-$TARGET/release/examples/worst_token}

WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/tenants"
cat >"$WORK/tenants/bench.yaml" <<'YAML'
slug: bench
name: Bench
scopes:
  - { name: notes:read, description: Read notes, permissions: [notes:read] }
roles:
  - { name: reader, permissions: [notes:read] }
clients:
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
    service_roles: [reader]
YAML

PORT=""
logf="$WORK/server.log"
(cd "$WORK" && exec env -u GATEHOUSE_TEST_DATABASE_URL \
  GATEHOUSE_SERVER__BIND=127.0.0.1:0 GATEHOUSE_DATABASE__URL="sqlite://$WORK/gh.db" \
  GATEHOUSE_TENANTS__DIR="$WORK/tenants" GATEHOUSE_LOGGING__LEVEL="warn,gatehouse::app=info" \
  GATEHOUSE_SECURITY__MASTER_KEY_FILE="$WORK/master.key" "$GH" serve >"$logf" 2>&1) &
SERVER=$!
for _ in $(seq 1 100); do
  PORT=$(grep -o 'port=[0-9]*' "$logf" 2>/dev/null | head -1 | cut -d= -f2 || true)
  [ -n "${PORT:-}" ] && curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
[ -n "${PORT:-}" ] || { tail -20 "$logf"; exit 1; }
BASE="http://127.0.0.1:$PORT"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# wrk's 50th percentile latency, in microseconds.
p50_us() {
  awk '/^ +50%/ { v=$2; if (v ~ /us$/) {sub("us","",v); print v}
                  else if (v ~ /ms$/) {sub("ms","",v); print v*1000}
                  else if (v ~ /s$/) {sub("s","",v); print v*1000000} }'
}

TOKEN=$(curl -fs -u svc:svc-secret-0123456789abcdef -d grant_type=client_credentials \
  -d scope=notes:read "$BASE/t/bench/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
BASIC=$(printf 'svc:svc-secret-0123456789abcdef' | base64 -w0)

printf '| shape | token chars | active | introspection p50, 1 connection | /healthz p50 under %s connections |\n|---|---:|---|---:|---:|\n' "$CONNECTIONS"
for shape in $SHAPES; do
  t=$("$WORST" craft "$BASE/t/bench" "$TOKEN" "$shape")
  enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$t")
  active=$(curl -fs -u svc:svc-secret-0123456789abcdef --data-urlencode "token=$t" \
    "$BASE/t/bench/introspect" | python3 -c 'import json,sys; print(json.load(sys.stdin)["active"])')
  own=(); health=()
  for _ in $(seq 1 "$ROUNDS"); do
    own+=("$(BENCH_WRK_DIR="$BENCH_DIR/wrk" BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect \
      BENCH_ACCESS_TOKEN=$enc wrk --latency -t1 -c1 -d"$DURATION" -s "$BENCH_DIR/wrk/introspect_any.lua" \
      "$BASE" | p50_us)")
    BENCH_WRK_DIR="$BENCH_DIR/wrk" BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect \
      BENCH_ACCESS_TOKEN=$enc wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
      -s "$BENCH_DIR/wrk/introspect_any.lua" "$BASE" >/dev/null &
    load=$!
    sleep 1
    health+=("$(wrk --latency -t1 -c1 -d5s "$BASE/healthz" | p50_us)")
    wait "$load"
  done
  printf '| %s | %s | %s | %s µs | %s µs |\n' "$shape" "${#t}" "$active" \
    "$(printf '%s\n' "${own[@]}" | median)" "$(printf '%s\n' "${health[@]}" | median)"
done
