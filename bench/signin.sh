#!/usr/bin/env bash
# Sign-in benchmark (issue: interactive sign-in, part 10):
#   - refresh-with-rotation/s on SQLite and on PostgreSQL
#   - password logins/s, as a fraction of raw argon2id verifications/s at the
#     same parameters on the same machine (examples/argon2_rate)
# Release build, wrk on the same 2 cores, medians of ROUNDS runs. Loopback only.
#
#   bench/signin.sh
#
# Knobs: ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 TOKENS=512
#        ID_TOKEN_ALG=RS256 (the client's id_token_signed_response_alg; RS256 is
#        the default of every client, ES256 or EdDSA what it costs less)
#        PARTS="refresh logins" (either alone measures just that)
#        PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/test (empty: skip PostgreSQL)
#        BENCH_GATEHOUSE_BIN / BENCH_ARGON2_BIN (skip the build), CARGO_TARGET_DIR
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
TOKENS=${TOKENS:-512}
PG_ADMIN_URL=${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/test}
PARTS=${PARTS:-refresh logins}
ID_TOKEN_ALG=${ID_TOKEN_ALG:-RS256}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
S="$BENCH_DIR/signin"
log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BENCH_GATEHOUSE_BIN:-}" ] || [ -z "${BENCH_ARGON2_BIN:-}" ]; then
  log "building (release)"
  (cd "$ROOT" && cargo build --release --locked --bin gatehouse --example argon2_rate)
fi
GH=${BENCH_GATEHOUSE_BIN:-$TARGET/release/gatehouse}
ARGON2=${BENCH_ARGON2_BIN:-$TARGET/release/examples/argon2_rate}

WORK=$(mktemp -d)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/tenants"
cat >"$WORK/tenants/bench.yaml" <<YAML
slug: bench
name: Bench
clients:
  - client_id: app
    secret: app-secret-0123456789abcdef
    id_token_signed_response_alg: $ID_TOKEN_ALG
    first_party: true
    redirect_uris: [http://127.0.0.1:3000/cb]
    grant_types: [authorization_code, refresh_token]
    scopes: [openid, offline_access]
users:
  - username: alice
    password: alice-bench-password
YAML
export BENCH_BASIC=$(printf 'app:app-secret-0123456789abcdef' | base64 -w0)
export BENCH_THREADS=$THREADS

start() { # $1 = database url
  LOGN=$((${LOGN:-0} + 1))
  local logf="$WORK/server-$LOGN.log"
  PORT=""
  # Only the "listening" line is logged (it names the port); per-request logs
  # would cost more than some of the work measured.
  (cd "$WORK" && exec env -u GATEHOUSE_TEST_DATABASE_URL \
    GATEHOUSE_SERVER__BIND=127.0.0.1:0 GATEHOUSE_DATABASE__URL="$1" \
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

stop() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# wrk → requests/s, failing on any bad response.
run_wrk() { # $1 = lua, $2 = path
  local out
  out=$(wrk --latency --timeout 10s -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$S/$1" "$BASE$2")
  echo "$out" >>"$WORK/wrk.txt"
  echo "$out" | grep -E "Latency|Socket errors" | sed "s/^/    /" >&2
  local bad
  bad=$(echo "$out" | awk '/^BAD/ {print $2}')
  [ "${bad:-1}" = 0 ] || { echo "$out" >&2; log "bad responses: $bad"; exit 2; }
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

refresh_rate() { # $1 = label, $2 = db url
  start "$2"
  local rates=()
  for r in $(seq 1 "$ROUNDS"); do
    python3 "$S/seed.py" "$BASE" "$TOKENS" >"$WORK/tokens"
    rates+=("$(BENCH_TOKENS="$WORK/tokens" run_wrk refresh.lua /t/bench/token)")
  done
  stop
  printf '%s refresh/s (ID tokens %s): runs %s median %s\n' "$1" "$ID_TOKEN_ALG" "${rates[*]}" "$(printf '%s\n' "${rates[@]}" | median)"
}

if [[ " $PARTS " == *" refresh "* ]]; then
log "refresh with rotation, SQLite"
refresh_rate SQLite "sqlite://$WORK/gh.db"
fi
if [[ " $PARTS " == *" refresh "* ]] && [ -n "$PG_ADMIN_URL" ]; then
  DB="gh_bench_$$"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null
  log "refresh with rotation, PostgreSQL"
  refresh_rate PostgreSQL "${PG_ADMIN_URL%/*}/$DB"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
fi

[[ " $PARTS " == *" logins "* ]] || exit 0
log "password logins"
start "sqlite://$WORK/gh2.db"
# Logins and raw argon2 alternate round by round (the server idles while the
# raw rate is measured), so that drift in the machine's speed hits both alike.
logins=()
raw=()
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  read -r csrf request < <(python3 "$S/seed.py" "$BASE" --login-form)
  l=$(BENCH_CSRF=$csrf BENCH_REQUEST=$request run_wrk login.lua /t/bench/login)
  a=$("$ARGON2" 10 "$THREADS" | awk '{print $(NF-4)}')
  logins+=("$l")
  raw+=("$a")
  ratios+=("$(awk -v a="$l" -v b="$a" 'BEGIN {printf "%.1f", 100*a/b}')")
done
stop
lm=$(printf '%s\n' "${logins[@]}" | median)
rm_=$(printf '%s\n' "${raw[@]}" | median)
printf 'password logins/s: runs %s median %s\n' "${logins[*]}" "$lm"
printf 'raw argon2id verifications/s (%s threads): runs %s median %s\n' "$THREADS" "${raw[*]}" "$rm_"
awk -v a="$lm" -v b="$rm_" 'BEGIN {printf "logins / raw argon2 (ratio of medians): %.1f%%\n", 100*a/b}'
printf 'logins / raw argon2 per round: %s %%; median %s %%\n' "${ratios[*]}" "$(printf '%s\n' "${ratios[@]}" | median)"
