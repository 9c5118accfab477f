use super::error::Problem;
use super::state::AppState;
use super::tenant::Tenant;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

fn json(body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(body)
}

/// `{issuer}/.well-known/openid-configuration` and
/// `{issuer}/.well-known/oauth-authorization-server`: the same document.
pub async fn metadata(tenant: Tenant) -> HttpResponse {
    json(tenant.snapshot.metadata())
}

/// RFC 8414 §3 path insertion:
/// `{public_url}/.well-known/oauth-authorization-server/t/{tenant}`.
pub async fn metadata_inserted(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Problem> {
    let slug = req.match_info().get("tenant").unwrap_or_default();
    let unknown = || Problem::not_found(format!("no tenant named {slug:?}"));
    let handle = state.tenants.get(slug).await?.ok_or_else(unknown)?;
    let snapshot = handle.snapshot();
    if snapshot.status != crate::tenancy::TenantStatus::Active {
        return Err(unknown());
    }
    Ok(json(snapshot.metadata()))
}

/// The tenant's JWK Set (RFC 7517 §5): active and still-published JWS keys.
pub async fn jwks(tenant: Tenant) -> HttpResponse {
    json(tenant.snapshot.keys.jwks())
}

/// The tenant's Biscuit root public keys, by `root_key_id`.
pub async fn biscuit_keys(tenant: Tenant) -> HttpResponse {
    json(tenant.snapshot.keys.biscuit_keys())
}

/// Human-readable notes for developers integrating with this tenant.
pub async fn docs(tenant: Tenant) -> HttpResponse {
    super::headers::secure_page(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .body(crate::console::tenant_docs(&tenant.snapshot).into_string())
}

/// Revocation ids (hex) of revoked access tokens that have not expired yet, for
/// resource servers that verify offline (`gatehouse::verify::Verifier::with_revoked`).
pub async fn revocation_list(tenant: Tenant) -> Result<HttpResponse, Problem> {
    let id = tenant.snapshot.id.clone();
    let now = tenant.state.clock.db_now();
    let rows = tenant
        .state
        .store
        .run(move |c| {
            crate::store::revocations::since(c, &id, chrono::DateTime::UNIX_EPOCH.naive_utc(), now)
        })
        .await?;
    let ids: Vec<String> = rows.into_iter().map(|(id, _)| id).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(serde_json::json!({ "revoked": ids })))
}
