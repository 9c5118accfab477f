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

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults ROUNDS=3 DURATION=10s CONNECTIONS=16 "SHAPES=join2 join3 regex closure strings rules scopes blocks facts"

ensure_tool wrk
build_release BENCH_GATEHOUSE_BIN=bin:gatehouse BENCH_WORST_BIN=example:worst_token

make_work_dir gatehouse-worst-token
notes_tenant_yaml | write_file "$WORK/tenants/bench.yaml"
start_gatehouse "$BENCH_GATEHOUSE_BIN" "$WORK" "sqlite://$WORK/gh.db" "$WORK/server.log"

# wrk's 50th percentile latency, in microseconds.
p50_us() {
  awk '/^ +50%/ { v=$2; if (v ~ /us$/) {sub("us","",v); print v}
                  else if (v ~ /ms$/) {sub("ms","",v); print v*1000}
                  else if (v ~ /s$/) {sub("s","",v); print v*1000000} }'
}

TOKEN=$(client_token "$BASE/t/bench" svc:svc-secret-0123456789abcdef notes:read)
BASIC=$(basic_auth svc:svc-secret-0123456789abcdef)

printf '| shape | token chars | active | introspection p50, 1 connection | /healthz p50 under %s connections |\n|---|---:|---|---:|---:|\n' "$CONNECTIONS"
for shape in $SHAPES; do
  t=$("$BENCH_WORST_BIN" craft "$BASE/t/bench" "$TOKEN" "$shape")
  enc=$(urlencode "$t")
  active=$(curl -fs -u svc:svc-secret-0123456789abcdef --data-urlencode "token=$t" \
    "$BASE/t/bench/introspect" | python3 -c 'import json,sys; print(json.load(sys.stdin)["active"])')
  own=(); health=()
  for _ in $(seq 1 "$ROUNDS"); do
    own+=("$(BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect \
      BENCH_ACCESS_TOKEN=$enc wrk --latency -t1 -c1 -d"$DURATION" -s "$BENCH_DIR/wrk/introspect_any.lua" \
      "$BASE" | p50_us)")
    BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect \
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
