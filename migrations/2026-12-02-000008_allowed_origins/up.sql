-- The web origins a client's browser code may call the token, revocation and
-- userinfo endpoints from (CORS): a JSON array; NULL = derived (a public
-- client's redirect URI origins, none for a confidential client).
ALTER TABLE clients ADD COLUMN allowed_origins TEXT;
