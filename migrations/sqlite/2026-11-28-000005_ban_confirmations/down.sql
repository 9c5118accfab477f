DROP TABLE revocation_acks;
ALTER TABLE tenants DROP COLUMN revocation_epoch;
