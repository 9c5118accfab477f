//! The account page's sections about who can act as the user: the live
//! sessions, the apps allowed, the password.

use super::components::{actions, field, submit};
use crate::i18n::Text;
use maud::{Markup, html};

/// A session as the page lists it.
pub struct SessionItem {
    pub started: String,
    /// How the user signed in, in words (`account-session-mfa`, …): a key.
    pub how_key: &'static str,
    pub current: bool,
}

/// An app the user allowed.
pub struct AppItem {
    pub client_id: String,
    pub name: String,
    /// What it may do, in words.
    pub scopes: Vec<String>,
    pub since: String,
}

pub fn sessions(t: &Text, items: &[SessionItem], csrf: &str, base: &str) -> Markup {
    let others = items.iter().filter(|s| !s.current).count();
    html! {
        h2 { (t.get("account-sessions")) }
        ul.factor-list #sessions {
            @for s in items {
                li {
                    span.factor-text {
                        strong { (t.with("account-session-started", &[("date", s.started.as_str())])) }
                        span.muted { (t.get(s.how_key)) }
                    }
                    @if s.current { span.muted { (t.get("account-session-this")) } }
                }
            }
        }
        @if others > 0 {
            form method="post" action=(format!("{base}/sessions/others")) {
                input type="hidden" name="csrf" value=(csrf);
                (actions(submit(&t.get("account-sessions-end-others"), false, None)))
            }
        }
    }
}

pub fn apps(t: &Text, items: &[AppItem], csrf: &str, base: &str) -> Markup {
    html! {
        h2 { (t.get("account-apps")) }
        @if items.is_empty() {
            p #apps-none { (t.get("account-apps-none")) }
        } @else {
            ul.factor-list #apps {
                @for a in items {
                    li {
                        span.factor-text {
                            strong { (a.name) }
                            span.muted { (a.scopes.join(", ")) }
                            span.muted { (t.with("account-app-since", &[("date", a.since.as_str())])) }
                        }
                        form method="post" action=(format!("{base}/apps/withdraw")) {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="client" value=(a.client_id);
                            (submit(&t.get("account-app-withdraw"), false, None))
                        }
                    }
                }
            }
        }
    }
}

/// The password form; `error` is a catalogue key and its message.
pub fn password(t: &Text, csrf: &str, base: &str, error: Option<&str>) -> Markup {
    let invalid = error.map(|_| "true");
    let described = error.map(|_| "password-error");
    html! {
        h2 #password-heading { (t.get("account-password")) }
        @if let Some(e) = error { p.alert.error #password-error role="alert" { (e) } }
        form method="post" action=(format!("{base}/password")) {
            input type="hidden" name="csrf" value=(csrf);
            (field("current-password", &t.get("account-password-current"), html! {
                input #current-password type="password" name="current" autocomplete="current-password" required
                    aria-invalid=[invalid] aria-describedby=[described];
            }, None, None))
            (field("new-password", &t.get("account-password-new"), html! {
                input #new-password type="password" name="new" autocomplete="new-password" required
                    aria-invalid=[invalid] aria-describedby=[described];
            }, None, None))
            (actions(submit(&t.get("account-password-submit"), false, None)))
        }
    }
}
