-- Each client chooses the algorithm of its ID tokens (OpenID Connect Dynamic
-- Registration §2 id_token_signed_response_alg); NULL = the tenant's default,
-- and a tenant without one signs ID tokens with RS256 (OpenID Connect
-- Discovery §3: RS256 MUST be supported).
ALTER TABLE tenants ADD COLUMN id_token_alg TEXT;
ALTER TABLE clients ADD COLUMN id_token_alg TEXT;
