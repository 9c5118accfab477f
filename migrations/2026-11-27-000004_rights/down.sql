ALTER TABLE clients DROP COLUMN exchange_audiences;
DROP TABLE token_bans;
DROP TABLE policies;
ALTER TABLE clients DROP COLUMN service_roles;
DROP TABLE scope_permissions;
DROP TABLE role_includes;
ALTER TABLE roles DROP COLUMN managed_by;
