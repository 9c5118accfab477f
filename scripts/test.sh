#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   1. cargo fmt --check
#   2. cargo clippy --all-targets -- -D warnings
#   3. every test on SQLite
#   4. every test again on PostgreSQL (127.0.0.1:5432, trust auth, database `test`;
#      installed and started here when it is not running)
# The browser tests drive Debian's chromium through chromium-driver; both are
# installed here when missing.
# Set GATEHOUSE_TEST_POSTGRES_URL to use another PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; return 1
    fi
}

apt_install() {
    command -v apt-get >/dev/null || { echo "please install: $*" >&2; return 1; }
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# The bundled SQLite, libpq and OpenSSL are compiled from source: they need a
# C compiler, make and perl.
ensure_build_tools() {
    local missing=()
    command -v cc >/dev/null || missing+=(gcc libc6-dev)
    command -v make >/dev/null || missing+=(make)
    command -v perl >/dev/null || missing+=(perl)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing build tools: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

pg_port_open() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

# PostgreSQL on 127.0.0.1:5432 with trust auth for local TCP and a `test` database.
ensure_postgres() {
    if [ -n "${GATEHOUSE_TEST_POSTGRES_URL:-}" ] || pg_port_open; then return 0; fi
    say "PostgreSQL is not running on 127.0.0.1:5432; installing/starting it"
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
        as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 50); do pg_port_open && break; sleep 0.2; done
    pg_port_open || { echo "PostgreSQL did not start" >&2; return 1; }
    as_root su postgres -c "psql -h 127.0.0.1 -tAc \"SELECT 1 FROM pg_database WHERE datname = 'test'\" | grep -q 1 || createdb -h 127.0.0.1 test"
}

# Headless Chromium and its WebDriver for the page tests.
ensure_browser() {
    if command -v chromedriver >/dev/null && { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; }; then
        return 0
    fi
    say "installing chromium and chromium-driver"
    apt_install chromium chromium-driver
}

ensure_build_tools
ensure_browser
ensure_postgres

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

say "tests on SQLite"
cargo test --locked

say "tests on PostgreSQL ($PG_URL)"
GATEHOUSE_TEST_DATABASE_URL="$PG_URL" cargo test --locked
