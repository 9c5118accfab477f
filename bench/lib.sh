# Shared by the benchmark scripts in bench/ (run.sh, profile.sh, signin.sh,
# decision.sh, worst_token.sh, tenants.sh), which source it near the top, after `set -euo pipefail`:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It defines functions only, plus these variables:
#   BENCH_DIR      this directory (absolute)
#   ROOT           the repository root (absolute)
#   BENCH_WRK_DIR  BENCH_DIR/wrk, exported: the wrk scripts load their shared
#                  code (wrk/common.lua, wrk/errors.lua) from there
#   DIE_PREFIX     what `die` puts before its message ("bench"; a script may change it)
# and, once used: WORK (make_work_dir), SERVER_PID / SERVER_PIDS (start_server),
# PORT / BASE (start_gatehouse).
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
export BENCH_WRK_DIR="$BENCH_DIR/wrk"
DIE_PREFIX=bench
SERVER_PID=""
SERVER_PIDS=()

# --- knobs, messages, tools ------------------------------------------------------------

# defaults NAME=VALUE...: sets each NAME that is unset or empty to VALUE (the
# knobs of a script, like NAME=${NAME:-VALUE}).
defaults() {
  local kv name
  for kv in "$@"; do
    name=${kv%%=*}
    if [ -z "${!name:-}" ]; then printf -v "$name" '%s' "${kv#*=}"; fi
  done
}

# log MESSAGE...: one progress line on stderr.
log() { printf '==> %s\n' "$*" >&2; }

# die MESSAGE...: the message on stderr, then exit 1.
die() { printf '%s: %s\n' "$DIE_PREFIX" "$*" >&2; exit 1; }

# as_root COMMAND...: runs COMMAND as root (directly when root already, else with sudo).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_tool COMMAND [APT_PACKAGE]: installs APT_PACKAGE (default: COMMAND) with
# apt when COMMAND is not on PATH.
ensure_tool() {
  command -v "$1" >/dev/null && return 0
  log "installing ${2:-$1} (apt)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${2:-$1}" >/dev/null
}

# require_tool COMMAND [WHY]: dies with "COMMAND is needed (WHY)" when COMMAND is not on PATH.
require_tool() { command -v "$1" >/dev/null || die "$1 is needed${2:+ ($2)}"; }

# --- building --------------------------------------------------------------------------

# cargo_target_dir: where cargo builds, as an absolute path: CARGO_TARGET_DIR
# (relative to the repository root, where cargo runs) or ROOT/target.
cargo_target_dir() {
  local dir=${CARGO_TARGET_DIR:-$ROOT/target}
  case $dir in /*) ;; *) dir="$ROOT/$dir" ;; esac
  printf '%s\n' "$dir"
}

# build_release VAR=KIND:NAME...  (KIND: bin or example)
#   e.g. build_release BENCH_GATEHOUSE_BIN=bin:gatehouse BENCH_ARGON2_BIN=example:argon2_rate
# Unless every VAR is already set (a binary of the caller's choice), builds all the
# named targets in one `cargo build --release --locked` in ROOT; then sets each unset
# VAR to its built binary. Dies when one of the binaries is not executable.
build_release() {
  local spec var kind name missing=0 args=() names=()
  for spec in "$@"; do
    var=${spec%%=*} kind=${spec#*=}
    name=${kind#*:} kind=${kind%%:*}
    [ -n "${!var:-}" ] || missing=1
    args+=("--$kind" "$name")
    names+=("$name")
  done
  if [ "$missing" = 1 ]; then
    log "building ${names[*]} (release) in $ROOT"
    (cd "$ROOT" && cargo build --release --locked "${args[@]}")
  fi
  local dir
  dir=$(cargo_target_dir)/release
  for spec in "$@"; do
    var=${spec%%=*} kind=${spec#*=}
    name=${kind#*:} kind=${kind%%:*}
    if [ -z "${!var:-}" ]; then
      if [ "$kind" = example ]; then printf -v "$var" '%s' "$dir/examples/$name"; else printf -v "$var" '%s' "$dir/$name"; fi
    fi
    [ -x "${!var}" ] || die "$var=${!var} is not executable"
  done
}

# --- the work directory and the servers in it ---------------------------------------------

# make_work_dir NAME: creates the temporary directory WORK (NAME.XXXXXX in TMPDIR,
# default /tmp) and has cleanup_work run on exit.
make_work_dir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap cleanup_work EXIT
}

# cleanup_work: stops every server still running (start_server) and removes WORK.
cleanup_work() {
  local pid
  for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  rm -rf "${WORK:?}"
}

# write_file FILE: writes stdin to FILE, creating its directory (tenant files:
# write_file "$WORK/tenants/bench.yaml" <<EOF ... EOF).
write_file() { mkdir -p "$(dirname "$1")" && cat >"$1"; }

# token_tenant_yaml CLIENT_ID SECRET: prints the tenant of run.sh and profile.sh:
# slug bench, scope api:read, one client_credentials client.
token_tenant_yaml() {
  cat <<EOF
slug: bench
name: Bench
scopes: [{ name: "api:read", description: Read }]
clients:
  - client_id: $1
    secret: $2
    grant_types: [client_credentials]
    scopes: ["api:read"]
EOF
}

# notes_tenant_yaml: prints the start of the tenant of decision.sh and
# worst_token.sh: slug bench, scope and role notes:read, and the service client
# svc (secret svc-secret-0123456789abcdef) holding that role; the caller may add
# more clients (the list is last) and other keys.
notes_tenant_yaml() {
  cat <<'EOF'
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
EOF
}

# free_port: prints a TCP port free on 127.0.0.1 (a random one without python3).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# start_server LOG DIR COMMAND...: runs COMMAND in DIR in the background, its output
# in LOG; sets SERVER_PID. cleanup_work stops it unless stop_server did.
start_server() {
  local logf=$1 dir=$2
  shift 2
  (cd "$dir" && exec "$@") >"$logf" 2>&1 &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
}

# stop_server [PID]: stops the server PID (default SERVER_PID) and waits for it.
stop_server() {
  local pid=${1:-$SERVER_PID} p keep=()
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
    if [ "$p" != "$pid" ]; then keep+=("$p"); fi
  done
  SERVER_PIDS=(${keep[@]+"${keep[@]}"})
  if [ "$pid" = "$SERVER_PID" ]; then SERVER_PID=""; fi
}

# wait_http URL NAME LOG: waits (up to 30 s) until URL answers 2xx; else shows the
# end of LOG and dies saying NAME did not answer.
wait_http() {
  local i
  for i in $(seq 1 150); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  tail -n 30 "$3" >&2 || true
  die "$2 did not answer at $1"
}

# start_gatehouse [--clean-env] BIN DIR DB_URL LOG [PORT]
#   Starts `BIN serve` in DIR, its output in LOG, serving the tenant files of
#   DIR/tenants from the database DB_URL, with the master key in DIR/master.key,
#   and waits until /healthz answers. It listens on 127.0.0.1:PORT (also its public
#   URL) and logs warnings only; without PORT (or PORT 0) it takes a free port, logs
#   warnings plus the "listening" line, and the port is read from that line.
#   --clean-env: clears every GATEHOUSE_* variable of the environment (Gatehouse reads
#   them all as configuration); without it, only GATEHOUSE_TEST_DATABASE_URL.
#   Sets SERVER_PID, PORT and BASE (http://127.0.0.1:PORT).
start_gatehouse() {
  local unset_args=(-u GATEHOUSE_TEST_DATABASE_URL) v
  if [ "${1:-}" = --clean-env ]; then
    shift
    unset_args=()
    for v in $(compgen -e | grep '^GATEHOUSE_' || true); do unset_args+=(-u "$v"); done
  fi
  local bin=$1 dir=$2 db=$3 logf=$4 port=${5:-0}
  local settings=(GATEHOUSE_SERVER__BIND="127.0.0.1:$port" GATEHOUSE_DATABASE__URL="$db"
    GATEHOUSE_TENANTS__DIR="$dir/tenants" GATEHOUSE_SECURITY__MASTER_KEY_FILE="$dir/master.key")
  if [ "$port" = 0 ]; then
    # Only the "listening" line is logged (it names the port); per-request logs
    # would cost more than some of the work measured.
    settings+=(GATEHOUSE_LOGGING__LEVEL="warn,gatehouse::app=info")
  else
    settings+=(GATEHOUSE_SERVER__PUBLIC_URL="http://127.0.0.1:$port" GATEHOUSE_LOGGING__LEVEL=warn)
  fi
  start_server "$logf" "$dir" env ${unset_args[@]+"${unset_args[@]}"} "${settings[@]}" "$bin" serve
  if [ "$port" = 0 ]; then
    local i
    port=""
    for i in $(seq 1 150); do
      port=$(grep -o 'port=[0-9]*' "$logf" 2>/dev/null | head -1 | cut -d= -f2 || true)
      [ -n "$port" ] && curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
      port=""
      sleep 0.2
    done
    if [ -z "$port" ]; then
      tail -n 30 "$logf" >&2 || true
      die "gatehouse did not start (log: $logf)"
    fi
  else
    wait_http "http://127.0.0.1:$port/healthz" gatehouse "$logf"
  fi
  PORT=$port
  BASE="http://127.0.0.1:$port"
}

# --- requests and numbers -------------------------------------------------------------

# basic_auth ID:SECRET: prints the base64 of HTTP Basic credentials.
basic_auth() { printf '%s' "$1" | base64 -w0; }

# client_token TENANT_URL ID:SECRET SCOPE: prints an access token from
# TENANT_URL/token (client_credentials); fails when none comes back.
client_token() {
  curl -fsS -u "$2" -d grant_type=client_credentials -d "scope=$3" "$1/token" |
    grep -o '"access_token":"[^"]*"' | cut -d'"' -f4
}

# urlencode STRING: prints STRING percent-encoded for a form or query value.
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
