# syntax=docker/dockerfile:1
# Gatehouse in a container (target `gatehouse`, the last stage but one) and the
# demo app (target `demo-app`): built with the Rust toolchain image, run on
# Debian slim as unprivileged users. docker-compose.yml at the top level uses both.
#   docker build -t gatehouse .
#   docker run -p 127.0.0.1:8080:8080 -v gatehouse-data:/srv/gatehouse/data gatehouse
# The image holds the binary and config/gatehouse.yaml; mount tenant files on
# /srv/gatehouse/tenants and keep /srv/gatehouse/data (SQLite database, master
# key file) on a volume, or point GATEHOUSE_DATABASE__URL at PostgreSQL.

# The toolchain the crate's rust-version names; bookworm has the C compiler,
# make and perl that the bundled SQLite, libpq and OpenSSL build with.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p gatehouse -p demo-app \
    && install -m 0755 target/release/gatehouse target/release/demo-app /usr/local/bin/

FROM debian:bookworm-slim AS gatehouse
# curl for the HEALTHCHECK only; ca-certificates for TLS to PostgreSQL and mail.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/gatehouse --shell /usr/sbin/nologin gatehouse \
    && mkdir -p /srv/gatehouse/config /srv/gatehouse/tenants /srv/gatehouse/data \
    && chown gatehouse:gatehouse /srv/gatehouse/data
COPY --from=build /usr/local/bin/gatehouse /usr/local/bin/gatehouse
COPY config/gatehouse.yaml /srv/gatehouse/config/gatehouse.yaml
WORKDIR /srv/gatehouse
USER 10001:10001
# Inside a container the server listens on every interface; publish the port on
# 127.0.0.1 of the host unless it is meant to be reached from elsewhere (then
# set GATEHOUSE_SERVER__PUBLIC_URL to the URL clients use).
ENV GATEHOUSE_SERVER__BIND=0.0.0.0:8080
EXPOSE 8080
VOLUME ["/srv/gatehouse/data"]
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/readyz"]
# The config file's relative paths name ../data and ../tenants, so from
# /srv/gatehouse/config they are /srv/gatehouse/data and /srv/gatehouse/tenants.
ENTRYPOINT ["gatehouse", "--config", "/srv/gatehouse/config/gatehouse.yaml"]
CMD ["serve"]

# The demo app (examples/demo-app): docker-compose.yml runs it in the gatehouse
# service's network namespace, so that 127.0.0.1:8080 is Gatehouse for it and
# for the browser alike (the issuer is the same URL for both).
FROM debian:bookworm-slim AS demo-app
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin demo
COPY --from=build /usr/local/bin/demo-app /usr/local/bin/demo-app
USER 10002:10002
ENV DEMO_BIND=0.0.0.0:3000
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3000/healthz"]
ENTRYPOINT ["demo-app"]
