//! What the sign-in steps take and give: their dependencies, and the page or
//! redirect each step leads to.

use super::account::Setup;
use super::pending::PendingSignIn;
use super::sealed::Resume;
use crate::clock::Clock;
use crate::config::MasterKey;
use crate::i18n::Message;
use crate::identity::password::PasswordHasher;
use crate::oauth::authorize::AuthorizationRequest;
use crate::store::Store;
use crate::store::users::UserRow;

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
    /// Sends one-time codes by mail and by text message (`mfa::codes`).
    pub mailer: &'a crate::mail::Mailer,
    pub sms: &'a dyn crate::sms::SmsSender,
    /// The language of the page, and so of any mail it sends.
    pub locale: crate::i18n::Locale,
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
        /// The authenticator app being set up in this sign-in (the tenant
        /// requires a second factor and the user had none).
        enrolment: Option<Box<Setup>>,
        /// Where a code was just mailed (masked), for the page to say.
        sent_to: Option<String>,
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

/// What the login form leads to: the next step, and the new session's
/// cookie value when the credentials were right.
pub struct LoggedIn {
    pub step: Step,
    pub cookie_value: Option<String>,
}
