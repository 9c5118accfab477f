//! The second-factor steps of a sign-in (docs/mfa.md): whether one is
//! needed — the tenant's policy for the user's roles, or the request's
//! `acr_values` —, which of the user's factors to ask for, or, when one is
//! required and the user has none, the authenticator app to set up right
//! after the password, before any code is issued; and checking the code.

use super::account::{self, Setup};
use super::pending::PendingSignIn;
use super::sealed::Resume;
use super::step::{Deps, Step};
use crate::mfa::factors::{self, Attempt, Verdict};
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::sessions::SessionRow;
use crate::store::{self, StoreError};
use crate::tenancy::TenantSnapshot;

/// Whether `user_id` must present a second factor to finish this sign-in:
/// the tenant requires it of everyone or of a role the user holds, or the
/// request asks for `urn:gatehouse:acr:mfa`. Roles are read only when the
/// policy depends on them.
pub async fn required(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    user_id: &str,
    request: Option<&AuthorizationRequest>,
) -> Result<bool, StoreError> {
    let policy = &snapshot.mfa;
    if !policy.enabled() {
        return Ok(false);
    }
    if request.is_some_and(AuthorizationRequest::wants_mfa) || policy.required_of_everyone() {
        return Ok(true);
    }
    if !policy.depends_on_roles() {
        return Ok(false);
    }
    let (tenant, user) = (snapshot.id.clone(), user_id.to_owned());
    let roles = deps
        .store
        .run(move |c| store::users::role_names(c, &tenant, &user))
        .await?;
    Ok(policy.required_for(&roles))
}

/// Who is signing in, so far.
pub struct SoFar {
    pub user_id: String,
    /// RFC 8176 values used so far (`pwd`).
    pub amr: Vec<String>,
    /// When the sign-in began (Unix seconds).
    pub started_at: i64,
    /// Step-up: the session a second factor is added to.
    pub session_id: Option<String>,
}

impl SoFar {
    /// A session that lacks a second factor, at Unix time `now`: the
    /// pending step-up's five minutes start now (the session keeps its own
    /// `auth_time`).
    pub fn session(s: &SessionRow, now: i64) -> Self {
        Self {
            user_id: s.user_id.clone(),
            amr: super::session::amr(s),
            started_at: now,
            session_id: Some(s.id.clone()),
        }
    }
}

/// What to ask of a user known so far: one of their factors the tenant
/// accepts, or — when one is `must` and they have none — an authenticator
/// app to set up now. `None`: nothing to ask (no factor, none required, or
/// none the tenant lets them set up).
pub async fn ask(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    resume: &Resume,
    so_far: SoFar,
    must: bool,
) -> Result<Option<Step>, StoreError> {
    let policy = snapshot.mfa.clone();
    let (tenant, user) = (snapshot.id.clone(), so_far.user_id.clone());
    let confirmed = deps
        .store
        .run(move |c| factors::confirmed(c, &tenant, &user))
        .await?;
    let usable: Vec<(String, String)> = factors::sign_in_order(confirmed)
        .into_iter()
        .filter(|(kind, _)| policy.allows(kind))
        .collect();
    let pending = |factors, enrolling| PendingSignIn {
        user_id: so_far.user_id.clone(),
        factors,
        amr: so_far.amr.clone(),
        started_at: so_far.started_at,
        session_id: so_far.session_id.clone(),
        enrolling,
    };
    if let Some((kind, _)) = usable.first() {
        let (kind, pending) = (kind.clone(), pending(usable.clone(), false));
        return Ok(Some(
            enter(deps, snapshot, resume.clone(), pending, kind).await?,
        ));
    }
    if !must || !policy.allows(factors::TOTP) {
        return Ok(None);
    }
    let Some(setup) = begin(deps, snapshot, &so_far.user_id).await? else {
        return Ok(None);
    };
    let factors = vec![(factors::TOTP.to_owned(), setup.factor_id.clone())];
    Ok(Some(Step::SecondFactor {
        request: resume.clone(),
        kind: factors::TOTP.to_owned(),
        pending: pending(factors, true),
        enrolment: Some(Box::new(setup)),
        sent_to: None,
        error: None,
    }))
}

/// The form that asks for a factor of `kind` (the first one, or the one the
/// user switched to); a code by mail is sent now, and "Send another code"
/// comes here again.
pub async fn enter(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    resume: Resume,
    pending: PendingSignIn,
    kind: String,
) -> Result<Step, StoreError> {
    let sent = match pending.factor(&kind) {
        Some(id) if factors::is_sent(&kind) => {
            Some(super::code_delivery::send(deps, snapshot, &pending.user_id, id).await?)
        }
        _ => None,
    };
    Ok(Step::SecondFactor {
        request: resume,
        pending,
        kind,
        enrolment: None,
        sent_to: sent.as_ref().and_then(super::code_delivery::Sent::to),
        error: sent.as_ref().and_then(super::code_delivery::Sent::error),
    })
}

/// A new authenticator app for the user, to set up in the sign-in.
async fn begin(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    user_id: &str,
) -> Result<Option<Setup>, StoreError> {
    let (tenant, user_id) = (snapshot.id.clone(), user_id.to_owned());
    let (master, label, now) = (
        deps.master_key.clone(),
        snapshot.page_brand().name,
        deps.clock.db_now(),
    );
    deps.store
        .run(move |c| {
            let Some(user) = store::users::get(c, &tenant, &user_id)? else {
                return Ok(None);
            };
            Ok(account::begin_totp(
                c, &master, &tenant, &user, &label, now,
            )?)
        })
        .await
}

/// What a code posted on the second-factor form did.
pub enum Checked {
    /// Right: the sign-in so far, with `otp` and `mfa` added (RFC 8176 §2).
    Passed(PendingSignIn),
    /// The form again, saying why.
    Again(Step),
}

/// Checks `code` against the factor of `kind` the pending sign-in may use.
pub async fn check(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    resume: Resume,
    mut pending: PendingSignIn,
    kind: String,
    code: String,
) -> Result<Checked, StoreError> {
    let Some(factor_id) = pending.factor(&kind).map(str::to_owned) else {
        return Ok(Checked::Again(Step::Login {
            request: resume,
            error: Some("login-error-again"),
        }));
    };
    let (tenant, master) = (snapshot.id.clone(), deps.master_key.clone());
    let (user_id, id) = (pending.user_id.clone(), factor_id.clone());
    let unix = u64::try_from(deps.clock.now().timestamp()).unwrap_or(0);
    let now = deps.clock.db_now();
    let verdict = deps
        .store
        .run(move |c| {
            let attempt = Attempt {
                code: &code,
                unix_secs: unix,
                now,
            };
            factors::verify(c, &master, &tenant, &user_id, &id, attempt).map_err(StoreError::from)
        })
        .await?;
    let error = match verdict {
        Verdict::Accepted => {
            // RFC 8176 §2: a text message is `sms`; an app's, a mailed or a
            // recovery code is a one-time password, `otp`.
            let method = if kind == factors::SMS { "sms" } else { "otp" };
            pending.amr = super::session::merged_amr(&pending.amr, &[method, "mfa"]);
            return Ok(Checked::Passed(pending));
        }
        Verdict::Wrong if pending.enrolling => "totp-error-wrong",
        Verdict::Wrong => "mfa-error-wrong",
        Verdict::Locked(_) => "mfa-error-locked",
    };
    let enrolment = if pending.enrolling {
        setup_again(deps, snapshot, &pending.user_id, &factor_id).await?
    } else {
        None
    };
    Ok(Checked::Again(Step::SecondFactor {
        request: resume,
        pending,
        kind,
        enrolment: enrolment.map(Box::new),
        sent_to: None,
        error: Some(error),
    }))
}

/// The set-up of an authenticator app begun in this sign-in, to show again.
async fn setup_again(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    user_id: &str,
    factor_id: &str,
) -> Result<Option<Setup>, StoreError> {
    let (tenant, user_id, factor_id) = (
        snapshot.id.clone(),
        user_id.to_owned(),
        factor_id.to_owned(),
    );
    let (master, label) = (deps.master_key.clone(), snapshot.page_brand().name);
    deps.store
        .run(move |c| {
            let Some(user) = store::users::get(c, &tenant, &user_id)? else {
                return Ok(None);
            };
            Ok(account::unfinished_totp(
                c, &master, &tenant, &user, &label, &factor_id,
            )?)
        })
        .await
}
