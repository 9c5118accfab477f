//! Why a token was refused.

/// Why a token was not accepted. Deliberately coarse: a resource server should
/// answer 401/403 and not tell the caller which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is malformed or its signature does not verify")]
    Invalid,
    #[error("the token belongs to another tenant")]
    WrongTenant,
    #[error("the token has been revoked")]
    Revoked,
    #[error("the token does not allow this request (expired, narrowed, or lacking the scope)")]
    Denied,
    #[error("the public key is invalid: {0}")]
    BadKey(String),
    /// The narrowing blocks exceed what this verifier evaluates
    /// ([`limits`]): refused before any Datalog runs.
    #[error("the token's narrowing blocks exceed the verifier's limits: {0}")]
    OverLimits(String),
}
