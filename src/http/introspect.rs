use super::client_call::ClientCall;
use crate::oauth::{OAuthError, OAuthErrorCode};
use crate::tokens::access;
use crate::tokens::introspection::Introspector;
use actix_web::HttpResponse;
use actix_web::http::header;

/// RFC 7662 token introspection. Callers authenticate as confidential clients of
/// the tenant and learn only about tokens they may (`tokens::introspection`);
/// anything else — and anything that is not an active token of this tenant —
/// answers `{"active": false}` and nothing else (§2.2).
pub async fn introspect(call: ClientCall) -> Result<HttpResponse, OAuthError> {
    let (snapshot, caller) = (&call.tenant.snapshot, &call.caller);
    if caller.client.public {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "public clients cannot introspect",
        ));
    }
    let token = call.params.require("token")?;
    // RFC 7662 §4: a caller not allowed this token learns only `active: false`
    // (and its narrowing blocks are not evaluated for it).
    let introspector = Introspector::of(&caller.client, &snapshot.rights.roles);
    let facts = super::evaluate::inspect(&call.tenant, token, move |client, aud| {
        introspector.admits(client, aud)
    })
    .await?;
    let body = match facts {
        None => serde_json::json!({ "active": false }),
        Some(f) => with_delegation(&f, active(&f, &snapshot.issuer)),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// RFC 7662 §2.2: the members of an active token's answer.
fn active(f: &access::TokenFacts, issuer: &str) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert("active".into(), true.into());
    // OPTIONAL; left out when no scope is usable (a token narrowed to some
    // rights only).
    if !f.scopes.is_empty() {
        let scope = f.scopes.iter().map(String::as_str).collect::<Vec<_>>();
        body.insert("scope".into(), scope.join(" ").into());
    }
    // Extension member (§2.2 allows them): the permissions the token
    // carries, after any narrowing blocks.
    body.insert("rights".into(), serde_json::json!(f.rights));
    body.insert("client_id".into(), f.client_id.clone().into());
    let sub = f.subject.as_deref().unwrap_or(&f.client_id);
    body.insert("sub".into(), sub.into());
    // Left out when a narrowing check bounds the time in a way that cannot be
    // read: the authority block's expiry could be later than the token lives.
    if f.expiry_readable {
        body.insert("exp".into(), serde_json::json!(f.expires_at));
    }
    body.insert("iat".into(), serde_json::json!(f.issued_at));
    body.insert("iss".into(), issuer.into());
    body.insert("token_type".into(), "Bearer".into());
    // How the user signed in, as the ID token says it (RFC 9068 §2.2.1).
    if !f.amr.is_empty() {
        body.insert("amr".into(), serde_json::json!(f.amr));
        let acr = crate::tokens::id_token::acr_of(&f.amr);
        body.insert("acr".into(), acr.into());
    }
    body.into()
}

/// RFC 7662 §2.2 `aud`, and RFC 8693 §4.1 `act` for delegated tokens.
fn with_delegation(f: &access::TokenFacts, mut body: serde_json::Value) -> serde_json::Value {
    if !f.audiences.is_empty() {
        body["aud"] = serde_json::json!(f.audiences);
    }
    if let Some(act) = access::act_claim(&f.actors) {
        body["act"] = act;
    }
    body
}
