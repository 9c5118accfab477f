-- A tenant's revocation epoch moves with every revocation and ban, so a tenant
-- at epoch 0 has recorded none, and its first load reads neither table
-- (tenancy::revocations, Fresh::read_all). Rows written before the epoch
-- existed (2026-11-28-000005) left their tenant at 0: move it to 1.
UPDATE tenants SET revocation_epoch = 1
WHERE revocation_epoch = 0
  AND (EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.tenant_id = tenants.id)
       OR EXISTS (SELECT 1 FROM token_bans b WHERE b.tenant_id = tenants.id));
