//! The steps of an interactive authorization: from a valid request (and maybe
//! a session) to a login page, a consent page, or a redirect with a code.

use super::decide::{self, Next, SignIn};
use super::pending::PendingSignIn;
use super::sealed::Resume;
use crate::clock::Clock;
use crate::config::{MasterKey, SecretString};
use crate::grants::code_issuance::{CodeBinding, issue_code};
use crate::grants::implicit;
use crate::i18n::Message;
use crate::identity::password::PasswordHasher;
use crate::mfa::factors::{self, Verdict};
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
    /// Opens second factors' secrets (`mfa::factors`).
    pub master_key: &'a MasterKey,
    /// How long a browser session lasts (`security.session_ttl`).
    pub session_ttl: std::time::Duration,
}

/// What to show or do next.
pub enum Step {
    Login {
        request: Resume,
        /// Why the form is shown again: a message key of the pages'
        /// catalogues (`i18n`, `login-error-…`).
        error: Option<&'static str>,
    },
    /// The password was right; the user has a second factor to present.
    SecondFactor {
        request: Resume,
        pending: PendingSignIn,
        /// The kind of factor asked for (`mfa::factors::TOTP`, …).
        kind: String,
        /// A catalogue key (`mfa-error-…`).
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
        Next::Login => Ok(login_again(request)),
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

/// What the login form leads to: the next step, and the new session's
/// cookie value when the credentials were right.
pub struct LoggedIn {
    pub step: Step,
    pub cookie_value: Option<String>,
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
    let started_at = deps.clock.now().timestamp();
    let (tenant, user_id) = (snapshot.id.clone(), user.id.clone());
    let confirmed = deps
        .store
        .run(move |c| factors::confirmed(c, &tenant, &user_id))
        .await?;
    let usable = factors::sign_in_order(confirmed);
    if let Some((kind, _)) = usable.first() {
        let kind = kind.clone();
        let pending = PendingSignIn {
            user_id: user.id,
            factors: usable,
            amr: vec!["pwd".into()],
            started_at,
        };
        return Ok(LoggedIn {
            step: Step::SecondFactor {
                request: resume,
                pending,
                kind,
                error: None,
            },
            cookie_value: None,
        });
    }
    let amr = vec!["pwd".to_owned()];
    signed_in(deps, snapshot, resume, &user.id, amr, deps.clock.db_now()).await
}

/// The second-factor form posted: a right code starts the session with
/// `otp` and `mfa` added to how the user authenticated (RFC 8176 §2); a
/// wrong one shows the form again, and after five the factor is locked
/// (`mfa::lockout`).
pub async fn second_factor(
    deps: Deps<'_>,
    snapshot: &Arc<TenantSnapshot>,
    resume: Resume,
    pending: PendingSignIn,
    kind: String,
    code: String,
) -> Result<LoggedIn, StoreError> {
    let Some(factor_id) = pending.factor(&kind).map(str::to_owned) else {
        return Ok(LoggedIn {
            step: Step::Login {
                request: resume,
                error: Some("login-error-again"),
            },
            cookie_value: None,
        });
    };
    let (tenant, master) = (snapshot.id.clone(), deps.master_key.clone());
    let user_id = pending.user_id.clone();
    let unix = u64::try_from(deps.clock.now().timestamp()).unwrap_or(0);
    let now = deps.clock.db_now();
    let verdict = deps
        .store
        .run(move |c| {
            let attempt = factors::Attempt {
                code: &code,
                unix_secs: unix,
                now,
            };
            factors::verify(c, &master, &tenant, &user_id, &factor_id, attempt)
                .map_err(StoreError::from)
        })
        .await?;
    let error = match verdict {
        Verdict::Accepted => {
            let mut amr = pending.amr.clone();
            amr.extend(["otp".to_owned(), "mfa".to_owned()]);
            let auth_time = chrono::DateTime::from_timestamp(pending.started_at, 0)
                .map_or(now, |t| t.naive_utc());
            return signed_in(deps, snapshot, resume, &pending.user_id, amr, auth_time).await;
        }
        Verdict::Wrong => "mfa-error-wrong",
        Verdict::Locked(_) => "mfa-error-locked",
    };
    Ok(LoggedIn {
        step: Step::SecondFactor {
            request: resume,
            pending,
            kind,
            error: Some(error),
        },
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
    let step = match resume {
        Resume::Authorize(mut request) => {
            request.prompt.login = false;
            request.max_age = None;
            advance(deps, snapshot, *request, Some(started.row)).await?
        }
        Resume::Account => Step::Redirect(format!("/t/{}/account", snapshot.slug)),
    };
    Ok(LoggedIn {
        step,
        cookie_value: Some(started.cookie_value),
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
