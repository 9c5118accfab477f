//! The sign-in pages: login, consent, sign-out confirmation, signed out.

use super::components::{Alert, actions, alert, field, submit};
use super::layout;
use crate::branding::PageBrand;
use crate::i18n::Text;
use crate::oauth::ClientLinks;
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

/// `to` says what the sign-in continues to; `error` is a catalogue key
/// (`login-error-…`).
pub fn login(
    t: &Text,
    brand: &PageBrand,
    to: &str,
    f: &FormState<'_>,
    login_hint: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        t,
        brand,
        &t.get("login-title"),
        html! {
            h1 { (t.with("login-heading", &[("tenant", brand.name.as_str())])) }
            p { (to) }
            @if let Some(e) = error { (alert(Alert::Error, Some("login-error"), &t.get(e))) }
            form method="post" action=(f.action) {
                (hidden(f))
                // After wrong credentials both fields are marked and name the
                // announced error (WCAG 3.3.1).
                @let invalid = error.map(|_| "true");
                @let described = error.map(|_| "login-error");
                (field("username", &t.get("login-username"), html! {
                    input #username type="text" name="username" autocomplete="username" required
                        value=(login_hint.unwrap_or_default()) autofocus
                        aria-invalid=[invalid] aria-describedby=[described];
                }, None, None))
                (field("password", &t.get("login-password"), html! {
                    input #password type="password" name="password" autocomplete="current-password" required
                        aria-invalid=[invalid] aria-describedby=[described];
                }, None, None))
                (actions(submit(&t.get("login-submit"), true, None)))
            }
        },
    )
}

/// One requested scope: name, description, and whether the user may untick it.
pub struct ScopeItem<'a> {
    pub name: &'a str,
    pub description: String,
    pub required: bool,
}

/// The app asking: its name and what it tells about itself.
pub struct App<'a> {
    pub name: &'a str,
    pub links: &'a ClientLinks,
}

pub fn consent(
    t: &Text,
    brand: &PageBrand,
    app: &App<'_>,
    user: &str,
    f: &FormState<'_>,
    scopes: &[ScopeItem<'_>],
) -> Markup {
    let (required, optional): (Vec<&ScopeItem<'_>>, Vec<&ScopeItem<'_>>) =
        scopes.iter().partition(|s| s.required);
    let heading = t.with(
        "consent-heading",
        &[("client", app.name), ("tenant", brand.name.as_str())],
    );
    layout(
        t,
        brand,
        &t.get("consent-title"),
        html! {
            div.app {
                // Its name is in the heading beside it.
                @if let Some(logo) = &app.links.logo_uri { img.app-logo #app-logo src=(logo) alt=""; }
                h1 { (heading) }
            }
            (app_links(t, app))
            form method="post" action=(f.action) {
                (hidden(f))
                p { (t.get("consent-signed-in-as")) " " strong #signed-in-user { (user) } "." }
                p {
                    // OpenID Connect Core §3.1.2.3: the End-User is the one who
                    // decides; another person at this browser switches account.
                    button.link #switch-account type="submit" name="decision" value="switch" {
                        (t.get("consent-switch"))
                    }
                }
                @if !required.is_empty() {
                    h2 { (t.get("consent-required")) }
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
                        legend { h2 { (t.get("consent-optional")) } }
                        p.muted { (t.get("consent-untick")) }
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
                    (submit(&t.get("consent-allow"), true, Some(("decision", "allow"))))
                    (submit(&t.get("consent-deny"), false, Some(("decision", "deny"))))
                }))
            }
        },
    )
}

/// Where the app says more about itself (RFC 7591 §2 `client_uri`,
/// `policy_uri`, `tos_uri`), opened beside the consent page.
fn app_links(t: &Text, app: &App<'_>) -> Markup {
    let l = app.links;
    let links = [
        (
            &l.client_uri,
            t.with("consent-client-site", &[("client", app.name)]),
        ),
        (&l.policy_uri, t.get("consent-client-policy")),
        (&l.tos_uri, t.get("consent-client-terms")),
    ];
    html! {
        @if links.iter().any(|(url, _)| url.is_some()) {
            nav.app-links #app-links aria-label=(t.get("consent-client-links")) {
                ul {
                    @for (url, label) in &links {
                        @if let Some(url) = url {
                            li { a href=(url) target="_blank" rel="noopener noreferrer" { (label) } }
                        }
                    }
                }
            }
        }
    }
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

pub fn confirm_logout(
    t: &Text,
    brand: &PageBrand,
    action: &str,
    csrf: &str,
    carried: &[(&str, &str)],
) -> Markup {
    layout(
        t,
        brand,
        &t.get("logout-title"),
        html! {
            h1 { (t.with("logout-heading", &[("tenant", brand.name.as_str())])) }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                @for (k, v) in carried { input type="hidden" name=(k) value=(v); }
                (actions(submit(&t.get("logout-submit"), true, None)))
            }
        },
    )
}

pub fn logged_out(t: &Text, brand: &PageBrand) -> Markup {
    layout(
        t,
        brand,
        &t.get("logged-out-title"),
        html! {
            h1 { (t.get("logged-out-heading")) }
            p { (t.with("logged-out-text", &[("tenant", brand.name.as_str())])) }
        },
    )
}

/// The consent page's list: each requested scope with what it means (the
/// built-in wording, or the tenant's description), `openid` required.
/// A tenant's description may be given per language (`i18n::Localized`):
/// the page's, else the tenant's `default`, else English.
pub fn scope_items<'a>(
    t: &Text,
    default: crate::i18n::Locale,
    requested: impl IntoIterator<Item = &'a String>,
    tenant_scopes: &'a [(String, String)],
) -> Vec<ScopeItem<'a>> {
    requested
        .into_iter()
        .map(|name| ScopeItem {
            name,
            description: standard_description(t, name)
                .or_else(|| {
                    tenant_scopes.iter().find(|(n, _)| n == name).map(|(_, d)| {
                        crate::i18n::Localized::from_stored(d)
                            .get(t.locale, default)
                            .to_owned()
                    })
                })
                .unwrap_or_else(|| name.clone()),
            required: name == "openid",
        })
        .collect()
}

/// What the OpenID Connect scopes (and `account`) mean, in the page's language.
pub fn standard_description(t: &Text, scope: &str) -> Option<String> {
    matches!(
        scope,
        "openid" | "profile" | "email" | "offline_access" | "account"
    )
    .then(|| t.get(&format!("scope-{scope}")))
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
        let items = scope_items(&Text::default(), Default::default(), &requested, &tenant);
        let got: Vec<(&str, &str, bool)> = items
            .iter()
            .map(|i| (i.name, i.description.as_str(), i.required))
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
