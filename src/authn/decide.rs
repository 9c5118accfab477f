//! What an authorization request needs next (OIDC Core §3.1.2.3–§3.1.2.4).

use crate::oauth::Client;
use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::{OAuthError, OAuthErrorCode};
use chrono::NaiveDateTime;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Login,
    Consent,
    /// Issue a code for these (granted) scopes.
    Issue(BTreeSet<String>),
    /// The signed-in user must present a second factor first (step-up).
    SecondFactor,
    /// Redirect this error to the client (prompt=none could not be honoured).
    Error(OAuthError),
}

/// The current sign-in, as far as the decision cares.
#[derive(Debug, Clone, Copy)]
pub struct SignIn {
    pub auth_time: NaiveDateTime,
    /// The tenant's policy or the request's `acr_values` want a second
    /// factor this sign-in has not used.
    pub needs_second_factor: bool,
}

pub fn decide(
    request: &AuthorizationRequest,
    client: &Client,
    sign_in: Option<SignIn>,
    remembered: Option<&BTreeSet<String>>,
    now: NaiveDateTime,
) -> Next {
    let too_old = |s: &SignIn| {
        request
            .max_age
            .is_some_and(|max| (now - s.auth_time).num_seconds() > max)
    };
    let needs_login = match &sign_in {
        None => true,
        Some(s) => request.prompt.login || too_old(s),
    };
    if needs_login {
        return if request.prompt.none {
            Next::Error(OAuthError::new(
                OAuthErrorCode::LoginRequired,
                "the user is not signed in",
            ))
        } else {
            Next::Login
        };
    }
    if sign_in.is_some_and(|s| s.needs_second_factor) {
        return if request.prompt.none {
            Next::Error(OAuthError::new(
                OAuthErrorCode::InteractionRequired,
                "the user must present a second factor",
            ))
        } else {
            Next::SecondFactor
        };
    }
    if client.first_party {
        return Next::Issue(request.scopes.clone());
    }
    let covered = remembered.is_some_and(|r| {
        request
            .scopes
            .iter()
            .all(|s| r.contains(s) || s == "openid")
    });
    if covered && !request.prompt.consent {
        return Next::Issue(request.scopes.clone());
    }
    if request.prompt.none {
        return Next::Error(OAuthError::new(
            OAuthErrorCode::ConsentRequired,
            "the user has not granted these scopes",
        ));
    }
    Next::Consent
}

/// The scopes a user granted on the consent page: those ticked among the
/// requested, plus `openid`, which is the sign-in itself rather than a grant.
pub fn granted(request: &AuthorizationRequest, ticked: &BTreeSet<String>) -> BTreeSet<String> {
    request
        .scopes
        .iter()
        .filter(|s| ticked.contains(*s) || *s == "openid")
        .cloned()
        .collect()
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
