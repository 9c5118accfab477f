#!/usr/bin/env bash
# Tenants at scale (issue 13): what N tenants cost, for each N in SIZES and each
# database in DATABASES. Per (database, N), on a fresh database:
#   apply     `gatehouse tenants apply` of N tenant files (each: a scope, the
#             client_credentials client svc, the user alice, the built-in
#             policies), wall time per tenant
#   touch     one token per tenant with every tenant cold (bench/tenants/touch.py,
#             TOUCH_THREADS keep-alive connections): tenants/s, p50, p99, and the
#             server's CPU per first touch against its CPU per warm token (the
#             one-tenant token run): what a first touch costs beyond a warm request
#   rss       the server's RSS before the touch and with all N live: KB per tenant
#   idle      CPU of the server while all N are live and nothing is asked, over IDLE
#   spread    wrk: client_credentials and introspection with each request's tenant
#             picked at random among the N, against the same on one tenant; before
#             the introspection runs every token is introspected once
#             (bench/tenants/warm.py), so both runs measure warm verified-token caches
#   evicted   RSS after the tenants' idle timeout (IDLE_TIMEOUT) has passed
# Knobs (environment):
#   SIZES="1 1000 10000 100000"  tenant counts
#   DATABASES="sqlite postgres"  postgres needs PG_ADMIN_URL (a database CREATE/DROP works on)
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test
#   DURATION=10s CONNECTIONS=32 THREADS=2   each wrk run (DURATION in seconds)
#   IDLE=10            seconds of idle CPU measured
#   IDLE_TIMEOUT=auto  tenants.idle_timeout of the server, in seconds with an s (the
#                      eviction step waits it out); auto = long enough that no tenant
#                      is evicted before the spread runs end (N/500 s for the touch and
#                      the warm-up, plus IDLE, four wrk runs and 30 s), so the
#                      steps measure live tenants rather than churn
#   TOUCH_THREADS=16
#   BENCH_GATEHOUSE_BIN / CARGO_TARGET_DIR as in run.sh
# Prints one line per step and a table at the end. Exits 2 when any request of a
# measured step failed.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

defaults "SIZES=1 1000 10000 100000" "DATABASES=sqlite postgres" \
  PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test DURATION=10s CONNECTIONS=32 \
  THREADS=2 IDLE=10 IDLE_TIMEOUT=auto TOUCH_THREADS=16

SECRET=svc-secret-0123456789abcdef
BENCH_BASIC=$(basic_auth "svc:$SECRET")
export BENCH_BASIC

ensure_tool wrk
require_tool curl
require_tool python3
build_release BENCH_GATEHOUSE_BIN=bin:gatehouse
make_work_dir gatehouse-tenants
trap 'exit 130' INT TERM

# The server's resident set, in KB, and its CPU time so far, in clock ticks.
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

# One argon2 hash for every user (hashing N passwords would measure argon2, not
# tenants): apply one tenant with a plain password once and read its hash back.
password_hash() {
  local dir=$WORK/hash
  write_file "$dir/files/h.yaml" <<'YAML'
slug: hash
name: Hash
users:
  - { username: alice, password: correct-horse-battery }
YAML
  env GATEHOUSE_DATABASE__URL="sqlite://$dir/h.db" GATEHOUSE_SECURITY__MASTER_KEY_FILE="$dir/master.key" \
    "$BENCH_GATEHOUSE_BIN" tenants apply "$dir/files" >/dev/null
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select password_hash from users").fetchone()[0])' "$dir/h.db"
}
HASH=$(password_hash)

# write_tenants DIR N: the tenant files t000001.yaml .. tNNNNNN.yaml.
write_tenants() {
  python3 - "$1" "$2" "$SECRET" "$HASH" <<'PY'
import os, sys
d, n, secret, hash_ = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(d, exist_ok=True)
for i in range(1, n + 1):
    slug = "t%06d" % i
    with open(os.path.join(d, slug + ".yaml"), "w") as f:
        f.write(f"""slug: {slug}
name: Tenant {i}
scopes:
  - {{ name: api:read, description: Read the API }}
clients:
  - client_id: svc
    secret: {secret}
    grant_types: [client_credentials]
    scopes: [api:read]
users:
  - {{ username: alice, password_hash: '{hash_}' }}
""")
PY
}

# spread KIND N: one wrk run of KIND (token | introspect) over N tenants; prints
# "rps p50_ms p99_ms" and counts failures in FAILED.
FAILED=0
spread() {
  local out
  out=$(BENCH_KIND=$1 BENCH_TENANTS=$2 BENCH_TOKENS_FILE="$WORK/tokens" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH_DIR/tenants/spread.lua" "$BASE")
  echo "$out" | awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      print v["rps"], v["p50_ms"], v["p99_ms"]
      if (v["non200"] + v["badbody"] + v["sockerr"] > 0) exit 3
    }' || { FAILED=1; echo "$out" | grep -m3 BADSAMPLE >&2 || true; echo "0 0 0"; }
}

ROWS=()
measure() { # DB_NAME DB_URL N
  local name=$1 url=$2 n=$3 dir=$WORK/$1-$3 t0 t1 apply_ms
  log "$name, $n tenants: writing files"
  write_tenants "$dir/files" "$n"
  mkdir -p "$dir/tenants"
  t0=$(date +%s%N)
  env GATEHOUSE_DATABASE__URL="$url" GATEHOUSE_SECURITY__MASTER_KEY_FILE="$dir/master.key" \
    GATEHOUSE_LOGGING__LEVEL=warn "$BENCH_GATEHOUSE_BIN" tenants apply "$dir/files" >/dev/null
  t1=$(date +%s%N)
  apply_ms=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / 1e6 / n }')
  log "$name, $n tenants: apply $apply_ms ms per tenant"

  local idle_timeout=${IDLE_TIMEOUT%s}
  if [ "$IDLE_TIMEOUT" = auto ]; then
    idle_timeout=$(( n / 500 + IDLE + 4 * ${DURATION%s} + 30 ))
  fi
  GATEHOUSE_TENANTS__IDLE_TIMEOUT=${idle_timeout}s start_gatehouse "$BENCH_GATEHOUSE_BIN" "$dir" "$url" \
    "$dir/server.log" "$(free_port)"
  local pid=$SERVER_PID rss0 rss1 rss2 c0 c1 idle touch ct0 ct1 touch_cpu
  sleep 1
  rss0=$(rss_kb "$pid")
  ct0=$(cpu_ticks "$pid")
  touch=$(python3 "$BENCH_DIR/tenants/touch.py" 127.0.0.1 "$PORT" "$n" "$BENCH_BASIC" "$WORK/tokens" \
    "$TOUCH_THREADS") || FAILED=1
  ct1=$(cpu_ticks "$pid")
  touch_cpu=$(awk -v a="$ct0" -v b="$ct1" -v t="$TICKS" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / t * 1000 / n }')
  log "$name, $n tenants: $touch; server CPU ${touch_cpu} ms per first touch"
  rss1=$(rss_kb "$pid")
  c0=$(cpu_ticks "$pid")
  sleep "$IDLE"
  c1=$(cpu_ticks "$pid")
  idle=$(awk -v a="$c0" -v b="$c1" -v t="$TICKS" -v s="$IDLE" 'BEGIN { printf "%.1f", (b - a) / t / s * 100 }')
  log "$name, $n tenants: idle CPU ${idle}% of a core, RSS ${rss0} -> ${rss1} KB"
  local tok_all tok_one int_all int_one
  tok_all=$(spread token "$n")
  local cw0 cw1 warm_cpu
  cw0=$(cpu_ticks "$pid")
  tok_one=$(spread token 1)
  cw1=$(cpu_ticks "$pid")
  # CPU per warm token: the run's CPU over its requests (rps × DURATION).
  warm_cpu=$(awk -v a="$cw0" -v b="$cw1" -v t="$TICKS" -v r="${tok_one%% *}" -v d="${DURATION%s}" \
    'BEGIN { printf "%.3f", (r > 0 ? (b - a) / t * 1000 / (r * d) : 0) }')
  log "$name, $n tenants: server CPU ${warm_cpu} ms per warm token"
  local warm
  warm=$(python3 "$BENCH_DIR/tenants/warm.py" 127.0.0.1 "$PORT" "$BENCH_BASIC" "$WORK/tokens" \
    "$TOUCH_THREADS") || FAILED=1
  log "$name, $n tenants: $warm"
  int_all=$(spread introspect "$n")
  int_one=$(spread introspect 1)
  log "$name, $n tenants: token all/one (rps p50 p99) $tok_all / $tok_one; introspect $int_all / $int_one"
  # Eviction: nothing asks for IDLE_TIMEOUT plus the idle check's period.
  sleep "$(( idle_timeout + idle_timeout / 2 + 2 ))"
  rss2=$(rss_kb "$pid")
  stop_server "$pid"
  local per_tenant
  per_tenant=$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')
  ROWS+=("$name $n $apply_ms $(echo "$touch" | sed -E 's/.*rate=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1 \2 \3/') \
$per_tenant $idle $rss2 $tok_all $tok_one $int_all $int_one $touch_cpu $warm_cpu")
}

for db in $DATABASES; do
  for n in $SIZES; do
    case $db in
      sqlite) measure sqlite "sqlite://$WORK/sqlite-$n.db" "$n" ;;
      postgres)
        name="gh_tenants_$$_$n"
        psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $name" >/dev/null
        measure postgres "${PG_ADMIN_URL%/*}/$name" "$n"
        psql "$PG_ADMIN_URL" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
        ;;
      *) die "unknown database $db (sqlite or postgres)" ;;
    esac
  done
done

echo
echo "machine: $(nproc) CPUs; gatehouse $BENCH_GATEHOUSE_BIN ($(cd "$ROOT" && git rev-parse --short HEAD)); wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
printf '%-8s %7s %8s %9s %7s %7s %8s %6s %9s   %-26s %-26s %-26s %-26s %9s %8s\n' db tenants apply_ms \
  touch/s t_p50 t_p99 KB/tenant idle% evictedKB "token all (rps p50 p99)" "token one" \
  "introspect all" "introspect one" touch_cpu warm_cpu
for row in "${ROWS[@]}"; do
  # shellcheck disable=SC2086
  set -- $row
  printf '%-8s %7s %8s %9s %7s %7s %8s %6s %9s   %-26s %-26s %-26s %-26s %9s %8s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
    "$7" "$8" "$9" "${10} ${11} ${12}" "${13} ${14} ${15}" "${16} ${17} ${18}" "${19} ${20} ${21}" "${22}" "${23}"
done
[ "$FAILED" = 0 ] || { echo "some requests failed: these numbers are not results" >&2; exit 2; }
