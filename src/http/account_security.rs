//! The account page's forms about who can act as the user: sign out the
//! other sessions, withdraw an app's consent, change the password.

use super::account::{account_page, base, signed_in};
use super::error::Problem;
use super::pages;
use super::tenant::Tenant;
use crate::authn::account_security::{self, PasswordRefused};
use crate::config::SecretString;
use crate::i18n::Text;
use crate::identity::password::PolicyError;
use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

fn done(tenant: &Tenant, what: &str) -> HttpResponse {
    pages::redirect(&format!("{}?done={what}", base(tenant)), vec![])
}

/// POST /t/{tenant}/account/sessions/others
pub async fn sign_out_others(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((_, user, session)) = signed_in(&tenant, &req, &body).await? else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let (t, now) = (s.id.clone(), state.clock.db_now());
    state
        .store
        .run(move |c| account_security::sign_out_others(c, &t, &user.id, &session.id, now))
        .await
        .map_err(Problem::from)?;
    Ok(done(&tenant, "signed-out-others"))
}

/// POST /t/{tenant}/account/apps/withdraw
pub async fn withdraw(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((form, user, _)) = signed_in(&tenant, &req, &body).await? else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    let (state, s) = (&tenant.state, &tenant.snapshot);
    let client = form.get("client").unwrap_or_default().to_owned();
    let (t, now) = (s.id.clone(), state.clock.db_now());
    state
        .store
        .run(move |c| account_security::withdraw(c, &t, &user.id, &client, now))
        .await
        .map_err(Problem::from)?;
    Ok(done(&tenant, "app-removed"))
}

/// POST /t/{tenant}/account/password: the current password, then the new
/// one; argon2 on a blocking thread, no connection held.
pub async fn change_password(
    tenant: Tenant,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, actix_web::Error> {
    let Some((form, user, session)) = signed_in(&tenant, &req, &body).await? else {
        return Ok(pages::redirect(&base(&tenant), vec![]));
    };
    let state = &tenant.state;
    let current = SecretString::new(form.get("current").unwrap_or_default());
    let new = SecretString::new(form.get("new").unwrap_or_default());
    let (hasher, u) = (state.passwords.clone(), user.clone());
    let hashed = tokio::task::spawn_blocking(move || {
        account_security::new_hash(&hasher, &u, &current, &new)
    })
    .await
    .map_err(|_| Problem::internal())?
    .map_err(|_| Problem::internal())?;
    let hash = match hashed {
        Ok(h) => h,
        Err(refused) => {
            let t = pages::text(&req, None, tenant.snapshot.default_locale);
            let says = refusal(&t, &refused);
            let status = StatusCode::BAD_REQUEST;
            return account_page(&tenant, &req, &session, status, Some(says)).await;
        }
    };
    let (t, now) = (tenant.snapshot.id.clone(), state.clock.db_now());
    let keep = session.id.clone();
    state
        .store
        .run(move |c| account_security::set_password(c, &t, &user, &hash, &keep, now))
        .await
        .map_err(|e: StoreError| Problem::from(e))?;
    Ok(done(&tenant, "password-changed"))
}

/// What the password form says of a refusal, in the page's language.
fn refusal(t: &Text, r: &PasswordRefused) -> String {
    match r {
        PasswordRefused::Wrong => t.get("account-password-wrong"),
        PasswordRefused::Policy(PolicyError::TooShort(n)) => t.with(
            "account-password-too-short",
            &[("count", n.to_string().as_str())],
        ),
        PasswordRefused::Policy(PolicyError::SameAsIdentity) => t.get("account-password-same"),
    }
}
