DROP TABLE revocation_acks;
DROP INDEX revoked_tokens_epoch;
ALTER TABLE revoked_tokens DROP COLUMN epoch;
ALTER TABLE tenants DROP COLUMN revocation_epoch;
