//! Client authentication (RFC 6749 §2.3, RFC 7523 §2.2/§3): what the client
//! presented, and whether it proves the client's identity.

use super::client::{AuthMethod, Client};
use super::params::FormParams;
use super::{OAuthError, OAuthErrorCode};
use crate::config::SecretString;
use crate::tokens::JwsAlgorithm;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The credentials of one request. Exactly one method per request (§2.3).
#[derive(Debug)]
pub enum Presented {
    Basic {
        client_id: String,
        secret: SecretString,
    },
    Post {
        client_id: String,
        secret: SecretString,
    },
    Assertion {
        assertion: String,
    },
    None {
        client_id: String,
    },
}

impl Presented {
    fn used_basic(&self) -> bool {
        matches!(self, Presented::Basic { .. })
    }
}

fn invalid_client(description: &str, basic: bool) -> OAuthError {
    let mut e = OAuthError::new(OAuthErrorCode::InvalidClient, description);
    e.used_basic_auth = basic;
    e
}

/// Reads the credentials from the `Authorization` header and the form.
pub fn extract(authorization: Option<&str>, params: &FormParams) -> Result<Presented, OAuthError> {
    let assertion = params.contains("client_assertion") || params.contains("client_assertion_type");
    let post_secret = params.contains("client_secret");
    if let Some(header) = authorization {
        let Some(encoded) = header.strip_prefix("Basic ") else {
            return Err(OAuthError::invalid_request(
                "unsupported Authorization scheme; use Basic",
            ));
        };
        if assertion || post_secret {
            return Err(OAuthError::invalid_request(
                "use exactly one client authentication method",
            ));
        }
        let (client_id, secret) = decode_basic(encoded.trim())
            .ok_or_else(|| invalid_client("malformed Basic credentials", true))?;
        if params.get("client_id").is_some_and(|id| id != client_id) {
            return Err(OAuthError::invalid_request(
                "client_id does not match the credentials",
            ));
        }
        return Ok(Presented::Basic { client_id, secret });
    }
    if assertion {
        if post_secret {
            return Err(OAuthError::invalid_request(
                "use exactly one client authentication method",
            ));
        }
        if params.get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_request(format!(
                "client_assertion_type must be {JWT_BEARER}"
            )));
        }
        let assertion = params.require("client_assertion")?.to_owned();
        return Ok(Presented::Assertion { assertion });
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid_client("client authentication is required", false))?
        .to_owned();
    match params.get("client_secret") {
        Some(secret) => Ok(Presented::Post {
            client_id,
            secret: SecretString::new(secret),
        }),
        None => Ok(Presented::None { client_id }),
    }
}

/// RFC 6749 §2.3.1: `base64(urlencode(id) ":" urlencode(secret))`.
fn decode_basic(encoded: &str) -> Option<(String, SecretString)> {
    let raw = STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| -> Option<String> {
        let with_spaces = s.replace('+', " ");
        url::form_urlencoded::parse(format!("x={with_spaces}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    let id = decode(id).filter(|i| !i.is_empty())?;
    Some((id, SecretString::new(decode(secret)?)))
}

/// A client assertion's `jti` and expiry, to be recorded so it is used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionUse {
    pub jti: String,
    pub expires_at: DateTime<Utc>,
}

/// A client whose credentials checked out.
#[derive(Debug)]
pub struct Authenticated {
    pub client: Arc<Client>,
    pub method: AuthMethod,
    /// For `private_key_jwt`: the caller must record the `jti` and reject the
    /// request if it was seen before.
    pub assertion: Option<AssertionUse>,
    pub used_basic: bool,
}

/// Where an assertion may be addressed: the issuer identifier, or — for
/// clients written to RFC 7523 as first published — the token endpoint.
pub struct AssertionAudience<'a> {
    pub issuer: &'a str,
    pub token_endpoint: &'a str,
}

impl AssertionAudience<'_> {
    /// draft-ietf-oauth-rfc7523bis §4: `aud` is the authorization server's
    /// issuer identifier, single-valued; the token endpoint is accepted for
    /// compatibility, also single-valued. An assertion for another endpoint
    /// (introspection, revocation, …) or naming other audiences beside ours
    /// could be replayed to or by them, and is refused.
    pub fn accepts(&self, aud: Option<&serde_json::Value>) -> bool {
        let single = match aud {
            Some(serde_json::Value::String(a)) => a.as_str(),
            Some(serde_json::Value::Array(a)) => match a.as_slice() {
                [serde_json::Value::String(one)] => one.as_str(),
                _ => return false,
            },
            _ => return false,
        };
        single == self.issuer || single == self.token_endpoint
    }
}

/// Longest accepted lifetime of a client assertion.
const MAX_ASSERTION_LIFETIME_SECS: i64 = 600;
const CLOCK_SKEW_SECS: i64 = 30;

/// Checks `presented` against the registered clients.
pub fn authenticate(
    presented: Presented,
    lookup: impl Fn(&str) -> Option<Arc<Client>>,
    audience: &AssertionAudience<'_>,
    now: DateTime<Utc>,
) -> Result<Authenticated, OAuthError> {
    let basic = presented.used_basic();
    let fail = |d: &str| invalid_client(d, basic);
    match presented {
        Presented::Basic { client_id, secret } | Presented::Post { client_id, secret } => {
            let method = if basic {
                AuthMethod::ClientSecretBasic
            } else {
                AuthMethod::ClientSecretPost
            };
            let client = lookup(&client_id);
            // Hash even for unknown clients so timing does not tell them apart.
            let ok = client
                .as_ref()
                .is_some_and(|c| c.secret_matches(secret.expose()));
            let client = client
                .filter(|_| ok)
                .ok_or_else(|| fail("client authentication failed"))?;
            if client.auth_method != method {
                return Err(fail(&format!(
                    "this client authenticates with {}",
                    client.auth_method.as_str()
                )));
            }
            Ok(Authenticated {
                client,
                method,
                assertion: None,
                used_basic: basic,
            })
        }
        Presented::None { client_id } => {
            // Unknown and confidential clients get the same answer: which
            // client ids exist is not for an unauthenticated caller to learn.
            let client = lookup(&client_id)
                .filter(|c| c.public)
                .ok_or_else(|| fail("client authentication failed"))?;
            Ok(Authenticated {
                client,
                method: AuthMethod::None,
                assertion: None,
                used_basic: false,
            })
        }
        Presented::Assertion { assertion } => verify_assertion(&assertion, lookup, audience, now),
    }
}

/// RFC 7523 §3: iss = sub = client_id, aud names this server, exp in the near
/// future, jti present, signature by one of the client's registered keys.
fn verify_assertion(
    assertion: &str,
    lookup: impl Fn(&str) -> Option<Arc<Client>>,
    audience: &AssertionAudience<'_>,
    now: DateTime<Utc>,
) -> Result<Authenticated, OAuthError> {
    let fail = |d: &str| invalid_client(d, false);
    let (unverified, header) = josekit::jwt::decode_unsecured(assertion)
        .or_else(|_| {
            // decode_unsecured only accepts alg=none; read the parts ourselves.
            read_unverified(assertion).ok_or(())
        })
        .map_err(|_| fail("malformed client assertion"))?;
    let client_id = unverified
        .subject()
        .ok_or_else(|| fail("client assertion has no sub"))?;
    let alg = header
        .claim("alg")
        .and_then(|a| a.as_str())
        .and_then(JwsAlgorithm::parse)
        .ok_or_else(|| fail("unsupported assertion signing algorithm"))?;
    // An unknown client, one that does not use private_key_jwt and a bad
    // signature all get one answer: nobody learns which client ids exist.
    let bad_signature = || fail("client assertion signature does not verify");
    let client = lookup(client_id)
        .filter(|c| c.auth_method == AuthMethod::PrivateKeyJwt)
        .ok_or_else(bad_signature)?;
    let kid = header.claim("kid").and_then(|k| k.as_str());
    let jwks = client.jwks.as_ref().ok_or_else(bad_signature)?;
    let verified = jwks
        .keys()
        .into_iter()
        .filter(|k| kid.is_none() || k.key_id() == kid)
        .filter(|k| k.algorithm().is_none_or(|a| a == alg.as_str()))
        .filter_map(|k| alg.verifier(k).ok())
        .find_map(|v| josekit::jwt::decode_with_verifier(assertion, v.as_ref()).ok())
        .map(|(payload, _)| payload)
        .ok_or_else(bad_signature)?;
    if verified.issuer() != Some(client_id) || verified.subject() != Some(client_id) {
        return Err(fail("client assertion iss and sub must be the client_id"));
    }
    if !audience.accepts(verified.claim("aud")) {
        return Err(fail("client assertion audience does not name this server"));
    }
    let now_s = now.timestamp();
    let exp = verified
        .expires_at()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| fail("client assertion has no exp"))?;
    if exp + CLOCK_SKEW_SECS <= now_s || exp > now_s + MAX_ASSERTION_LIFETIME_SECS {
        return Err(fail("client assertion is expired or lives too long"));
    }
    if let Some(nbf) = verified.not_before()
        && DateTime::<Utc>::from(nbf).timestamp() > now_s + CLOCK_SKEW_SECS
    {
        return Err(fail("client assertion is not valid yet"));
    }
    let jti = verified
        .jwt_id()
        .ok_or_else(|| fail("client assertion has no jti"))?;
    let expires_at = DateTime::<Utc>::from_timestamp(exp + CLOCK_SKEW_SECS, 0).unwrap_or(now);
    Ok(Authenticated {
        method: AuthMethod::PrivateKeyJwt,
        assertion: Some(AssertionUse {
            jti: jti.to_owned(),
            expires_at,
        }),
        client,
        used_basic: false,
    })
}

fn read_unverified(token: &str) -> Option<(josekit::jwt::JwtPayload, josekit::jws::JwsHeader)> {
    let mut parts = token.split('.');
    let (h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&b64.decode(h).ok()?).ok()?;
    let payload: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&b64.decode(p).ok()?).ok()?;
    Some((
        josekit::jwt::JwtPayload::from_map(payload).ok()?,
        josekit::jws::JwsHeader::from_map(header).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertion_audience_is_the_issuer_or_token_endpoint_single_valued() {
        let aud = AssertionAudience {
            issuer: "https://id.example/t/acme",
            token_endpoint: "https://id.example/t/acme/token",
        };
        let ok = |v: serde_json::Value| aud.accepts(Some(&v));
        assert!(ok(serde_json::json!("https://id.example/t/acme")));
        assert!(ok(serde_json::json!("https://id.example/t/acme/token")));
        assert!(ok(serde_json::json!(["https://id.example/t/acme"])));
        for refused in [
            serde_json::json!("https://id.example/t/acme/introspect"),
            serde_json::json!("https://id.example/t/acme/revoke"),
            serde_json::json!(["https://id.example/t/acme", "https://other.example"]),
            serde_json::json!([
                "https://id.example/t/acme/token",
                "https://id.example/t/acme"
            ]),
            serde_json::json!([]),
            serde_json::json!(7),
            serde_json::json!("https://id.example/t/other"),
        ] {
            assert!(!ok(refused.clone()), "{refused}");
        }
        assert!(!aud.accepts(None));
    }

    fn params(s: &str) -> FormParams {
        FormParams::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aclient:p%40ss+word"));
        match extract(Some(&header), &params("grant_type=x")).unwrap() {
            Presented::Basic { client_id, secret } => {
                assert_eq!(client_id, "my:client");
                assert_eq!(secret.expose(), "p@ss word");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        let e = extract(Some(&header), &params("client_secret=x&client_id=a")).unwrap_err();
        assert_eq!(e.error, OAuthErrorCode::InvalidRequest);
    }

    #[test]
    fn malformed_basic_is_invalid_client_with_challenge() {
        let e = extract(Some("Basic !!!"), &params("")).unwrap_err();
        assert_eq!(e.error, OAuthErrorCode::InvalidClient);
        assert!(e.used_basic_auth);
    }

    #[test]
    fn no_credentials_is_invalid_client() {
        let e = extract(None, &params("grant_type=client_credentials")).unwrap_err();
        assert_eq!(e.error, OAuthErrorCode::InvalidClient);
        assert!(!e.used_basic_auth);
    }

    #[test]
    fn wrong_assertion_type_is_invalid_request() {
        let e = extract(None, &params("client_assertion_type=x&client_assertion=y")).unwrap_err();
        assert_eq!(e.error, OAuthErrorCode::InvalidRequest);
    }
}
