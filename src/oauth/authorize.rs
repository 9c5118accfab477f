//! Authorization requests (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1,
//! RFC 7636 §4.3), validated before anything is shown to the user.

use super::client::Client;
use super::pkce::{self, Method};
use super::scope::ScopeSet;
use super::{FormParams, GrantType, OAuthError, OAuthErrorCode};
use crate::i18n::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The `prompt` parameter (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A PKCE code challenge (RFC 7636 §4.2) and how it was derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    pub challenge: String,
    pub method: Method,
}

/// RFC 6749 §3.1.1. A code request always carries its PKCE challenge (OAuth
/// 2.1 §4.1.1), so a code cannot be issued without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseType {
    Code(CodeChallenge),
    /// The implicit grant (§4.2), for public clients that opt in.
    Token,
}

impl ResponseType {
    /// Whether the response travels in the fragment (RFC 6749 §4.2.2).
    pub fn in_fragment(&self) -> bool {
        matches!(self, ResponseType::Token)
    }
}

/// A valid authorization request, carried (sealed) through login and consent.
/// Serialized as [`Wire`], so requests sealed by a process of an earlier
/// version still open during a rolling deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Wire", try_from = "Wire")]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub response_type: ResponseType,
    pub redirect_uri: String,
    pub scopes: BTreeSet<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// OpenID Connect Core §3.1.2.1: the languages the user prefers for the
    /// pages, space-separated BCP 47 tags (`i18n::negotiate` picks one).
    pub ui_locales: Option<String>,
    /// OpenID Connect Core §3.1.2.1 `acr_values`: the authentication
    /// context classes the client asks for, in order of preference.
    pub acr_values: Option<String>,
}

impl AuthorizationRequest {
    /// Whether the client asked for a sign-in with more than one factor
    /// (`acr_values` names `urn:gatehouse:acr:mfa`). A voluntary request
    /// (OIDC Core §3.1.2.1): a tenant with MFA off answers it with what it has.
    pub fn wants_mfa(&self) -> bool {
        self.acr_values
            .as_deref()
            .is_some_and(|v| v.split(' ').any(|a| a == crate::tokens::id_token::ACR_MFA))
    }
}

/// How a sealed request is written: the response type by name and the PKCE
/// challenge beside it, as sealed requests always were.
#[derive(Serialize, Deserialize)]
struct Wire {
    client_id: String,
    response_type: WireResponseType,
    redirect_uri: String,
    scopes: BTreeSet<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<(String, Method)>,
    prompt: Prompt,
    max_age: Option<i64>,
    login_hint: Option<String>,
    /// Absent from requests sealed before it existed.
    #[serde(default)]
    ui_locales: Option<String>,
    #[serde(default)]
    acr_values: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum WireResponseType {
    Code,
    Token,
}

impl From<AuthorizationRequest> for Wire {
    fn from(r: AuthorizationRequest) -> Self {
        let (response_type, code_challenge) = match r.response_type {
            ResponseType::Code(c) => (WireResponseType::Code, Some((c.challenge, c.method))),
            ResponseType::Token => (WireResponseType::Token, None),
        };
        Wire {
            client_id: r.client_id,
            response_type,
            redirect_uri: r.redirect_uri,
            scopes: r.scopes,
            state: r.state,
            nonce: r.nonce,
            code_challenge,
            prompt: r.prompt,
            max_age: r.max_age,
            login_hint: r.login_hint,
            ui_locales: r.ui_locales,
            acr_values: r.acr_values,
        }
    }
}

impl TryFrom<Wire> for AuthorizationRequest {
    type Error = &'static str;

    fn try_from(w: Wire) -> Result<Self, Self::Error> {
        let response_type = match (w.response_type, w.code_challenge) {
            (WireResponseType::Code, Some((challenge, method))) => {
                ResponseType::Code(CodeChallenge { challenge, method })
            }
            (WireResponseType::Code, None) => return Err("a code request without its challenge"),
            (WireResponseType::Token, _) => ResponseType::Token,
        };
        Ok(AuthorizationRequest {
            client_id: w.client_id,
            response_type,
            redirect_uri: w.redirect_uri,
            scopes: w.scopes,
            state: w.state,
            nonce: w.nonce,
            prompt: w.prompt,
            max_age: w.max_age,
            login_hint: w.login_hint,
            ui_locales: w.ui_locales,
            acr_values: w.acr_values,
        })
    }
}

/// Why a request fails: shown as a page when the client or redirect URI cannot
/// be trusted (RFC 6749 §4.1.2.1), otherwise sent back to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// A page for the person (the message is a catalogue key, `i18n`).
    Page(Message),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
        /// Implicit-flow errors travel in the fragment (RFC 6749 §4.2.2.1).
        fragment: bool,
    },
}

pub fn parse(
    params: &FormParams,
    lookup: impl Fn(&str) -> Option<Arc<Client>>,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| AuthorizeError::Page(Message::new("error-no-client")))?;
    let client = lookup(client_id).ok_or_else(|| {
        AuthorizeError::Page(Message::new("error-unknown-client").arg("client", client_id))
    })?;
    let redirect_uri = match params.get("redirect_uri") {
        // RFC 6749 §3.1.2.3 and OAuth 2.1 §2.3.1: exact string match.
        Some(uri) if client.redirect_uris.iter().any(|r| r.as_str() == uri) => uri.to_owned(),
        Some(_) => {
            return Err(AuthorizeError::Page(Message::new(
                "error-redirect-unregistered",
            )));
        }
        None if client.redirect_uris.len() == 1 && !wants_openid(params) => {
            client.redirect_uris[0].to_string()
        }
        None => {
            return Err(AuthorizeError::Page(Message::new("error-no-redirect")));
        }
    };
    let state = params.get("state").map(str::to_owned);
    let implicit = params.get("response_type") == Some("token") && client.allow_implicit;
    let fail = |code: OAuthErrorCode, d: &str| AuthorizeError::Redirect {
        fragment: implicit,
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error: OAuthError::new(code, d),
    };
    use OAuthErrorCode::*;
    if params.contains("request") {
        return Err(fail(InvalidRequest, "request objects are not supported"));
    }
    if params.contains("request_uri") {
        return Err(fail(InvalidRequest, "request_uri is not supported"));
    }
    match params.get("response_type") {
        None => return Err(fail(InvalidRequest, "response_type is required")),
        Some("code") => {}
        Some("token") if implicit => {}
        Some(_) => {
            return Err(fail(
                UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    };
    let default_mode = if implicit { "fragment" } else { "query" };
    if params
        .get("response_mode")
        .is_some_and(|m| m != default_mode)
    {
        return Err(fail(
            InvalidRequest,
            &format!("only response_mode={default_mode} is supported"),
        ));
    }
    if !implicit && !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(fail(
            UnauthorizedClient,
            "this client may not use the authorization code grant",
        ));
    }
    let scopes = match params.get("scope") {
        Some(raw) => {
            ScopeSet::parse(raw).map_err(|e| fail(e.error, "the scope parameter is malformed"))?
        }
        None => return Err(fail(InvalidScope, "scope is required")),
    }
    .into_set();
    if let Some(s) = scopes.iter().find(|s| !client.scopes.contains(*s)) {
        return Err(fail(
            InvalidScope,
            &format!("scope not allowed for this client: {s}"),
        ));
    }
    let response_type = if implicit {
        // Never a refresh token through the front channel.
        if scopes.contains("offline_access") {
            return Err(fail(
                InvalidScope,
                "offline_access is not available with response_type=token",
            ));
        }
        ResponseType::Token
    } else {
        ResponseType::Code(pkce_params(params, &client).map_err(|d| fail(InvalidRequest, d))?)
    };
    let prompt = parse_prompt(params.get("prompt")).map_err(|d| fail(InvalidRequest, d))?;
    let max_age = match params.get("max_age") {
        Some(v) => Some(
            v.parse::<i64>()
                .ok()
                .filter(|m| *m >= 0)
                .ok_or_else(|| fail(InvalidRequest, "max_age must be a non-negative integer"))?,
        ),
        None => None,
    };
    Ok(AuthorizationRequest {
        client_id: client_id.to_owned(),
        response_type,
        redirect_uri: redirect_uri.clone(),
        scopes,
        state: state.clone(),
        nonce: params.get("nonce").map(str::to_owned),
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_owned),
        ui_locales: params.get("ui_locales").map(str::to_owned),
        acr_values: params.get("acr_values").map(str::to_owned),
    })
}

fn wants_openid(params: &FormParams) -> bool {
    params
        .get("scope")
        .is_some_and(|s| s.split(' ').any(|t| t == "openid"))
}

/// PKCE is required of every client (OAuth 2.1 §4.1.1); `plain` only where the
/// client explicitly allows it. RFC 7636 §4.3: an absent method means `plain`.
fn pkce_params(params: &FormParams, client: &Client) -> Result<CodeChallenge, &'static str> {
    let challenge = params
        .get("code_challenge")
        .ok_or("code_challenge is required (PKCE, RFC 7636)")?;
    let method = match params.get("code_challenge_method") {
        Some(m) => Method::parse(m).ok_or("code_challenge_method must be S256")?,
        None => Method::Plain,
    };
    if method == Method::Plain && !client.allow_plain_pkce {
        return Err("code_challenge_method must be S256");
    }
    if !pkce::well_formed(challenge) {
        return Err("code_challenge is malformed");
    }
    Ok(CodeChallenge {
        challenge: challenge.to_owned(),
        method,
    })
}

fn parse_prompt(raw: Option<&str>) -> Result<Prompt, &'static str> {
    let mut p = Prompt::default();
    for v in raw.unwrap_or_default().split(' ').filter(|v| !v.is_empty()) {
        match v {
            "none" => p.none = true,
            "login" | "select_account" => p.login = true,
            "consent" => p.consent = true,
            _ => return Err("unsupported prompt value"),
        }
    }
    if p.none && (p.login || p.consent) {
        return Err("prompt=none cannot be combined with other values");
    }
    Ok(p)
}

/// The redirect that carries a result or an error back to the client, with
/// `iss` (RFC 9207 §2) so the client can tell which server answered: in the
/// query, or in the fragment for the implicit grant (RFC 6749 §4.2.2).
pub fn response_url(
    redirect_uri: &str,
    issuer: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
    in_fragment: bool,
) -> String {
    if in_fragment {
        let mut fragment = url::form_urlencoded::Serializer::new(String::new());
        append_response(&mut fragment, issuer, pairs, state);
        return format!("{redirect_uri}#{}", fragment.finish());
    }
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => return redirect_uri.to_owned(),
    };
    append_response(&mut url.query_pairs_mut(), issuer, pairs, state);
    url.to_string()
}

/// A response's parameters, then `state` and `iss`, in a query or a fragment.
fn append_response<T: url::form_urlencoded::Target>(
    out: &mut url::form_urlencoded::Serializer<'_, T>,
    issuer: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) {
    out.extend_pairs(pairs.iter().copied());
    if let Some(s) = state {
        out.append_pair("state", s);
    }
    out.append_pair("iss", issuer);
}

/// An error response in the query (code) or fragment (implicit).
pub fn error_redirect_in(
    redirect_uri: &str,
    issuer: &str,
    error: &OAuthError,
    state: Option<&str>,
    fragment: bool,
) -> String {
    let code = error_code(error);
    let mut pairs = vec![("error", code.as_str())];
    if let Some(d) = &error.error_description {
        pairs.push(("error_description", d));
    }
    response_url(redirect_uri, issuer, &pairs, state, fragment)
}

/// The RFC 6749 §4.1.2.1 `error` value, as serde names it.
fn error_code(error: &OAuthError) -> String {
    serde_json::to_value(error.error)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
