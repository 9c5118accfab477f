#!/usr/bin/env bash
# Where Gatehouse's CPU time goes under the bench load: starts the release binary
# like bench/run.sh does, drives one endpoint with wrk, records the server with
# `perf record --call-graph dwarf`, and prints the share of samples per part of
# the request path. Run from anywhere, as root (or with perf_event_paranoid <= 1):
#
#   bench/profile.sh token        # or: introspect
#
# Knobs: BENCH_GATEHOUSE_BIN (else builds like run.sh, honouring CARGO_TARGET_DIR),
# CONNECTIONS=64, THREADS=2, SECONDS_RECORDED=8, PERF_DATA (keep perf.data there).
# The release profile keeps symbols, so no special build is needed.
set -euo pipefail

ENDPOINT=${1:-token}
case $ENDPOINT in token | introspect) ;; *) echo "usage: $0 token|introspect" >&2; exit 1 ;; esac
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SECONDS_RECORDED=${SECONDS_RECORDED:-8}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
export BENCH_WRK_DIR="$BENCH_DIR/wrk"
CLIENT_ID=svc
CLIENT_SECRET=bench-secret-0123456789abcdef
BENCH_BASIC=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)
export BENCH_BASIC

die() { printf 'profile: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

command -v perf >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq linux-perf >/dev/null; }
command -v wrk >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq wrk >/dev/null; }

if [ -z "${BENCH_GATEHOUSE_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked --bin gatehouse)
  BENCH_GATEHOUSE_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/gatehouse"
  case $BENCH_GATEHOUSE_BIN in /*) ;; *) BENCH_GATEHOUSE_BIN="$ROOT/$BENCH_GATEHOUSE_BIN" ;; esac
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-profile.XXXXXX")
GH_PID=
cleanup() {
  [ -n "$GH_PID" ] && { kill "$GH_PID" 2>/dev/null || true; wait "$GH_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))
mkdir -p "$WORK/tenants"
cat >"$WORK/tenants/bench.yaml" <<EOF
slug: bench
name: Bench
scopes: [{ name: "api:read", description: Read }]
clients:
  - client_id: $CLIENT_ID
    secret: $CLIENT_SECRET
    grant_types: [client_credentials]
    scopes: ["api:read"]
EOF
(
  cd "$WORK"
  for v in $(compgen -e | grep '^GATEHOUSE_' || true); do unset "$v"; done
  export GATEHOUSE_SERVER__BIND=127.0.0.1:$PORT GATEHOUSE_SERVER__PUBLIC_URL=http://127.0.0.1:$PORT \
    GATEHOUSE_DATABASE__URL=sqlite://$WORK/gh.db GATEHOUSE_TENANTS__DIR=$WORK/tenants \
    GATEHOUSE_LOGGING__LEVEL=warn GATEHOUSE_SECURITY__MASTER_KEY_FILE=$WORK/master.key
  exec "$BENCH_GATEHOUSE_BIN" serve
) >"$WORK/gh.log" 2>&1 &
GH_PID=$!
for _ in $(seq 1 150); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.2; done
token=$(curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=api:read \
  "http://127.0.0.1:$PORT/t/bench/token" | sed -E 's/.*"access_token":"([^"]+)".*/\1/') || die "no token: $(tail -n 5 "$WORK/gh.log")"
export BENCH_TOKEN_PATH=/t/bench/token BENCH_INTROSPECT_PATH=/t/bench/introspect BENCH_ACCESS_TOKEN=$token

script=token.lua
[ "$ENDPOINT" = introspect ] && script=introspect.lua
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$BENCH_WRK_DIR/$script" "http://127.0.0.1:$PORT" >/dev/null # warm-up
wrk -t"$THREADS" -c"$CONNECTIONS" -d$((SECONDS_RECORDED + 3))s --timeout 10s -s "$BENCH_WRK_DIR/$script" \
  "http://127.0.0.1:$PORT" >"$WORK/wrk.out" 2>&1 &
WRK_PID=$!
sleep 1
DATA=${PERF_DATA:-$WORK/perf.data}
perf record -q -F 499 --call-graph dwarf,16384 -p "$GH_PID" -o "$DATA" -- sleep "$SECONDS_RECORDED" 2>/dev/null
wait "$WRK_PID"
grep -E '^(RESULT|BADSAMPLE)' "$WORK/wrk.out" || true
echo "(throughput is lower than in bench/run.sh: perf's unwinding costs CPU)"
echo

# Each sample goes to the first bucket whose marker appears anywhere in its stack.
perf script -i "$DATA" 2>/dev/null | awk -v endpoint="$ENDPOINT" '
  BEGIN {
    RS = ""
    if (endpoint == "token") {
      b[++n] = "Biscuit mint: Ed25519 signature + next-block key pair (crypto)"; m[n] = "biscuit_auth::crypto|ed25519_dalek"
      b[++n] = "Biscuit mint: builder, Datalog source parsing, symbols, protobuf, base64"; m[n] = "biscuit_auth|biscuit_parser"
      b[++n] = "rest of tokens::issue"; m[n] = "gatehouse::tokens"
    } else {
      b[++n] = "Biscuit::from_base64: Ed25519 signature verification"; m[n] = "verify_strict|VerifyingKey::verify"
      b[++n] = "Biscuit::from_base64: next-key proof check (public key from secret)"; m[n] = "ExpandedSecretKey"
      b[++n] = "Biscuit::from_base64: base64, protobuf, rest"; m[n] = "Biscuit::from_base64"
      b[++n] = "effective_scopes: one more authorizer per scope"; m[n] = "gatehouse::verify::authorize"
      b[++n] = "trusted_facts: authorizer build + 6 Datalog queries"; m[n] = "trusted_facts|Authorizer::query|AuthorizerBuilder|biscuit_auth|biscuit_parser"
      b[++n] = "rest of tokens::access::inspect"; m[n] = "gatehouse::tokens::access::inspect"
    }
    b[++n] = "client authentication (Basic decode, SHA-256 compare)"; m[n] = "client_auth|sha2::"
    b[++n] = "JSON response body"; m[n] = "serde_json"
    b[++n] = "rest of the request in Gatehouse code (tenant extractor, form parsing, middleware, body)"; m[n] = "gatehouse::|tracing::"
    b[++n] = "kernel (TCP send/receive, epoll, scheduling)"; m[n] = "kernel.kallsyms"
    b[++n] = "actix-web / actix-http / tokio (HTTP parsing, dispatch, writes)"; m[n] = "actix|tokio|mio"
    b[++n] = "other (allocator, libc, ...)"; m[n] = "."
  }
  {
    total++
    for (i = 1; i <= n; i++) if ($0 ~ m[i]) { c[i]++; break }
  }
  END {
    for (i = 1; i <= n; i++) printf "%5.1f%%  %s\n", 100 * c[i] / total, b[i]
    printf "%d samples\n", total
  }'
