ALTER TABLE clients DROP COLUMN allowed_origins;
