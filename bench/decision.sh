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

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
defaults ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=2 POLICIES=50 "BLOCKS=1 2 4 8" SHAPE=other-types

ensure_tool wrk
build_release BENCH_GATEHOUSE_BIN=bin:gatehouse BENCH_ATTENUATE_BIN=example:attenuate

make_work_dir gatehouse-decision

# The notes tenant plus a policy enforcement point (pep); POLICIES-1 policies
# about other resource types, then the one that decides.
{
  notes_tenant_yaml
  cat <<'YAML'
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
} | write_file "$WORK/tenants/bench.yaml"

run_wrk() { # $1 = lua script; env carries its parameters
  local out
  out=$(wrk --latency --timeout 10s -t"$THREADS" -c"$CONNECTIONS" \
    -d"$DURATION" -s "$1" "$BASE")
  local bad
  bad=$(echo "$out" | sed -n 's/.* non200=\([0-9]*\) badbody=\([0-9]*\).*/\1 \2/p' | awk '{print $1+$2}')
  [ "${bad:-1}" = 0 ] || { echo "$out" >&2; log "bad responses"; exit 2; }
  echo "$out" | grep -o 'rps=[0-9.]*' | cut -d= -f2
}

start_gatehouse "$BENCH_GATEHOUSE_BIN" "$WORK" "sqlite://$WORK/gh.db" "$WORK/server.log"
PEP=$(client_token "$BASE/t/bench" pep:pep-secret-0123456789abcdef notes:read)
SUBJECT=$(client_token "$BASE/t/bench" svc:svc-secret-0123456789abcdef notes:read)

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
BASIC=$(basic_auth pep:pep-secret-0123456789abcdef)
for n in $BLOCKS; do
  t=$SUBJECT
  for _ in $(seq 1 "$n"); do
    t=$("$BENCH_ATTENUATE_BIN" "$BASE/t/bench" "$t" 'check if time($t), $t < 2099-01-01T00:00:00Z;')
  done
  enc=$(urlencode "$t")
  rates=()
  for r in $(seq 1 "$ROUNDS"); do
    rates+=("$(BENCH_BASIC=$BASIC BENCH_INTROSPECT_PATH=/t/bench/introspect BENCH_ACCESS_TOKEN=$enc \
      run_wrk "$BENCH_DIR/wrk/introspect.lua")")
  done
  m=$(printf '%s\n' "${rates[@]}" | median)
  printf 'introspection, %s appended block(s): runs %s median %s/s = %s µs of the 2 cores per request\n' \
    "$n" "${rates[*]}" "$m" "$(awk -v r="$m" -v c="$THREADS" 'BEGIN {printf "%.1f", c*1e6/r}')"
done
