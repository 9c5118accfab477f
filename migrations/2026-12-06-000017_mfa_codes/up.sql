-- One-time codes sent by mail (crate::mfa::codes): each belongs to an
-- mfa_factors row of kind 'email', is kept only as an HMAC under a key
-- derived from the master key, lives ten minutes and is used once.
CREATE TABLE mfa_codes (
    id         TEXT PRIMARY KEY,
    factor_id  TEXT NOT NULL REFERENCES mfa_factors (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code_hmac  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX mfa_codes_factor ON mfa_codes (factor_id);
