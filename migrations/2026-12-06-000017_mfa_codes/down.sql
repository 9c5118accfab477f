DROP TABLE mfa_codes;
