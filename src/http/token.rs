use super::Tenant;
use super::form::{authenticate, form};
use crate::app::AppState;
use crate::authn::grants::{self, GrantError, Issuer};
use crate::oauth::grant::TokenRequest;
use crate::oauth::{OAuthError, OAuthErrorCode};
use crate::tenancy::SyncRevocations;
use crate::tokens::{access, exchange, issue};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

fn no_store(body: &impl serde::Serialize) -> HttpResponse {
    // RFC 6749 §5.1: token responses are never cached.
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// RFC 6749 §3.2 token endpoint.
pub async fn token(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = tenant.snapshot.clone();
    let params = form(&req, &body)?;
    let caller = authenticate(&state, &snapshot, &req, &params, snapshot.token_endpoint()).await?;
    let request = TokenRequest::parse(&params)?;
    let client = caller.client;
    if !client.allows_grant(request.grant_type()) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            format!("this client may not use {}", request.grant_type().as_str()),
        ));
    }
    let now = state.clock.now();
    if let TokenRequest::ClientCredentials { .. } = request {
        let issuer = issue::Issuer {
            tenant: &snapshot.slug,
            issuer: &snapshot.issuer,
            keys: &snapshot.keys,
            rights: &snapshot.rights,
        };
        return Ok(no_store(&issue::issue(&issuer, &client, request, now)?));
    }
    if let TokenRequest::TokenExchange(x) = &request {
        let issuer = issue::Issuer {
            tenant: &snapshot.slug,
            issuer: &snapshot.issuer,
            keys: &snapshot.keys,
            rights: &snapshot.rights,
        };
        let active = |t: &str| {
            access::inspect(
                &snapshot.keys,
                &snapshot.slug,
                &snapshot.issuer,
                t,
                now,
                |id| tenant.handle.is_revoked(id),
            )
            .filter(|f| tenant.handle.allows(f))
        };
        return Ok(no_store(&exchange::exchange(
            &issuer, &client, x, active, now,
        )?));
    }
    // Code and refresh grants are exact state transitions in the database.
    let response = state
        .store
        .run(move |conn| {
            let by = Issuer {
                tenant: &snapshot.id,
                slug: &snapshot.slug,
                issuer: &snapshot.issuer,
                keys: &snapshot.keys,
                rights: &snapshot.rights,
            };
            match request {
                TokenRequest::AuthorizationCode {
                    code,
                    redirect_uri,
                    code_verifier,
                } => grants::redeem_code(
                    conn,
                    &by,
                    &client,
                    &code,
                    redirect_uri.as_deref(),
                    code_verifier.as_deref(),
                    now,
                ),
                TokenRequest::RefreshToken {
                    refresh_token,
                    scope,
                } => {
                    let scope = scope.map(|s| s.into_set());
                    grants::refresh(conn, &by, &client, &refresh_token, scope.as_ref(), now)
                        .map_err(Into::into)
                }
                TokenRequest::ClientCredentials { .. } | TokenRequest::TokenExchange(_) => {
                    Err(OAuthError::server_error().into())
                }
            }
        })
        .await;
    match response {
        Ok(r) => Ok(no_store(&r)),
        Err(GrantError {
            error,
            revoked_access_tokens,
        }) => {
            if revoked_access_tokens {
                // Make the revocation exact in this process at once.
                let _ = tenant.handle.addr.send(SyncRevocations).await;
            }
            Err(error)
        }
    }
}
