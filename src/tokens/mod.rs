//! Tokens: per-tenant key rings (Biscuit root keys, JWS keys), minting access
//! tokens (Biscuit by default, RFC 9068 JWT per client), and checking them.

pub mod access;
mod act;
pub mod ban;
mod encode;
pub mod evaluator;
pub mod id_token;
pub mod introspection;
mod issuer;
pub mod key_rows;
pub mod keyring;
pub mod minter;
pub mod seal;
pub mod verified_cache;

pub use access::{AccessClaims, AccessTokenFormat, IssuedToken, TokenFacts};
pub use issuer::Issuer;
pub use keyring::{JwsAlgorithm, KeyRing};
