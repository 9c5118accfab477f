//! The steps of an interactive authorization: from a valid request (and maybe
//! a session) to a login page, a consent page, or a redirect with a code.

use super::decide::{self, Next, SignIn};
use super::pending::PendingSignIn;
use super::sealed::Resume;
use super::second_factor::{self, Checked};
use crate::config::SecretString;
use crate::grants::code_issuance::{CodeBinding, issue_code};
use crate::grants::implicit;
use crate::i18n::Message;
use crate::oauth::OAuthError;
use crate::oauth::authorize::{self, AuthorizationRequest, ResponseType};
use crate::oauth::scope::ScopeSet;
use crate::store::sessions::SessionRow;
use crate::store::users::UserRow;
use crate::store::{self, StoreError};
use crate::tenancy::TenantSnapshot;
use std::collections::BTreeSet;
use std::sync::Arc;

pub use super::step::{Deps, LoggedIn, Step};

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
    let lacking = match &session {
        Some(s) if !super::session::has_mfa(s) => {
            second_factor::required(deps, snapshot, &s.user_id, Some(&request)).await?
        }
        _ => false,
    };
    let sign_in = |needs_second_factor| {
        session.as_ref().map(|s| SignIn {
            auth_time: s.auth_time,
            needs_second_factor,
        })
    };
    let mut next = decide::decide(
        &request,
        &client,
        sign_in(lacking),
        remembered.as_ref(),
        now,
    );
    if let (Next::SecondFactor, Some(s)) = (&next, &session) {
        // Step-up (docs/mfa.md): the session's user presents a factor, or
        // sets one up; when they cannot, the request's voluntary
        // `acr_values` is answered with the sign-in there is.
        let resume = Resume::Authorize(Box::new(request.clone()));
        let so_far = second_factor::SoFar::session(s, deps.clock.now().timestamp());
        if let Some(step) = second_factor::ask(deps, snapshot, &resume, so_far, true).await? {
            return Ok(step);
        }
        next = decide::decide(&request, &client, sign_in(false), remembered.as_ref(), now);
    }
    match next {
        Next::Login | Next::SecondFactor => Ok(login_again(request)),
        Next::Error(e) => Ok(Step::Redirect(error_url(snapshot, &request, &e))),
        Next::Consent => {
            let Some(session) = session else {
                return Ok(login_again(request));
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
                None => Ok(login_again(request)),
            }
        }
        Next::Issue(scopes) => match session {
            Some(session) => issue(deps, snapshot, &request, &session, scopes).await,
            None => Ok(login_again(request)),
        },
    }
}

fn login_again(request: AuthorizationRequest) -> Step {
    Step::Login {
        request: Resume::Authorize(Box::new(request)),
        error: None,
    }
}

/// The login form posted. Wrong credentials show the form again, with the
/// username as typed (never the password); right ones ask for the user's
/// second factor when they have one, else start a session and go on.
pub async fn login(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    mut resume: Resume,
    login: String,
    password: SecretString,
) -> Result<LoggedIn, StoreError> {
    let Some(user) = check_password(deps, snapshot, login.clone(), password).await? else {
        if let Resume::Authorize(r) = &mut resume {
            r.login_hint = Some(login).filter(|l| !l.trim().is_empty());
        }
        return Ok(LoggedIn {
            step: Step::Login {
                request: resume,
                error: Some("login-error-wrong"),
            },
            cookie_value: None,
        });
    };
    let must = second_factor::required(deps, snapshot, &user.id, resume.request()).await?;
    let so_far = second_factor::SoFar {
        user_id: user.id.clone(),
        amr: vec!["pwd".into()],
        started_at: deps.clock.now().timestamp(),
        session_id: None,
    };
    if let Some(step) = second_factor::ask(deps, snapshot, &resume, so_far, must).await? {
        return Ok(LoggedIn {
            step,
            cookie_value: None,
        });
    }
    let amr = vec!["pwd".to_owned()];
    signed_in(deps, snapshot, resume, &user.id, amr, deps.clock.db_now()).await
}

/// The second-factor form posted: a right code starts the session with
/// `otp` and `mfa` added to how the user authenticated (RFC 8176 §2), or,
/// for a step-up, adds them to the browser's session; a wrong one shows the
/// form again, and after five the factor is locked (`mfa::lockout`).
pub async fn second_factor(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    resume: Resume,
    pending: PendingSignIn,
    kind: String,
    code: String,
) -> Result<LoggedIn, StoreError> {
    let checked = second_factor::check(deps, snapshot, resume.clone(), pending, kind, code).await?;
    let passed = match checked {
        Checked::Again(step) => {
            return Ok(LoggedIn {
                step,
                cookie_value: None,
            });
        }
        Checked::Passed(p) => p,
    };
    let now = deps.clock.db_now();
    let Some(session_id) = passed.session_id.clone() else {
        let auth_time =
            chrono::DateTime::from_timestamp(passed.started_at, 0).map_or(now, |t| t.naive_utc());
        return signed_in(
            deps,
            snapshot,
            resume,
            &passed.user_id,
            passed.amr,
            auth_time,
        )
        .await;
    };
    let (tenant, user, amr) = (snapshot.id.clone(), passed.user_id.clone(), passed.amr);
    let session = deps
        .store
        .run(move |c| {
            let added: Vec<&str> = amr.iter().map(String::as_str).collect();
            super::session::add_to_amr(c, &tenant, &session_id, &user, &added, now)
        })
        .await?;
    let step = match session {
        Some(session) => resume_with(deps, snapshot, resume, session).await?,
        None => Step::Login {
            request: resume,
            error: Some("login-error-again"),
        },
    };
    Ok(LoggedIn {
        step,
        cookie_value: None,
    })
}

/// Starts the session and continues what the sign-in was for: the
/// authorization request, whose `prompt=login` and `max_age` the fresh
/// sign-in has now satisfied (OIDC Core §3.1.2.1), or the account page.
async fn signed_in(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    resume: Resume,
    user_id: &str,
    amr: Vec<String>,
    auth_time: chrono::NaiveDateTime,
) -> Result<LoggedIn, StoreError> {
    let (tenant, user_id) = (snapshot.id.clone(), user_id.to_owned());
    let now = deps.clock.db_now();
    let ttl = chrono::Duration::from_std(deps.session_ttl).unwrap_or(chrono::Duration::hours(12));
    let started = deps
        .store
        .run(move |c| super::session::create(c, &tenant, &user_id, &amr, auth_time, now, ttl))
        .await?;
    Ok(LoggedIn {
        step: resume_with(deps, snapshot, resume, started.row).await?,
        cookie_value: Some(started.cookie_value),
    })
}

/// Goes on with what the sign-in was for, now that `session` satisfies it.
async fn resume_with(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    resume: Resume,
    session: SessionRow,
) -> Result<Step, StoreError> {
    Ok(match resume {
        Resume::Authorize(mut request) => {
            request.prompt.login = false;
            request.max_age = None;
            advance(deps, snapshot, *request, Some(session)).await?
        }
        Resume::Account => Step::Redirect(format!("/t/{}/account", snapshot.slug)),
    })
}

/// The user whose credentials these are; `None` when they are wrong.
async fn check_password(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    login: String,
    password: SecretString,
) -> Result<Option<UserRow>, StoreError> {
    let tenant = snapshot.id.clone();
    let hasher = deps.passwords.clone();
    // Two steps, so that no pooled connection is held through argon2's
    // ~15 ms: read the user, then hash on a blocking thread.
    let found = deps
        .store
        .run(move |c| super::session::find_login(c, &tenant, &login))
        .await?;
    tokio::task::spawn_blocking(move || super::session::check_password(found, &password, &hasher))
        .await
        .map_err(|_| StoreError::Cancelled)
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
    Ok(login_again(request))
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
    let amr = super::session::amr(session);
    match implicit::mint(
        snapshot,
        &client,
        &session.user_id,
        amr,
        scopes,
        rights,
        now,
    ) {
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
