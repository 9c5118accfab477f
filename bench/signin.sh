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

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 TOKENS=512 "PARTS=refresh logins" ID_TOKEN_ALG=RS256
PG_ADMIN_URL=${PG_ADMIN_URL-postgres://postgres@127.0.0.1:5432/test} # set but empty: no PostgreSQL

S="$BENCH_DIR/signin"

ensure_tool wrk
build_release BENCH_GATEHOUSE_BIN=bin:gatehouse BENCH_ARGON2_BIN=example:argon2_rate

make_work_dir gatehouse-signin
write_file "$WORK/tenants/bench.yaml" <<YAML
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
BENCH_BASIC=$(basic_auth app:app-secret-0123456789abcdef)
export BENCH_BASIC
export BENCH_THREADS=$THREADS

start() { # $1 = database url; each start logs to its own file
  LOGN=$((${LOGN:-0} + 1))
  start_gatehouse "$BENCH_GATEHOUSE_BIN" "$WORK" "$1" "$WORK/server-$LOGN.log"
}

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
  stop_server
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
  a=$("$BENCH_ARGON2_BIN" 10 "$THREADS" | awk '{print $(NF-4)}')
  logins+=("$l")
  raw+=("$a")
  ratios+=("$(awk -v a="$l" -v b="$a" 'BEGIN {printf "%.1f", 100*a/b}')")
done
stop_server
lm=$(printf '%s\n' "${logins[@]}" | median)
rm_=$(printf '%s\n' "${raw[@]}" | median)
printf 'password logins/s: runs %s median %s\n' "${logins[*]}" "$lm"
printf 'raw argon2id verifications/s (%s threads): runs %s median %s\n' "$THREADS" "${raw[*]}" "$rm_"
awk -v a="$lm" -v b="$rm_" 'BEGIN {printf "logins / raw argon2 (ratio of medians): %.1f%%\n", 100*a/b}'
printf 'logins / raw argon2 per round: %s %%; median %s %%\n' "${ratios[*]}" "$(printf '%s\n' "${ratios[@]}" | median)"
