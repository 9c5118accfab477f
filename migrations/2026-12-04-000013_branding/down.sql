ALTER TABLE clients DROP COLUMN tos_uri;
ALTER TABLE clients DROP COLUMN policy_uri;
ALTER TABLE clients DROP COLUMN logo_uri;
ALTER TABLE clients DROP COLUMN client_uri;
DROP TABLE tenant_images;
ALTER TABLE tenants DROP COLUMN branding;
