DROP TABLE mfa_factors;
