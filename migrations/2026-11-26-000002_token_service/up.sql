-- Token service: signing keys, revoked tokens, client assertion replay guard,
-- and the client settings the token endpoint needs.
ALTER TABLE tenants ADD COLUMN jws_algorithm TEXT NOT NULL DEFAULT 'ES256';

ALTER TABLE clients ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT 'client_secret_basic';
ALTER TABLE clients ADD COLUMN jwks TEXT;                       -- JSON JWK Set for private_key_jwt
ALTER TABLE clients ADD COLUMN default_scopes TEXT;             -- JSON array; NULL = all allowed non-OIDC scopes
ALTER TABLE clients ADD COLUMN access_token_format TEXT NOT NULL DEFAULT 'biscuit';
ALTER TABLE clients ADD COLUMN access_token_ttl_secs BIGINT NOT NULL DEFAULT 3600;
ALTER TABLE clients ADD COLUMN refresh_token_ttl_secs BIGINT NOT NULL DEFAULT 2592000;
-- 'file' clients follow the tenant file; 'cli' clients are left alone by apply.
ALTER TABLE clients ADD COLUMN managed_by TEXT NOT NULL DEFAULT 'file';

CREATE TABLE signing_keys (
    id            TEXT PRIMARY KEY,       -- the JWS kid
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,          -- 'biscuit' | 'jws'
    algorithm     TEXT NOT NULL,          -- 'Ed25519' (biscuit); 'ES256' | 'RS256' | 'EdDSA' (jws)
    generation    BIGINT NOT NULL,        -- 1, 2, ... per tenant and purpose; the Biscuit root_key_id
    public_key    TEXT NOT NULL,          -- hex (biscuit) or public JWK JSON (jws)
    private_key   TEXT NOT NULL,          -- sealed with the master key (AES-256-GCM)
    status        TEXT NOT NULL,          -- 'active' | 'retired'
    created_at    TIMESTAMP NOT NULL,
    publish_until TIMESTAMP               -- retired keys verify and stay published until then
);
CREATE UNIQUE INDEX signing_keys_generation ON signing_keys (tenant_id, purpose, generation);

CREATE TABLE revoked_tokens (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revocation_id TEXT NOT NULL,          -- hex Biscuit revocation id, or a JWT's jti
    revoked_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,     -- after this the row may be purged
    PRIMARY KEY (tenant_id, revocation_id)
);
CREATE INDEX revoked_tokens_time ON revoked_tokens (tenant_id, revoked_at);

CREATE TABLE client_assertion_jtis (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, client_id, jti)
);
