-- Facts about the installation as a whole. `master_key_check`: a value
-- derived from the master key (HKDF, its own purpose) when the database was
-- first used, so a server started with another key refuses to start instead
-- of failing to open every tenant's keys.
CREATE TABLE server_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
