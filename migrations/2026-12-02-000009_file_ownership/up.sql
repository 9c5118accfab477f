-- What a tenant file owns, so the CLI can refuse to change it (the file would
-- undo the change on its next apply) and say which file to edit instead.
ALTER TABLE tenants ADD COLUMN source_file TEXT;
ALTER TABLE tenants ADD COLUMN status_from_file BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN roles_from_file BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN status_from_file BOOLEAN NOT NULL DEFAULT FALSE;
