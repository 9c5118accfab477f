//! The client_credentials grant (RFC 6749 §4.4): a confidential client's own
//! token, from the snapshot alone — no database access, so it is the fastest
//! path of the token endpoint.

use super::{Context, TokenGrant, TokenResponse, mint_failed};
use crate::oauth::scope::{self, ScopeSet};
use crate::oauth::{Client, FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::tenancy::TenantSnapshot;
use crate::tokens::minter::{AccessGrant, Lifetime};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub struct ClientCredentials;

/// RFC 6749 §4.4.2.
#[derive(Debug)]
pub struct ClientCredentialsRequest {
    pub scope: Option<ScopeSet>,
}

impl TokenGrant for ClientCredentials {
    const GRANT_TYPE: GrantType = GrantType::ClientCredentials;
    type Request = ClientCredentialsRequest;

    fn parse(p: &FormParams) -> Result<ClientCredentialsRequest, OAuthError> {
        Ok(ClientCredentialsRequest {
            scope: p.get("scope").map(ScopeSet::parse).transpose()?,
        })
    }

    async fn handle(
        ctx: &Context<'_>,
        client: Arc<Client>,
        request: ClientCredentialsRequest,
    ) -> Result<TokenResponse, OAuthError> {
        issue(ctx.snapshot, &client, &request, ctx.now)
    }
}

/// The client's token: the requested scopes, all of which it must be allowed
/// (or its defaults), carrying its service roles' rights within them.
pub fn issue(
    s: &TenantSnapshot,
    client: &Client,
    request: &ClientCredentialsRequest,
    now: DateTime<Utc>,
) -> Result<TokenResponse, OAuthError> {
    // RFC 6749 §4.4: only confidential clients.
    if client.public {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "public clients cannot use client_credentials",
        ));
    }
    let scopes = scope::grant(
        request.scope.as_ref(),
        &client.scopes,
        &client.default_scopes,
    )?;
    // The client's own rights: its service roles' permissions that the
    // granted scopes carry (authz::rights).
    let rights = s.rights.token_rights(&client.service_roles, &scopes);
    let access = s
        .token_issuer()
        .access(
            &AccessGrant {
                client,
                subject: None,
                scopes: ScopeSet::from_stored(scopes),
                rights,
                audiences: Default::default(),
                actors: Vec::new(),
                amr: Vec::new(),
                lifetime: Lifetime::default(),
            },
            now,
        )
        .map_err(mint_failed)?;
    Ok(TokenResponse::bearer(access))
}
