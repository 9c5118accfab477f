#!/usr/bin/env bash
# Decision benchmark (issue: rights and delegation, part 10):
#   - AuthZEN Access Evaluations/s against a tenant with POLICIES policies (the
#     matching one last, so every decision walks all of them)
#   - the cost of each appended Biscuit block in introspection
# Release build, wrk on the same 2 cores, medians of ROUNDS runs. Loopback only.
#
#   bench/decision.sh
#
# Knobs: ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 POLICIES=50 BLOCKS="1 2 4 8"
#        SHAPE=other-types (the other policies are about other resource types, which
#        the resource-type index skips) or same-type (all about notes: no skipping)
#        BENCH_GATEHOUSE_BIN / BENCH_ATTENUATE_BIN (skip the build), CARGO_TARGET_DIR
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
POLICIES=${POLICIES:-50}
BLOCKS=${BLOCKS:-1 2 4 8}
SHAPE=${SHAPE:-other-types}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BENCH_GATEHOUSE_BIN:-}" ] || [ -z "${BENCH_ATTENUATE_BIN:-}" ]; then
  log "building (release)"
  (cd "$ROOT" && cargo build --release --locked --bin gatehouse --example attenuate)
fi
GH=${BENCH_GATEHOUSE_BIN:-$TARGET/release/gatehouse}
ATTENUATE=${BENCH_ATTENUATE_BIN:-$TARGET/release/examples/attenuate}

WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/tenants"

# POLICIES-1 policies about other resource types, then the one that decides.
{
  cat <<'YAML'
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
  - client_id: pep
    secret: pep-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
policies:
YAML
  for i in $(seq 1 $((POLICIES - 1))); do
    if [ "$SHAPE" = same-type ]; then type=note; else type="doc-$i"; fi
    printf '  - name: docs-%d\n    code: |\n      allow if resource_type("%s"), action($a), right($a), $a.starts_with("docs-%d:");\n' "$i" "$type" "$i"
  done
  printf '  - name: notes\n    code: |\n      allow if resource_type("note"), action($a), right($a);\n'
} >"$WORK/tenants/bench.yaml"

start() {
  local logf="$WORK/server.log"
  PORT=""
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
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

token() { # $1 = client:secret, $2 = scope
  curl -fs -u "$1" -d grant_type=client_credentials -d "scope=$2" "$BASE/t/bench/token" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

run_wrk() { # $1 = lua script; env carries its parameters
  local out
  out=$(BENCH_WRK_DIR="$BENCH_DIR/wrk" wrk --latency --timeout 10s -t"$THREADS" -c"$CONNECTIONS" \
    -d"$DURATION" -s "$1" "$BASE")
  local bad
  bad=$(echo "$out" | sed -n 's/.* non200=\([0-9]*\) badbody=\([0-9]*\).*/\1 \2/p' | awk '{print $1+$2}')
  [ "${bad:-1}" = 0 ] || { echo "$out" >&2; log "bad responses"; exit 2; }
  echo "$out" | grep -o 'rps=[0-9.]*' | cut -d= -f2
}

start
PEP=$(token pep:pep-secret-0123456789abcdef notes:read)
SUBJECT=$(token svc:svc-secret-0123456789abcdef notes:read)

log "AuthZEN evaluations with $POLICIES policies"
BENCH_PEP_TOKEN=$PEP BENCH_SUBJECT_TOKEN=$SUBJECT BENCH_EVAL_PATH=/t/bench/access/v1/evaluation \
  DURATION=3s run_wrk "$BENCH_DIR/decision/evaluate.lua" >/dev/null
evals=()
for r in $(seq 1 "$ROUNDS"); do
  evals+=("$(BENCH_PEP_TOKEN=$PEP BENCH_SUBJECT_TOKEN=$SUBJECT \
    BENCH_EVAL_PATH=/t/bench/access/v1/evaluation run_wrk "$BENCH_DIR/decision/evaluate.lua")")
done
printf 'evaluations/s (%s policies, %s): runs %s median %s\n' "$POLICIES" "$SHAPE" "${evals[*]}" \
  "$(printf '%s\n' "${evals[@]}" | median)"

log "introspection by number of appended blocks"
BASIC=$(printf 'pep:pep-secret-0123456789abcdef' | base64 -w0)
for n in $BLOCKS; do
  t=$SUBJECT
  for _ in $(seq 1 "$n"); do
    t=$("$ATTENUATE" "$BASE/t/bench" "$t" 'check if time($t), $t < 2099-01-01T00:00:00Z;')
  done
  enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$t")
  rates=()
  for r in $(seq 1 "$ROUNDS"); do
    rates+=("$(BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect BENCH_ACCESS_TOKEN=$enc \
      run_wrk "$BENCH_DIR/wrk/introspect.lua")")
  done
  m=$(printf '%s\n' "${rates[@]}" | median)
  printf 'introspection, %s appended block(s): runs %s median %s/s = %s µs of the 2 cores per request\n' \
    "$n" "${rates[*]}" "$m" "$(awk -v r="$m" -v c="$THREADS" 'BEGIN {printf "%.1f", c*1e6/r}')"
done
