//! Reading OAuth form posts and authenticating the calling client.

use super::state::AppState;
use crate::oauth::client_auth::{self, AssertionAudience, Authenticated};
use crate::oauth::{FormParams, OAuthError, OAuthErrorCode};
use crate::store;
use crate::tenancy::TenantSnapshot;
use actix_web::HttpRequest;
use actix_web::http::header;

/// The form body of an OAuth endpoint. RFC 6749 §3.2: the token endpoint takes
/// `application/x-www-form-urlencoded`; anything else is `invalid_request`.
pub fn form(req: &HttpRequest, body: &[u8]) -> Result<FormParams, OAuthError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "the content type must be application/x-www-form-urlencoded",
        ));
    }
    FormParams::parse(body)
}

/// Authenticates the client calling an endpoint of the tenant. For
/// `private_key_jwt` the assertion's `jti` is recorded so it works only once.
pub async fn authenticate(
    state: &AppState,
    snapshot: &TenantSnapshot,
    req: &HttpRequest,
    params: &FormParams,
) -> Result<Authenticated, OAuthError> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("Basic !"));
    let presented = client_auth::extract(authorization, params)?;
    let audience = AssertionAudience {
        issuer: &snapshot.issuer,
        token_endpoint: snapshot.token_endpoint(),
    };
    let authenticated = client_auth::authenticate(
        presented,
        |id| snapshot.client(id),
        &audience,
        state.clock.now(),
    )?;
    super::cors::for_client(req, authenticated.client.clone());
    if let Some(assertion) = &authenticated.assertion {
        let tenant = snapshot.id.clone();
        let client_id = authenticated.client.client_id.to_string();
        let jti = assertion.jti.clone();
        let expires = assertion.expires_at.naive_utc();
        let fresh = state
            .store
            .run(move |c| {
                store::revocations::use_assertion_jti(c, &tenant, &client_id, &jti, expires)
            })
            .await?;
        if !fresh {
            // RFC 7523 §3 item 7: a jti is used once.
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidClient,
                "client assertion was already used",
            ));
        }
    }
    Ok(authenticated)
}
