#!/usr/bin/env bash
# Token service benchmark: client_credentials issuance/s and introspection/s for
# Gatehouse (release build) and node-oidc-provider, measured in the same run on
# this machine. See bench/README.md. Run from anywhere:
#
#   bench/run.sh
#
# Knobs (environment):
#   ROUNDS=5          measured rounds per (server, endpoint); medians are reported
#   DURATION=10s      length of one measured wrk run
#   WARMUP=3s         one unmeasured wrk run per (server, endpoint) first
#   CONNECTIONS=64    concurrent keep-alive connections
#   THREADS=2         wrk threads
#   NODE_MODES="1 2"  node-oidc-provider process counts to measure (2 = cluster)
#   CARGO_TARGET_DIR  where cargo builds (default: <repo>/target)
#   BENCH_GATEHOUSE_BIN  use this binary instead of building one
#   BENCH_RESULTS     also write every run as TSV to this file
#   QUIET_WAIT=120    seconds to wait for an idle machine before each run
#   MANY_TOKENS=16384 distinct tokens for the introspect-many workload (Gatehouse only)
#
# Only loopback traffic. Exits 2 if any run saw a non-200 response, a body
# without the expected field, or a socket error: such numbers are not results.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults ROUNDS=5 DURATION=10s WARMUP=3s CONNECTIONS=64 THREADS=2 "NODE_MODES=1 2"


CLIENT_ID=svc
CLIENT_SECRET=bench-secret-0123456789abcdef
BENCH_BASIC=$(basic_auth "$CLIENT_ID:$CLIENT_SECRET")
export BENCH_BASIC

secs_of() { # 10s / 1m / 10 -> seconds
  case $1 in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

# --- tools -------------------------------------------------------------------

ensure_tool wrk
require_tool curl
require_tool python3
require_tool npm "it installs node-oidc-provider and, on linux-x64, Node 22"

build_release BENCH_GATEHOUSE_BIN=bin:gatehouse

NODE_DIR="$BENCH_DIR/node-oidc"
lock_sum=$(sha256sum "$NODE_DIR/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$NODE_DIR/node_modules/.bench-lock-sum" 2>/dev/null || true)" != "$lock_sum" ]; then
  log "npm ci in bench/node-oidc"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$lock_sum" >"$NODE_DIR/node_modules/.bench-lock-sum"
fi
# oidc-provider 9 supports Node >= 22; the lockfile carries Node 22 for linux-x64
# as an optional package. Elsewhere, the node on PATH is used.
NODE_BIN="$NODE_DIR/node_modules/.bin/node"
[ -x "$NODE_BIN" ] || NODE_BIN=$(command -v node) || die "node is needed"
NODE_VERSION=$("$NODE_BIN" --version)

# --- servers -------------------------------------------------------------------

make_work_dir gatehouse-bench
trap 'exit 130' INT TERM

# Gatehouse: a fresh SQLite database and one tenant with one client, every
# inherited GATEHOUSE_* variable cleared.
GH_PORT=$(free_port)
token_tenant_yaml "$CLIENT_ID" "$CLIENT_SECRET" | write_file "$WORK/gh/tenants/bench.yaml"
log "starting gatehouse on 127.0.0.1:$GH_PORT"
start_gatehouse --clean-env "$BENCH_GATEHOUSE_BIN" "$WORK/gh" "sqlite://$WORK/gh/gh.db" "$WORK/gh.log" "$GH_PORT"
GH_PID=$SERVER_PID

gh_token=$(client_token "$BASE/t/bench" "$CLIENT_ID:$CLIENT_SECRET" api:read) \
  || die "gatehouse did not issue a token (log: $(tail -n 5 "$WORK/gh.log"))"
curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$gh_token" \
  "$BASE/t/bench/introspect" | grep -q '"active":true' \
  || die "gatehouse does not report its own token active"
# Many distinct tokens for the introspect-many workload: 4x the verified-token
# cache, so that it measures the full verification path.
MANY_TOKENS=${MANY_TOKENS:-16384}
log "issuing $MANY_TOKENS tokens for introspect-many"
python3 "$BENCH_DIR/wrk/issue_tokens.py" "$GH_PORT" /t/bench/token "$MANY_TOKENS" >"$WORK/many-tokens.txt" \
  || die "could not issue the introspect-many tokens"

# node-oidc-provider: one process per entry of NODE_MODES. Every worker holds the
# same seeded token (see bench/node-oidc/server.mjs).
NODE_SEED=$("$NODE_BIN" -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
declare -A NODE_PORT NODE_PID
for n in $NODE_MODES; do
  port=$(free_port)
  log "starting node-oidc-provider ($n process(es), $NODE_VERSION) on 127.0.0.1:$port"
  start_server "$WORK/node$n.log" "$NODE_DIR" \
    env NODE_ENV=production PORT="$port" WORKERS="$n" BENCH_TOKEN="$NODE_SEED" "$NODE_BIN" server.mjs
  NODE_PID[$n]=$SERVER_PID
  NODE_PORT[$n]=$port
  wait_http "http://127.0.0.1:$port/.well-known/openid-configuration" "node-oidc-provider" "$WORK/node$n.log"
  curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials -d scope=api:read \
    "http://127.0.0.1:$port/token" | grep -q '"access_token"' || die "node-oidc-provider did not issue a token"
  for _ in 1 2 3 4; do # every worker must know the seeded token
    curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d "token=$NODE_SEED" \
      "http://127.0.0.1:$port/token/introspection" | grep -q '"active":true' \
      || die "node-oidc-provider does not report the seeded token active"
  done
done

# target name -> "port pid token-path introspect-path access-token"
declare -A TARGET
TARGETS=(gatehouse)
TARGET[gatehouse]="$GH_PORT $GH_PID /t/bench/token /t/bench/introspect $(urlencode "$gh_token")"
for n in $NODE_MODES; do
  name="node-oidc-x$n"
  TARGETS+=("$name")
  TARGET[$name]="${NODE_PORT[$n]} ${NODE_PID[$n]} /token /token/introspection $NODE_SEED"
done

# --- measuring -----------------------------------------------------------------

# CPU ticks used so far by a process and its children (the cluster workers).
cpu_ticks() {
  local pid total=0 p f
  for p in "$1" $(pgrep -P "$1" || true); do
    f=$(cut -d')' -f2 "/proc/$p/stat" 2>/dev/null) || continue
    # after "comm)": state is field 1, utime field 12, stime field 13
    total=$((total + $(echo "$f" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
# Busy CPU ticks of the whole machine (user+nice+system+irq+softirq+steal).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# Waits (up to QUIET_WAIT seconds) until the machine is nearly idle, so that a
# build or another benchmark does not share the CPUs with the measured run.
QUIET_WAIT=${QUIET_WAIT:-120}
wait_quiet() {
  local waited=0 a b
  while :; do
    a=$(machine_ticks); sleep 1; b=$(machine_ticks)
    [ $((b - a)) -le $((HZ / 4)) ] && return 0
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      log "machine still busy ($(awk -v t=$((b - a)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }') cores) after ${QUIET_WAIT}s; measuring anyway"
      return 0
    fi
    [ "$waited" = 0 ] && log "waiting for the machine to be idle (something else uses the CPUs)"
    waited=$((waited + 1))
  done
}

# node-oidc-provider workers store the seeded token again every second; after an
# issuance run pushed it out of their LRU, wait until every worker has it back.
node_seed_ready() { # PORT
  local i ok
  for i in $(seq 1 20); do
    ok=1
    for _ in 1 2 3 4; do
      curl -fsS -u "$CLIENT_ID:$CLIENT_SECRET" -d "token=$NODE_SEED" \
        "http://127.0.0.1:$1/token/introspection" | grep -q '"active":true' || ok=0
    done
    [ "$ok" = 1 ] && return 0
    sleep 0.5
  done
  die "node-oidc-provider on port $1 lost the seeded token"
}

# run_wrk TARGET ENDPOINT DURATION -> prints
#   "rps non200 badbody sockerr p50 p99 server_cores wrk_cores other_cores"
# other_cores is CPU used by anything but the server and wrk during the run.
run_wrk() {
  local port pid tpath ipath tok script before after mbefore mafter out
  read -r port pid tpath ipath tok <<<"${TARGET[$1]}"
  case $2 in
    token) script=token.lua ;;
    introspect) script=introspect.lua ;;
    introspect-many) script=introspect_many.lua ;;
  esac
  kill -0 "$pid" 2>/dev/null || die "$1 is no longer running"
  [ "$2" = introspect ] && [ "$tpath" = /token ] && node_seed_ready "$port"
  wait_quiet
  before=$(cpu_ticks "$pid")
  mbefore=$(machine_ticks)
  # bash's `time` reports the CPU used by wrk (user and system seconds).
  out=$(
    TIMEFORMAT='CPUTIMES %U %S'
    {
      time BENCH_TOKEN_PATH=$tpath BENCH_INTROSPECT_PATH=$ipath BENCH_ACCESS_TOKEN=$tok BENCH_TOKENS=$WORK/many-tokens.txt \
        timeout $(($(secs_of "$3") + 60)) wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 10s \
        -s "$BENCH_WRK_DIR/$script" "http://127.0.0.1:$port" 2>&1 || echo "WRKFAILED"
    } 2>&1
  )
  after=$(cpu_ticks "$pid")
  mafter=$(machine_ticks)
  case $out in *WRKFAILED*) die "wrk failed: $out" ;; esac
  echo "$out" | grep '^BADSAMPLE' | sed "s/^/bench: $1 $2: /" >&2 || true
  echo "$out" | awk -v cpu=$((after - before)) -v mcpu=$((mafter - mbefore)) -v hz="$HZ" '
    /^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      found = 1
    }
    /^CPUTIMES / { wrk = $2 + $3 }
    END {
      if (!found) exit 1
      other = mcpu / hz - cpu / hz - wrk
      if (other < 0) other = 0
      printf "%s %s %s %s %s %s %.2f %.2f %.2f\n", v["rps"], v["non200"], v["badbody"], v["sockerr"],
        v["p50_ms"], v["p99_ms"], cpu / hz / v["secs"], wrk / v["secs"], other / v["secs"]
    }' || die "no RESULT line from wrk: $out"
}

RESULTS="$WORK/results.tsv"
printf 'round\ttarget\tendpoint\trps\tnon200\tbadbody\tsockerr\tp50_ms\tp99_ms\tserver_cores\twrk_cores\tother_cores\n' >"$RESULTS"

# Gatehouse also introspects many distinct tokens (its cache's cold path); node's
# tokens are looked up in memory either way.
endpoints_of() { if [ "$1" = gatehouse ]; then echo token introspect introspect-many; else echo token introspect; fi; }

log "warm-up ($WARMUP per server and endpoint)"
for t in "${TARGETS[@]}"; do
  for e in $(endpoints_of "$t"); do run_wrk "$t" "$e" "$WARMUP" >/dev/null; done
done

# Rounds interleave the servers so that drift in the machine hits all of them.
for r in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    for e in $(endpoints_of "$t"); do
      line=$(run_wrk "$t" "$e" "$DURATION")
      printf '%s\t%s\t%s\t%s\n' "$r" "$t" "$e" "${line// /$'\t'}" >>"$RESULTS"
      log "round $r/$ROUNDS $t $e: $(echo "$line" | cut -d' ' -f1)/s"
    done
  done
done

kill -0 "$GH_PID" 2>/dev/null || die "gatehouse died during the run (log: $(tail -n 20 "$WORK/gh.log"))"
if grep -qiE 'panic|error' "$WORK/gh.log"; then
  log "gatehouse logged errors:"; grep -iE 'panic|error' "$WORK/gh.log" | sort | uniq -c | head -n 20 >&2
fi
for n in $NODE_MODES; do
  if grep -q 'server_error' "$WORK/node$n.log"; then
    log "node-oidc-provider x$n logged server errors:"; grep -A3 server_error "$WORK/node$n.log" | head -n 20 >&2
  fi
done

# --- report ----------------------------------------------------------------------

[ -n "${BENCH_RESULTS:-}" ] && cp "$RESULTS" "$BENCH_RESULTS"

col() { # TARGET ENDPOINT COLUMN
  awk -F'\t' -v t="$1" -v e="$2" -v c="$3" 'NR > 1 && $2 == t && $3 == e { print $c }' "$RESULTS"
}

echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load: wrk -t$THREADS -c$CONNECTIONS, $ROUNDS x $DURATION per cell after a $WARMUP warm-up; wrk runs on the same CPUs"
echo "gatehouse: $BENCH_GATEHOUSE_BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')); node-oidc-provider $(cd "$NODE_DIR" && "$NODE_BIN" -p 'require("oidc-provider/package.json").version' 2>/dev/null || echo '?') on node $NODE_VERSION"
echo
echo "all runs (req/s):"
column -t -s$'\t' "$RESULTS"
echo
printf '%-13s %-15s %8s %15s %7s %7s %7s %9s %6s %6s %6s\n' target endpoint "median" "min-max" "p50 ms" "p99 ms" "server" "per core" wrk other errors
printf '%-13s %-15s %8s %15s %7s %7s %7s %9s %6s %6s %6s\n' "" "" "req/s" "req/s" "" "" "cores" "req/s" cores cores ""
declare -A MED
for t in "${TARGETS[@]}"; do
  for e in $(endpoints_of "$t"); do
    MED[$t/$e]=$(col "$t" "$e" 4 | median)
    range=$(col "$t" "$e" 4 | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f-%.0f", lo, hi }')
    per_core=$(awk -F'\t' -v t="$t" -v e="$e" 'NR > 1 && $2 == t && $3 == e && $10 > 0 { print $4 / $10 }' "$RESULTS" | median)
    errs=$(awk -F'\t' -v t="$t" -v e="$e" 'NR > 1 && $2 == t && $3 == e { s += $5 + $6 + $7 } END { print s + 0 }' "$RESULTS")
    printf '%-13s %-15s %8.0f %15s %7.2f %7.2f %7.2f %9.0f %6.2f %6.2f %6s\n' "$t" "$e" "${MED[$t/$e]}" "$range" \
      "$(col "$t" "$e" 8 | median)" "$(col "$t" "$e" 9 | median)" "$(col "$t" "$e" 10 | median)" "$per_core" \
      "$(col "$t" "$e" 11 | median)" "$(col "$t" "$e" 12 | median)" "$errs"
  done
done
echo "(medians over $ROUNDS runs; server/wrk/other cores: CPU used per second of the run by the server, by wrk, and by everything else; per core: req/s per server core)"
echo
for n in $NODE_MODES; do
  for e in token introspect; do
    awk -v a="${MED[gatehouse/$e]}" -v b="${MED[node-oidc-x$n/$e]}" -v e="$e" -v n="$n" \
      'BEGIN { printf "ratio gatehouse / node-oidc-x%s  %-10s %.2fx\n", n, e, a / b }'
  done
done
awk -v i="${MED[gatehouse/token]}" -v s="${MED[gatehouse/introspect]}" 'BEGIN {
  printf "targets: issuance >= 15000/s: %s (%.0f); introspection >= 20000/s: %s (%.0f)\n",
    (i >= 15000 ? "met" : "NOT met"), i, (s >= 20000 ? "met" : "NOT met"), s }'
echo "introspection of many distinct tokens (cache misses): ${MED[gatehouse/introspect-many]}/s"

total_errs=$(awk -F'\t' 'NR > 1 { s += $5 + $6 + $7 } END { print s + 0 }' "$RESULTS")
if [ "$total_errs" != 0 ]; then
  echo "bench: $total_errs failed responses or socket errors during measured runs; the numbers above are not valid" >&2
  exit 2
fi
