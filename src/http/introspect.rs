use super::Tenant;
use super::form::{authenticate, form};
use crate::app::AppState;
use crate::oauth::{OAuthError, OAuthErrorCode};
use crate::tokens::access;
use crate::tokens::introspection::may_introspect;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// RFC 7662 token introspection. Callers authenticate as confidential clients of
/// the tenant and learn only about tokens they may (`tokens::introspection`);
/// anything else — and anything that is not an active token of this tenant —
/// answers `{"active": false}` and nothing else (§2.2).
pub async fn introspect(
    tenant: Tenant,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let snapshot = &tenant.snapshot;
    let params = form(&req, &body)?;
    let caller = authenticate(&state, snapshot, &req, &params).await?;
    if caller.client.public {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "public clients cannot introspect",
        ));
    }
    let token = params.require("token")?;
    // RFC 7662 §4: a caller not allowed this token learns only `active: false`.
    let facts = super::evaluate::inspect(&tenant, &state, token)
        .await?
        .filter(|f| may_introspect(&caller.client, f, &snapshot.rights.roles));
    let body = match facts {
        None => serde_json::json!({ "active": false }),
        Some(f) => with_delegation(
            &f,
            serde_json::json!({
                "active": true,
                "scope": f.scopes.iter().map(String::as_str).collect::<Vec<_>>().join(" "),
                // Extension member (RFC 7662 §2.2 allows them): the permissions the
                // token carries, after any narrowing blocks.
                "rights": f.rights,
                "client_id": f.client_id,
                "sub": f.subject.as_deref().unwrap_or(&f.client_id),
                "exp": f.expires_at,
                "iat": f.issued_at,
                "iss": snapshot.issuer,
                "token_type": "Bearer",
            }),
        ),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
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
