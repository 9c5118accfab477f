//! ID tokens (OpenID Connect Core §2), signed with the tenant's JWS key.

use super::keyring::{JwsAlgorithm, KeyRing};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use josekit::jws::JwsHeader;
use josekit::jwt::{self, JwtPayload};
use sha2::Digest;

/// What an ID token states.
#[derive(Debug, Clone)]
pub struct IdClaims<'a> {
    pub issuer: &'a str,
    /// The client's `id_token_signed_response_alg`.
    pub algorithm: JwsAlgorithm,
    pub subject: &'a str,
    pub audience: &'a str,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub auth_time: DateTime<Utc>,
    pub nonce: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub amr: &'a [String],
    /// The access token issued with it, for `at_hash`.
    pub access_token: &'a str,
}

/// The Authentication Context Class References Gatehouse asserts (OIDC
/// Core §2 `acr`; docs/mfa.md): a password only, or more than one factor.
pub const ACR_PASSWORD: &str = "urn:gatehouse:acr:password";
pub const ACR_MFA: &str = "urn:gatehouse:acr:mfa";

/// What the `amr` values of a sign-in (RFC 8176 §2) amount to: `mfa` when
/// more than one factor was used, else a password sign-in.
pub fn acr_of(amr: &[String]) -> &'static str {
    if amr.iter().any(|m| m == "mfa") {
        ACR_MFA
    } else {
        ACR_PASSWORD
    }
}

/// OIDC Core §3.1.3.6: the left half of the hash of the access token, with the
/// hash of the ID token's signing algorithm (SHA-256 for ES256/RS256, SHA-512
/// for EdDSA with Ed25519).
pub fn at_hash(algorithm: JwsAlgorithm, access_token: &str) -> String {
    let digest: Vec<u8> = match algorithm {
        JwsAlgorithm::ES256 | JwsAlgorithm::RS256 => {
            sha2::Sha256::digest(access_token.as_bytes()).to_vec()
        }
        JwsAlgorithm::EdDSA => sha2::Sha512::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// Sets a NumericDate claim as an integer number of seconds (RFC 7519 §2
/// allows fractions, but strict libraries reject them; josekit would write a
/// float even for whole seconds).
pub fn numeric_date(
    p: &mut JwtPayload,
    claim: &str,
    t: DateTime<Utc>,
) -> Result<(), josekit::JoseError> {
    p.set_claim(claim, Some(t.timestamp().into()))
}

/// Signs an ID token with the tenant's key of the client's algorithm.
pub fn mint(keys: &KeyRing, c: &IdClaims<'_>) -> Result<String, josekit::JoseError> {
    let jws = keys.jws_for(c.algorithm).ok_or_else(|| {
        josekit::JoseError::InvalidKeyFormat(anyhow::anyhow!(
            "the tenant has no active {} key",
            c.algorithm.as_str()
        ))
    })?;
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    header.set_key_id(&jws.kid);
    let mut p = JwtPayload::new();
    p.set_issuer(c.issuer);
    p.set_subject(c.subject);
    p.set_audience(vec![c.audience.to_owned()]);
    numeric_date(&mut p, "iat", c.issued_at)?;
    numeric_date(&mut p, "exp", c.expires_at)?;
    p.set_claim("auth_time", Some(c.auth_time.timestamp().into()))?;
    if let Some(n) = c.nonce {
        p.set_claim("nonce", Some(n.into()))?;
    }
    if let Some(sid) = c.session_id {
        p.set_claim("sid", Some(sid.into()))?;
    }
    p.set_claim("amr", Some(c.amr.to_vec().into()))?;
    p.set_claim("acr", Some(acr_of(c.amr).into()))?;
    p.set_claim(
        "at_hash",
        Some(at_hash(jws.algorithm, c.access_token).into()),
    )?;
    jwt::encode_with_signer(&p, &header, jws.signer.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acr_says_mfa_only_when_amr_does() {
        let amr = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(acr_of(&amr(&["pwd"])), ACR_PASSWORD);
        assert_eq!(acr_of(&amr(&["pwd", "otp", "mfa"])), ACR_MFA);
        assert_eq!(acr_of(&[]), ACR_PASSWORD);
    }

    #[test]
    fn at_hash_of_the_oidc_core_example() {
        // OIDC Core Appendix A.3 (RS256, SHA-256).
        assert_eq!(
            at_hash(
                JwsAlgorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
