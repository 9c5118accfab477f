DROP TABLE refresh_tokens;
DROP TABLE refresh_families;
DROP TABLE authorization_codes;
DROP TABLE consents;
DROP TABLE sessions;
ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
ALTER TABLE clients DROP COLUMN refresh_grace_secs;
ALTER TABLE clients DROP COLUMN allow_plain_pkce;
ALTER TABLE clients DROP COLUMN first_party;
