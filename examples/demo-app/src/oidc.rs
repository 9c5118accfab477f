//! The relying party, with the `openidconnect` crate: discovery (once, on
//! first use), the authorization request with PKCE, state and nonce, the code
//! exchange with the ID token validated, refresh, and the logout URL.

use crate::config::Config;
use crate::sessions::{Pending, Tokens};
use anyhow::{Context, anyhow};
use chrono::Utc;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, Scope, TokenResponse,
};
use tokio::sync::OnceCell;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The `state` of the logout request: the home page it comes back to says
/// "Signed out." (it needs no secrecy; the session is already gone).
pub const SIGNED_OUT: &str = "signed-out";

/// What the app asks for: sign-in, profile, a refresh token, the notes.
pub const SCOPES: [&str; 5] = [
    "profile",
    "email",
    "offline_access",
    "notes:read",
    "notes:write",
];

pub struct Oidc {
    config: Config,
    http: reqwest::Client,
    discovered: OnceCell<Discovered>,
}

struct Discovered {
    client: Client,
    end_session_endpoint: Option<String>,
}

impl Oidc {
    pub fn new(config: Config, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            discovered: OnceCell::new(),
        }
    }

    async fn discovered(&self) -> anyhow::Result<&Discovered> {
        self.discovered
            .get_or_try_init(|| async {
                let issuer = IssuerUrl::new(self.config.issuer.clone())?;
                let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
                    .await
                    .context("OpenID discovery")?;
                // RP-Initiated Logout's endpoint is not among the crate's
                // core metadata fields: read it from the same document.
                let doc: serde_json::Value = self
                    .http
                    .get(format!(
                        "{}/.well-known/openid-configuration",
                        self.config.issuer
                    ))
                    .send()
                    .await?
                    .json()
                    .await?;
                let client = CoreClient::from_provider_metadata(
                    metadata,
                    ClientId::new(self.config.client_id.clone()),
                    Some(ClientSecret::new(self.config.client_secret.clone())),
                )
                .set_redirect_uri(RedirectUrl::new(format!(
                    "{}/callback",
                    self.config.public_url
                ))?);
                Ok::<_, anyhow::Error>(Discovered {
                    client,
                    end_session_endpoint: doc["end_session_endpoint"].as_str().map(str::to_owned),
                })
            })
            .await
    }

    /// The authorization URL to send the browser to, and what the callback
    /// must find again.
    pub async fn start(&self) -> anyhow::Result<(String, Pending)> {
        let d = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = d.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for s in SCOPES {
            request = request.add_scope(Scope::new(s.into()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok((
            url.to_string(),
            Pending {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
            },
        ))
    }

    /// Redeems the code: the ID token is checked (signature by the tenant's
    /// JWKS, issuer, audience, expiry, nonce) before anything is kept.
    pub async fn finish(&self, code: &str, pending: &Pending) -> anyhow::Result<Tokens> {
        let d = self.discovered().await?;
        let response = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| anyhow!("code exchange: {e}"))?;
        let id_token = response.id_token().context("no ID token")?;
        let claims = id_token
            .claims(
                &d.client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .context("the ID token does not validate")?;
        // The profile claims come from userinfo (with an access token issued,
        // OpenID Connect Core §5.4 leaves them out of the ID token).
        let info: CoreUserInfoClaims = d
            .client
            .user_info(
                response.access_token().clone(),
                Some(claims.subject().clone()),
            )?
            .request_async(&self.http)
            .await
            .map_err(|e| anyhow!("userinfo: {e}"))?;
        let name = info
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .or_else(|| info.preferred_username().map(|u| u.as_str().to_owned()))
            .unwrap_or_else(|| claims.subject().as_str().to_owned());
        Ok(tokens_from(
            &response,
            id_token.to_string(),
            claims.subject().as_str().to_owned(),
            name,
            0,
        ))
    }

    /// Uses the refresh token (rotated by Gatehouse: the new one replaces it).
    pub async fn refresh(&self, current: &Tokens) -> anyhow::Result<Tokens> {
        let d = self.discovered().await?;
        let refresh = current
            .refresh_token
            .clone()
            .context("no refresh token (offline_access was not granted)")?;
        let response = d
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh))?
            .request_async(&self.http)
            .await
            .map_err(|e| anyhow!("refresh: {e}"))?;
        let id_token = response
            .id_token()
            .map_or_else(|| current.id_token.clone(), ToString::to_string);
        let mut next = tokens_from(
            &response,
            id_token,
            current.subject.clone(),
            current.name.clone(),
            current.refreshes + 1,
        );
        if next.refresh_token.is_none() {
            next.refresh_token.clone_from(&current.refresh_token);
        }
        Ok(next)
    }

    /// RP-Initiated Logout: the tenant's end-session URL with the ID token as
    /// hint, coming back to the app's home page.
    pub async fn logout_url(&self, id_token: &str) -> anyhow::Result<String> {
        let d = self.discovered().await?;
        let endpoint = d
            .end_session_endpoint
            .clone()
            .context("the issuer publishes no end_session_endpoint")?;
        let mut url = url::Url::parse(&endpoint)?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair(
                "post_logout_redirect_uri",
                &format!("{}/", self.config.public_url),
            )
            .append_pair("client_id", &self.config.client_id)
            .append_pair("state", SIGNED_OUT);
        Ok(url.to_string())
    }
}

fn tokens_from(
    response: &CoreTokenResponse,
    id_token: String,
    subject: String,
    name: String,
    refreshes: u32,
) -> Tokens {
    let lifetime = response
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or_else(|| chrono::Duration::minutes(5));
    Tokens {
        access_token: response.access_token().secret().clone(),
        refresh_token: response.refresh_token().map(|r| r.secret().clone()),
        id_token,
        expires_at: Utc::now() + lifetime,
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        subject,
        name,
        refreshes,
    }
}

/// The tokens need refreshing: they expire within `before_secs`.
pub fn needs_refresh(tokens: &Tokens, now: chrono::DateTime<Utc>, before_secs: i64) -> bool {
    tokens.expires_at - now <= chrono::Duration::seconds(before_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(expires_in: i64, now: chrono::DateTime<Utc>) -> Tokens {
        Tokens {
            access_token: "a".into(),
            refresh_token: Some("r".into()),
            id_token: "i".into(),
            expires_at: now + chrono::Duration::seconds(expires_in),
            scopes: vec![],
            subject: "s".into(),
            name: "n".into(),
            refreshes: 0,
        }
    }

    #[test]
    fn refreshes_shortly_before_expiry_and_after() {
        let now = Utc::now();
        assert!(!needs_refresh(&tokens(300, now), now, 30));
        assert!(needs_refresh(&tokens(30, now), now, 30));
        assert!(needs_refresh(&tokens(-5, now), now, 30));
    }
}
