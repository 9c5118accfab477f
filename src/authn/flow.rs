//! The steps of an interactive authorization: from a valid request (and maybe
//! a session) to a login page, a consent page, or a redirect with a code.

use super::decide::{self, Next, SignIn};
use crate::clock::Clock;
use crate::config::SecretString;
use crate::grants::code_issuance::{CodeBinding, issue_code};
use crate::grants::implicit;
use crate::i18n::Message;
use crate::identity::password::PasswordHasher;
use crate::oauth::OAuthError;
use crate::oauth::authorize::{self, AuthorizationRequest, ResponseType};
use crate::oauth::scope::ScopeSet;
use crate::store::Store;
use crate::store::sessions::SessionRow;
use crate::store::users::UserRow;
use crate::store::{self, StoreError};
use crate::tenancy::TenantSnapshot;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What the sign-in steps use, passed in by the caller.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub store: &'a Store,
    pub clock: &'a dyn Clock,
    pub passwords: &'a PasswordHasher,
    /// How long a browser session lasts (`security.session_ttl`).
    pub session_ttl: std::time::Duration,
}

/// What to show or do next.
pub enum Step {
    Login {
        request: AuthorizationRequest,
        /// Why the form is shown again: a message key of the pages'
        /// catalogues (`i18n`, `login-error-…`).
        error: Option<&'static str>,
    },
    Consent {
        request: AuthorizationRequest,
        user: Box<UserRow>,
    },
    Redirect(String),
    /// The request no longer makes sense (e.g. the client disappeared).
    Page(Message),
}

/// A fresh sign-in to attach to the browser.
pub struct Started {
    pub session: SessionRow,
    pub cookie_value: String,
}

/// Continues a valid request given the browser's session (if any).
pub async fn advance(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    request: AuthorizationRequest,
    session: Option<SessionRow>,
) -> Result<Step, StoreError> {
    let Some(client) = snapshot.client(&request.client_id) else {
        return Ok(Step::Page(Message::new("error-client-gone")));
    };
    let now = deps.clock.db_now();
    let remembered = match &session {
        Some(s) => {
            let (tenant, user, client_id) = (
                snapshot.id.clone(),
                s.user_id.clone(),
                request.client_id.clone(),
            );
            deps.store
                .run(move |c| store::consents::get(c, &tenant, &user, &client_id))
                .await?
        }
        None => None,
    };
    let sign_in = session.as_ref().map(|s| SignIn {
        auth_time: s.auth_time,
    });
    match decide::decide(&request, &client, sign_in, remembered.as_ref(), now) {
        Next::Login => Ok(Step::Login {
            request,
            error: None,
        }),
        Next::Error(e) => Ok(Step::Redirect(error_url(snapshot, &request, &e))),
        Next::Consent => {
            let Some(session) = session else {
                return Ok(Step::Login {
                    request,
                    error: None,
                });
            };
            let (tenant, user_id) = (snapshot.id.clone(), session.user_id.clone());
            match deps
                .store
                .run(move |c| store::users::get(c, &tenant, &user_id))
                .await?
            {
                Some(user) => Ok(Step::Consent {
                    request,
                    user: Box::new(user),
                }),
                None => Ok(Step::Login {
                    request,
                    error: None,
                }),
            }
        }
        Next::Issue(scopes) => match session {
            Some(session) => issue(deps, snapshot, &request, &session, scopes).await,
            None => Ok(Step::Login {
                request,
                error: None,
            }),
        },
    }
}

/// What the login form leads to: the next step, and the new session's
/// cookie value when the credentials were right.
pub struct LoggedIn {
    pub step: Step,
    pub cookie_value: Option<String>,
}

/// The login form posted. Wrong credentials show the form again, with the
/// username as typed (never the password); right ones start a session and
/// continue the request, whose `prompt=login` and `max_age` the fresh
/// sign-in has now satisfied (OIDC Core §3.1.2.1).
pub async fn login(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    mut request: AuthorizationRequest,
    login: String,
    password: SecretString,
) -> Result<LoggedIn, StoreError> {
    let Some(started) = sign_in(deps, snapshot, login.clone(), password).await? else {
        request.login_hint = Some(login).filter(|l| !l.trim().is_empty());
        return Ok(LoggedIn {
            step: Step::Login {
                request,
                error: Some("login-error-wrong"),
            },
            cookie_value: None,
        });
    };
    request.prompt.login = false;
    request.max_age = None;
    Ok(LoggedIn {
        step: advance(deps, snapshot, request, Some(started.session)).await?,
        cookie_value: Some(started.cookie_value),
    })
}

/// Checks the credentials and starts a session; `None` when they are wrong.
async fn sign_in(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    login: String,
    password: SecretString,
) -> Result<Option<Started>, StoreError> {
    let tenant = snapshot.id.clone();
    let hasher = deps.passwords.clone();
    let now = deps.clock.db_now();
    let ttl = chrono::Duration::from_std(deps.session_ttl).unwrap_or(chrono::Duration::hours(12));
    // Three steps, so that no pooled connection is held through argon2's
    // ~15 ms: read the user, hash on a blocking thread, write the session.
    let t = tenant.clone();
    let found = deps
        .store
        .run(move |c| super::session::find_login(c, &t, &login))
        .await?;
    let user = tokio::task::spawn_blocking(move || {
        super::session::check_password(found, &password, &hasher)
    })
    .await
    .map_err(|_| StoreError::Cancelled)?;
    let Some(user) = user else {
        return Ok(None);
    };
    deps.store
        .run(move |c| {
            let s = super::session::create(c, &tenant, &user.id, now, ttl)?;
            Ok(Some(Started {
                session: s.row,
                cookie_value: s.cookie_value,
            }))
        })
        .await
}

/// Records what the user granted on the consent page and issues the code.
pub async fn consented(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    request: AuthorizationRequest,
    session: SessionRow,
    ticked: BTreeSet<String>,
) -> Result<Step, StoreError> {
    let granted = decide::granted(&request, &ticked);
    let (tenant, user, client_id, g) = (
        snapshot.id.clone(),
        session.user_id.clone(),
        request.client_id.clone(),
        granted.clone(),
    );
    let now = deps.clock.db_now();
    deps.store
        .run(move |c| store::consents::put(c, &tenant, &user, &client_id, &g, now))
        .await?;
    issue(deps, snapshot, &request, &session, granted).await
}

/// "Not you?" on the consent page: the browser's session ends as a logout
/// would end it (its refresh families revoked), and the same authorization
/// request asks whoever is at the browser to sign in.
pub async fn switch_account(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    request: AuthorizationRequest,
    session: SessionRow,
) -> Result<Step, StoreError> {
    let (tenant, id, now) = (snapshot.id.clone(), session.id, deps.clock.db_now());
    deps.store
        .run(move |c| super::session::sign_out(c, &tenant, &id, now))
        .await?;
    Ok(Step::Login {
        request,
        error: None,
    })
}

/// The redirect for a denied consent (RFC 6749 §4.1.2.1 `access_denied`).
pub fn denied(snapshot: &TenantSnapshot, request: &AuthorizationRequest) -> Step {
    let e = OAuthError::new(
        crate::oauth::OAuthErrorCode::AccessDenied,
        "the user denied the request",
    );
    Step::Redirect(error_url(snapshot, request, &e))
}

async fn issue(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    request: &AuthorizationRequest,
    session: &SessionRow,
    scopes: BTreeSet<String>,
) -> Result<Step, StoreError> {
    let scopes = ScopeSet::from_stored(scopes);
    let ResponseType::Code(pkce) = request.response_type.clone() else {
        let (tenant, user) = (snapshot.id.clone(), session.user_id.clone());
        let held = deps
            .store
            .run(move |c| crate::store::users::role_names(c, &tenant, &user))
            .await?;
        let rights = snapshot.rights.token_rights(&held, scopes.as_set());
        let now = deps.clock.now();
        return Ok(implicit(snapshot, request, session, scopes, rights, now));
    };
    let (tenant, r, s) = (snapshot.id.clone(), request.clone(), session.clone());
    let now = deps.clock.db_now();
    let code = deps
        .store
        .run(move |c| {
            let binding = CodeBinding {
                client_id: &r.client_id,
                redirect_uri: &r.redirect_uri,
                scopes: &scopes,
                nonce: r.nonce.as_deref(),
                challenge: &pkce,
            };
            issue_code(c, &tenant, &s, &binding, now)
        })
        .await?;
    Ok(Step::Redirect(authorize::response_url(
        &request.redirect_uri,
        &snapshot.issuer,
        &[("code", &code)],
        request.state.as_deref(),
        false,
    )))
}

pub fn error_url(
    snapshot: &TenantSnapshot,
    request: &AuthorizationRequest,
    e: &OAuthError,
) -> String {
    let fragment = request.response_type.in_fragment();
    authorize::error_redirect_in(
        &request.redirect_uri,
        &snapshot.issuer,
        e,
        request.state.as_deref(),
        fragment,
    )
}

/// The implicit response (`grants::implicit`) as a redirect.
fn implicit(
    snapshot: &TenantSnapshot,
    request: &AuthorizationRequest,
    session: &SessionRow,
    scopes: ScopeSet,
    rights: BTreeSet<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Step {
    let Some(client) = snapshot.client(&request.client_id) else {
        return Step::Page(Message::new("error-client-gone"));
    };
    match implicit::mint(snapshot, &client, &session.user_id, scopes, rights, now) {
        Ok(access) => {
            let fragment = implicit::fragment(&access);
            let params: Vec<(&str, &str)> =
                fragment.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Step::Redirect(authorize::response_url(
                &request.redirect_uri,
                &snapshot.issuer,
                &params,
                request.state.as_deref(),
                true,
            ))
        }
        Err(e) => Step::Redirect(error_url(snapshot, request, &e)),
    }
}
