-- Bans take effect on every process before the ban call answers
-- (tenancy::propagation). The tenant's revocation epoch moves with every ban,
-- in the ban's transaction; each live tenant actor of every process records
-- the epoch it has applied, and the banning process waits until every live
-- one has caught up.
ALTER TABLE tenants ADD COLUMN revocation_epoch BIGINT NOT NULL DEFAULT 0;

-- The epoch each revocation moved the tenant to: a process reads the
-- revocations after the epoch it has applied (no clocks involved).
ALTER TABLE revoked_tokens ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
CREATE INDEX revoked_tokens_epoch ON revoked_tokens (tenant_id, epoch);

CREATE TABLE revocation_acks (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    seen_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, instance_id)
);
