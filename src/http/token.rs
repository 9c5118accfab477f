use super::Tenant;
use super::form::{authenticate, form};
use crate::app::AppState;
use crate::authn::grants::GrantError;
use crate::authn::redeem::{self, CodeRequest};
use crate::authn::refresh;
use crate::oauth::grant::TokenRequest;
use crate::oauth::{Client, OAuthError, OAuthErrorCode};
use crate::tenancy::{SyncRevocations, TenantHandle, TenantSnapshot};
use crate::tokens::exchange::{self, ExchangeRequest, ExchangeResponse};
use crate::tokens::{access, issue};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use std::sync::Arc;

fn no_store(body: &impl serde::Serialize) -> HttpResponse {
    // RFC 6749 §5.1: token responses are never cached.
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

/// RFC 6749 §3.2 token endpoint: authenticate the client, parse the grant,
/// check the client may use it, then issue — from the snapshot alone
/// (client_credentials, token exchange) or through the database (codes and
/// refresh tokens, exact state transitions).
pub async fn token(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = tenant.snapshot.clone();
    let params = form(&req, &body)?;
    let caller = authenticate(&state, &snapshot, &req, &params).await?;
    let request = TokenRequest::parse(&params)?;
    let client = caller.client;
    if !client.allows_grant(request.grant_type()) {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            format!("this client may not use {}", request.grant_type().as_str()),
        ));
    }
    let now = state.clock.now();
    match request {
        TokenRequest::ClientCredentials { .. } => Ok(no_store(&issue::issue(
            &stateless_issuer(&snapshot),
            &client,
            request,
            now,
        )?)),
        TokenRequest::TokenExchange(x) => {
            let narrowed = super::evaluate::narrowed(
                std::iter::once(x.subject_token.as_str()).chain(x.actor_token.as_deref()),
            );
            let (handle, snapshot) = (tenant.handle.clone(), tenant.snapshot.clone());
            let response = super::evaluate::off_worker(&state, narrowed, move || {
                exchange_token(&handle, &snapshot, &client, &x, now)
            })
            .await??;
            Ok(no_store(&response))
        }
        request => database_grant(&tenant, &state, client, request, now).await,
    }
}

fn stateless_issuer(s: &TenantSnapshot) -> issue::Issuer<'_> {
    issue::Issuer {
        tenant: &s.slug,
        issuer: &s.issuer,
        keys: &s.keys,
        rights: &s.rights,
    }
}

/// RFC 8693: the subject and actor tokens must be active, unbanned tokens of
/// this tenant.
fn exchange_token(
    handle: &TenantHandle,
    s: &TenantSnapshot,
    client: &Client,
    x: &ExchangeRequest,
    now: DateTime<Utc>,
) -> Result<ExchangeResponse, OAuthError> {
    let active = |t: &str| {
        access::inspect(&s.keys, &s.slug, &s.issuer, t, now, |id| {
            handle.is_revoked(id)
        })
        .filter(|f| handle.allows(f))
    };
    exchange::exchange(&stateless_issuer(s), client, x, active, now)
}

/// Code redemption and refresh, in the database.
async fn database_grant(
    tenant: &Tenant,
    state: &AppState,
    client: Arc<Client>,
    request: TokenRequest,
    now: DateTime<Utc>,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = tenant.snapshot.clone();
    let response = match request {
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => {
            let scope = scope.map(|s| s.into_set());
            refresh::refresh(&state.store, snapshot, client, refresh_token, scope, now)
                .await
                .map_err(GrantError::from)
        }
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            let request = CodeRequest {
                code,
                redirect_uri,
                verifier: code_verifier,
            };
            redeem::redeem(&state.store, snapshot, client, request, now).await
        }
        TokenRequest::ClientCredentials { .. } | TokenRequest::TokenExchange(_) => {
            Err(OAuthError::server_error().into())
        }
    };
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
