//! The sign-in pages: login, consent, sign-out confirmation, signed out.

use super::components::{Alert, actions, alert, field, submit};
use super::layout;
use maud::{Markup, html};

/// What the login and consent forms carry between requests.
pub struct FormState<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
}

fn hidden(f: &FormState<'_>) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(f.csrf);
        input type="hidden" name="request" value=(f.request);
    }
}

pub fn login(
    tenant: &str,
    client: &str,
    f: &FormState<'_>,
    login_hint: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        "Sign in",
        html! {
            h1 { "Sign in to " (tenant) }
            p { "to continue to " strong { (client) } }
            @if let Some(e) = error { (alert(Alert::Error, Some("login-error"), e)) }
            form method="post" action=(f.action) {
                (hidden(f))
                // After wrong credentials both fields are marked and name the
                // announced error (WCAG 3.3.1).
                @let invalid = error.map(|_| "true");
                @let described = error.map(|_| "login-error");
                (field("username", "Username or email", html! {
                    input #username type="text" name="username" autocomplete="username" required
                        value=(login_hint.unwrap_or_default()) autofocus
                        aria-invalid=[invalid] aria-describedby=[described];
                }, None, None))
                (field("password", "Password", html! {
                    input #password type="password" name="password" autocomplete="current-password" required
                        aria-invalid=[invalid] aria-describedby=[described];
                }, None, None))
                (actions(submit("Sign in", true, None)))
            }
        },
    )
}

/// One requested scope: name, description, and whether the user may untick it.
pub struct ScopeItem<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub required: bool,
}

pub fn consent(
    tenant: &str,
    client: &str,
    user: &str,
    f: &FormState<'_>,
    scopes: &[ScopeItem<'_>],
) -> Markup {
    let (required, optional): (Vec<&ScopeItem<'_>>, Vec<&ScopeItem<'_>>) =
        scopes.iter().partition(|s| s.required);
    layout(
        "Allow access",
        html! {
            h1 { (client) " wants to access your " (tenant) " account" }
            form method="post" action=(f.action) {
                (hidden(f))
                p { "Signed in as " strong #signed-in-user { (user) } "." }
                p {
                    // OpenID Connect Core §3.1.2.3: the End-User is the one who
                    // decides; another person at this browser switches account.
                    button.link #switch-account type="submit" name="decision" value="switch" {
                        "Not you? Use another account"
                    }
                }
                @if !required.is_empty() {
                    h2 { "Always shared" }
                    ul.scope-list #scopes-required {
                        @for s in &required {
                            li {
                                input type="hidden" name="scope" value=(s.name);
                                (scope_text(s))
                            }
                        }
                    }
                }
                @if !optional.is_empty() {
                    fieldset {
                        legend { h2 { "You choose" } }
                        p.muted { "Untick anything you do not want to share." }
                        ul.scope-list #scopes-optional {
                            @for s in &optional {
                                @let id = format!("scope-{}", s.name);
                                li {
                                    input id=(id) type="checkbox" name="scope" value=(s.name) checked;
                                    label for=(id) { (scope_text(s)) }
                                }
                            }
                        }
                    }
                }
                (actions(html! {
                    (submit("Allow", true, Some(("decision", "allow"))))
                    (submit("Deny", false, Some(("decision", "deny"))))
                }))
            }
        },
    )
}

/// A scope as the person reads it: what it means first, its name small.
fn scope_text(s: &ScopeItem<'_>) -> Markup {
    html! {
        span.scope-text {
            span.scope-description { (s.description) }
            span.scope-name { code { (s.name) } }
        }
    }
}

pub fn confirm_logout(tenant: &str, action: &str, csrf: &str, carried: &[(&str, &str)]) -> Markup {
    layout(
        "Sign out",
        html! {
            h1 { "Sign out of " (tenant) "?" }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                @for (k, v) in carried { input type="hidden" name=(k) value=(v); }
                (actions(submit("Sign out", true, None)))
            }
        },
    )
}

pub fn logged_out(tenant: &str) -> Markup {
    layout(
        "Signed out",
        html! {
            h1 { "You are signed out" }
            p { "You have signed out of " (tenant) ". You can close this window." }
        },
    )
}

/// The consent page's list: each requested scope with what it means (the
/// built-in wording, or the tenant's description), `openid` required.
pub fn scope_items<'a>(
    requested: impl IntoIterator<Item = &'a String>,
    tenant_scopes: &'a [(String, String)],
) -> Vec<ScopeItem<'a>> {
    requested
        .into_iter()
        .map(|name| ScopeItem {
            name,
            description: standard_description(name)
                .or_else(|| {
                    tenant_scopes
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, d)| d.as_str())
                })
                .unwrap_or(name),
            required: name == "openid",
        })
        .collect()
}

/// Human descriptions of the OpenID Connect scopes.
pub fn standard_description(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Sign you in",
        "profile" => "Your name and username",
        "email" => "Your email address",
        "offline_access" => "Stay connected when you are not using it",
        "account" => "Change your name and email address",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_items_explain_each_scope_and_require_only_openid() {
        let requested: Vec<String> = ["openid", "notes:read", "unknown"]
            .map(str::to_owned)
            .into();
        let tenant = vec![("notes:read".to_owned(), "Read your notes".to_owned())];
        let items = scope_items(&requested, &tenant);
        let got: Vec<(&str, &str, bool)> = items
            .iter()
            .map(|i| (i.name, i.description, i.required))
            .collect();
        assert_eq!(
            got,
            [
                ("openid", "Sign you in", true),
                ("notes:read", "Read your notes", false),
                ("unknown", "unknown", false),
            ]
        );
    }
}
