-- Interactive sign-in: sessions, consents, authorization codes, refresh token
-- families, and the client settings the authorization endpoint needs.
ALTER TABLE clients ADD COLUMN first_party BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN allow_plain_pkce BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN refresh_grace_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
-- The implicit flow (RFC 6749 §4.2): off unless a public client opts in.
ALTER TABLE clients ADD COLUMN allow_implicit BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,              -- the `sid` claim
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,          -- SHA-256 of the cookie value
    auth_time    TIMESTAMP NOT NULL,
    amr          TEXT NOT NULL,                 -- JSON array, e.g. ["pwd"]
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

CREATE TABLE consents (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,                   -- JSON array of granted scopes
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, user_id, client_id)
);

CREATE TABLE authorization_codes (
    code_sha256           TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id             TEXT NOT NULL,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id            TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scopes                TEXT NOT NULL,        -- JSON array
    nonce                 TEXT,
    code_challenge        TEXT,
    code_challenge_method TEXT,
    auth_time             TIMESTAMP NOT NULL,
    amr                   TEXT NOT NULL,
    state                 TEXT NOT NULL,        -- 'active' | 'redeemed'
    family_id             TEXT,                 -- refresh family issued at redemption
    access_revocation_id  TEXT,                 -- access token issued at redemption
    access_expires_at     TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    expires_at            TIMESTAMP NOT NULL
);

CREATE TABLE refresh_families (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT,
    scopes     TEXT NOT NULL,                   -- JSON array
    auth_time  TIMESTAMP NOT NULL,
    amr        TEXT NOT NULL,
    state      TEXT NOT NULL,                   -- 'active' | 'revoked'
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_families_user ON refresh_families (tenant_id, user_id);

CREATE TABLE refresh_tokens (
    token_sha256 TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    family_id    TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    state        TEXT NOT NULL,                 -- 'active' | 'rotated' | 'revoked'
    rotated_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
