-- Foundation schema. One set of migrations for SQLite and PostgreSQL: portable SQL only.
-- Portable types only: ids and JSON are TEXT, timestamps are naive UTC.
CREATE TABLE tenants (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active',
    config_version BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    username         TEXT NOT NULL,
    email            TEXT,
    email_normalized TEXT,
    email_verified   BOOLEAN NOT NULL DEFAULT FALSE,
    display_name     TEXT,
    password_hash    TEXT,
    status           TEXT NOT NULL DEFAULT 'active',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_tenant_username ON users (tenant_id, username);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email_normalized);

CREATE TABLE scopes (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scopes_tenant_name ON scopes (tenant_id, name);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX roles_tenant_name ON roles (tenant_id, name);

CREATE TABLE role_permissions (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role_id    TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    public        BOOLEAN NOT NULL,
    secret_sha256 TEXT,
    redirect_uris TEXT NOT NULL, -- JSON array of strings
    grant_types   TEXT NOT NULL, -- JSON array of strings
    scopes        TEXT NOT NULL, -- JSON array of strings
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX clients_tenant_client_id ON clients (tenant_id, client_id);

-- Append-only: every write that changes a tenant appends one row here.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    occurred_at TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT NOT NULL -- JSON object
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, occurred_at);
