-- A tenant's MFA policy (crate::mfa::policy) as JSON; '{}' is the default
-- (optional, every method).
ALTER TABLE tenants ADD COLUMN mfa TEXT NOT NULL DEFAULT '{}';
