//! The UserInfo endpoint (OpenID Connect Core §5.3): the claims of the scopes
//! the user granted, for a Bearer access token that includes `openid`.

use super::tenant::Tenant;
use crate::identity::{UserStatus, claims};
use crate::store;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

fn invalid_token(description: &str) -> HttpResponse {
    super::bearer::challenge(Some(description))
}

pub async fn userinfo(
    tenant: Tenant,
    req: HttpRequest,
) -> Result<HttpResponse, super::error::Problem> {
    let s = &tenant.snapshot;
    let Some(token) = super::bearer::token(&req) else {
        return Ok(super::bearer::challenge(None));
    };
    let facts = super::evaluate::inspect(&tenant, token, |_, _| true).await?;
    let Some(facts) = facts.filter(|f| f.scopes.contains("openid")) else {
        return Ok(invalid_token("the access token is not valid for userinfo"));
    };
    if let Some(client) = s.client(&facts.client_id) {
        super::cors::for_client(&req, client);
    }
    let Some(subject) = facts.subject.clone() else {
        return Ok(invalid_token("the access token has no user"));
    };
    let tenant_id = s.id.clone();
    let user = tenant
        .state
        .store
        .run(move |c| store::users::get(c, &tenant_id, &subject))
        .await?;
    let Some(user) = user.filter(|u| UserStatus::of_row(&u.status).is_active()) else {
        return Ok(invalid_token("the user no longer exists"));
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(claims::standard_claims(&user, &facts.scopes)))
}
