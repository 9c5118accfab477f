#!/usr/bin/env bash
# MFA sign-in benchmark (issue 16, part 11): sign-ins per second with a
# password and an authenticator app's code, as a share of password-only
# sign-ins in the same run (target >= 90 %). Both kinds do one argon2id
# verification; the second adds a request, opening the sealed key, HMAC-SHA-1
# and the conditional write of the used step. Release build, the driver
# (examples/mfa_signin_rate) on the same 2 cores, rounds alternating so that
# drift in the machine's speed hits both alike; medians of ROUNDS. SQLite.
#
#   bench/mfa.sh
#
# Knobs: ROUNDS=3 DURATION=8 CONNECTIONS=32 TOTP_USERS=2500 (each can sign in
#        about once per 30-second step: enough for ROUNDS rounds at ~150/s)
#        BENCH_GATEHOUSE_BIN / BENCH_MFA_BIN (skip the build), CARGO_TARGET_DIR
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults ROUNDS=3 DURATION=8 CONNECTIONS=32 TOTP_USERS=2500

build_release BENCH_GATEHOUSE_BIN=bin:gatehouse BENCH_MFA_BIN=example:mfa_signin_rate

make_work_dir gatehouse-mfa
tenant_head() {
  cat <<YAML
slug: bench
name: Bench
clients:
  - client_id: app
    secret: app-secret-0123456789abcdef
    first_party: true
    redirect_uris: [http://127.0.0.1:3000/cb]
    grant_types: [authorization_code]
    scopes: [openid]
users:
YAML
}
gh() { # the CLI on the benchmark's database
  (cd "$WORK" && env -u GATEHOUSE_TEST_DATABASE_URL GATEHOUSE_DATABASE__URL="sqlite://$WORK/gh.db" \
    GATEHOUSE_SECURITY__MASTER_KEY_FILE="$WORK/master.key" GATEHOUSE_TENANTS__DIR="$WORK/tenants" \
    GATEHOUSE_LOGGING__LEVEL=warn "$BENCH_GATEHOUSE_BIN" "$@")
}
# One argon2id hash of the users' password, made by Gatehouse itself, so that
# thousands of users need not be hashed one by one at start-up.
{ tenant_head; echo "  - { username: u0, password: bench-user-password }"; } | write_file "$WORK/tenants/bench.yaml"
gh tenants apply "$WORK/tenants/bench.yaml" >/dev/null
HASH=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT password_hash FROM users").fetchone()[0])' "$WORK/gh.db")
# Users u0.. get an authenticator app; p0.. keep the password alone.
{
  tenant_head
  for i in $(seq 0 $((TOTP_USERS - 1))); do echo "  - { username: u$i, password_hash: '$HASH' }"; done
  for i in $(seq 0 $((CONNECTIONS - 1))); do echo "  - { username: p$i, password_hash: '$HASH' }"; done
} | write_file "$WORK/tenants/bench.yaml"

log "starting gatehouse with $((TOTP_USERS + CONNECTIONS)) users"
start_gatehouse "$BENCH_GATEHOUSE_BIN" "$WORK" "sqlite://$WORK/gh.db" "$WORK/server.log"
log "setting up $TOTP_USERS authenticator apps"
"$BENCH_MFA_BIN" seed "$BASE" 0 "$TOTP_USERS" "$WORK/keys"

pwd_rates=()
totp_rates=()
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  p=$("$BENCH_MFA_BIN" run "$BASE" password "$DURATION" "$CONNECTIONS" "$CONNECTIONS" | awk '{print $NF}' | tr -d '/s')
  t=$("$BENCH_MFA_BIN" run "$BASE" totp "$DURATION" "$CONNECTIONS" "$WORK/keys" | awk '{print $NF}' | tr -d '/s')
  log "round $r: password $p/s, password + TOTP $t/s"
  pwd_rates+=("$p")
  totp_rates+=("$t")
  ratios+=("$(awk -v a="$t" -v b="$p" 'BEGIN {printf "%.1f", 100*a/b}')")
done
stop_server
pm=$(printf '%s\n' "${pwd_rates[@]}" | median)
tm=$(printf '%s\n' "${totp_rates[@]}" | median)
printf 'password sign-ins/s: runs %s median %s\n' "${pwd_rates[*]}" "$pm"
printf 'password + TOTP sign-ins/s: runs %s median %s\n' "${totp_rates[*]}" "$tm"
awk -v a="$tm" -v b="$pm" 'BEGIN {printf "password + TOTP / password (ratio of medians): %.1f%%\n", 100*a/b}'
printf 'per round: %s %%; median %s %%\n' "${ratios[*]}" "$(printf '%s\n' "${ratios[@]}" | median)"
