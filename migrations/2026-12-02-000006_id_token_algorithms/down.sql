ALTER TABLE clients DROP COLUMN id_token_alg;
ALTER TABLE tenants DROP COLUMN id_token_alg;
