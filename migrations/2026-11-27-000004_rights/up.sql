-- Roles created with the CLI are kept out of tenant files' reach, as clients are.
ALTER TABLE roles ADD COLUMN managed_by TEXT NOT NULL DEFAULT 'file';

-- Composite roles: a role includes the permissions of the roles it names.
-- Cycles are refused before anything is written (authz::rbac).
CREATE TABLE role_includes (
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role_id          TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    included_role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, included_role_id)
);
CREATE INDEX role_includes_included ON role_includes (included_role_id);

-- The permissions each scope carries into a token.
CREATE TABLE scope_permissions (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scope_id   TEXT NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (scope_id, permission)
);

-- The roles a confidential client holds itself: client_credentials tokens
-- carry their permissions (within the scopes granted). A JSON array of names.
ALTER TABLE clients ADD COLUMN service_roles TEXT NOT NULL DEFAULT '[]';

-- Authorization policies in Biscuit Datalog (authz::policy), validated before
-- they are stored; evaluated in `position` order, before the built-in ones.
CREATE TABLE policies (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    position   BIGINT NOT NULL,
    code       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX policies_tenant_name ON policies (tenant_id, name);

-- Bans: every access token of a user, of a client, or of the whole tenant
-- issued at or before `banned_at` is inactive. Kept until the longest access
-- token lifetime has passed (`expires_at`).
CREATE TABLE token_bans (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    banned_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX token_bans_tenant ON token_bans (tenant_id, expires_at);

-- RFC 8693 token exchange: the audiences (or resources) a client may
-- exchange tokens for. A JSON array.
ALTER TABLE clients ADD COLUMN exchange_audiences TEXT NOT NULL DEFAULT '[]';
