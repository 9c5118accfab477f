ALTER TABLE users DROP COLUMN status_from_file;
ALTER TABLE users DROP COLUMN roles_from_file;
ALTER TABLE tenants DROP COLUMN status_from_file;
ALTER TABLE tenants DROP COLUMN source_file;
