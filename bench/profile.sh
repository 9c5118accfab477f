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
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DIE_PREFIX=profile
defaults CONNECTIONS=64 THREADS=2 SECONDS_RECORDED=8

CLIENT_ID=svc
CLIENT_SECRET=bench-secret-0123456789abcdef
BENCH_BASIC=$(basic_auth "$CLIENT_ID:$CLIENT_SECRET")
export BENCH_BASIC

ensure_tool perf linux-perf
ensure_tool wrk

build_release BENCH_GATEHOUSE_BIN=bin:gatehouse

make_work_dir gatehouse-profile

# The same tenant and server settings as bench/run.sh.
token_tenant_yaml "$CLIENT_ID" "$CLIENT_SECRET" | write_file "$WORK/tenants/bench.yaml"
start_gatehouse --clean-env "$BENCH_GATEHOUSE_BIN" "$WORK" "sqlite://$WORK/gh.db" "$WORK/gh.log" "$(free_port)"
GH_PID=$SERVER_PID
token=$(client_token "$BASE/t/bench" "$CLIENT_ID:$CLIENT_SECRET" api:read) || die "no token: $(tail -n 5 "$WORK/gh.log")"
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

# The parts of the request path: the endpoint a part belongs to (* = both), a
# regular expression for the stack, its name (tab-separated). Each sample goes to
# the first part whose expression matches anywhere in its stack.
cat >"$WORK/parts.tsv" <<'EOF'
token	biscuit_auth::crypto|ed25519_dalek	Biscuit mint: Ed25519 signature + next-block key pair (crypto)
token	biscuit_auth|biscuit_parser	Biscuit mint: builder, Datalog source parsing, symbols, protobuf, base64
token	gatehouse::tokens	rest of tokens::issue
introspect	verify_strict|VerifyingKey::verify	Biscuit::from_base64: Ed25519 signature verification
introspect	ExpandedSecretKey	Biscuit::from_base64: next-key proof check (public key from secret)
introspect	Biscuit::from_base64	Biscuit::from_base64: base64, protobuf, rest
introspect	gatehouse::verify::authorize	effective_scopes: one more authorizer per scope
introspect	trusted_facts|Authorizer::query|AuthorizerBuilder|biscuit_auth|biscuit_parser	trusted_facts: authorizer build + 6 Datalog queries
introspect	gatehouse::tokens::access::inspect	rest of tokens::access::inspect
*	client_auth|sha2::	client authentication (Basic decode, SHA-256 compare)
*	serde_json	JSON response body
*	gatehouse::|tracing::	rest of the request in Gatehouse code (tenant extractor, form parsing, middleware, body)
*	kernel.kallsyms	kernel (TCP send/receive, epoll, scheduling)
*	actix|tokio|mio	actix-web / actix-http / tokio (HTTP parsing, dispatch, writes)
*	.	other (allocator, libc, ...)
EOF
perf script -i "$DATA" 2>/dev/null | awk -v endpoint="$ENDPOINT" -v parts="$WORK/parts.tsv" '
  BEGIN {
    while ((getline line <parts) > 0) {
      split(line, f, "\t")
      if (f[1] == endpoint || f[1] == "*") { m[++n] = f[2]; b[n] = f[3] }
    }
    RS = ""
  }
  {
    total++
    for (i = 1; i <= n; i++) if ($0 ~ m[i]) { c[i]++; break }
  }
  END {
    for (i = 1; i <= n; i++) printf "%5.1f%%  %s\n", 100 * c[i] / total, b[i]
    printf "%d samples\n", total
  }'
