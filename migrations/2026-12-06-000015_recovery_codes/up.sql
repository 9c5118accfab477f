-- Recovery codes (crate::mfa::recovery): a set belongs to one mfa_factors row
-- of kind 'recovery' and dies with it (a new set replaces the row). Only the
-- SHA-256 of each code is kept; a code is used once (used_at).
CREATE TABLE recovery_codes (
    factor_id   TEXT NOT NULL REFERENCES mfa_factors (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code_sha256 TEXT NOT NULL,
    used_at     TIMESTAMP,
    PRIMARY KEY (factor_id, code_sha256)
);
