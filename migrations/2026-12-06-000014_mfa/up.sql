-- Users' second factors (crate::mfa, docs/mfa.md): one row per factor. A
-- TOTP secret is sealed with a key derived from the master key and bound to
-- the row (tokens::seal); it is active once `confirmed_at` is set by a first
-- valid code. Wrong codes are counted on the row, so every process sees the
-- same lock.
CREATE TABLE mfa_factors (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,               -- totp
    label          TEXT NOT NULL,
    secret_sealed  TEXT,
    last_used_step BIGINT,                      -- RFC 6238 §5.2: no second use of a step
    failures       INTEGER NOT NULL DEFAULT 0,  -- wrong codes since the last right one
    locked_until   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    confirmed_at   TIMESTAMP,
    last_used_at   TIMESTAMP
);
CREATE INDEX mfa_factors_user ON mfa_factors (tenant_id, user_id);
