//! Server-rendered pages (maud). They work without JavaScript and label every
//! field; the HTTP layer adds the security headers (`http::pages`).

pub mod assets;
pub mod components;
pub mod contrast;
pub mod signin;
pub mod steps;

use crate::i18n::Text;
use actix_web::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

/// The frame every page shares: the one stylesheet, a narrow column, the
/// page's content on a card, `<html lang>` of the page's language.
pub fn layout(t: &Text, title: &str, body: Markup) -> Markup {
    shell(t, title, "page", body)
}

/// [`layout`] with room for tables (the consoles, the integration notes).
pub fn wide_layout(t: &Text, title: &str, body: Markup) -> Markup {
    shell(t, title, "page wide", body)
}

fn shell(t: &Text, title: &str, class: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Gatehouse" }
                link rel="stylesheet" href=(assets::stylesheet_href());
            }
            body { div class=(class) { main.card { (body) } } }
        }
    }
}

/// A readable error page for people in a browser.
pub fn error_page(t: &Text, status: StatusCode, title: &str, message: &str) -> Markup {
    layout(
        t,
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { small { (t.with("error-status", &[("status", status.as_str())])) } }
        },
    )
}

/// Integration notes for a tenant: its endpoints and how to verify tokens.
pub fn tenant_docs(s: &crate::tenancy::TenantSnapshot) -> Markup {
    let m = s.metadata();
    wide_layout(
        &Text::default(),
        &format!("{} — integration notes", s.name),
        html! {
            h1 { (s.name) }
            p { "Issuer: " code { (s.issuer) } }
            h2 { "Endpoints" }
            dl.endpoints {
                dt { "Discovery" } dd { code { (s.issuer) "/.well-known/openid-configuration" } }
                dt { "Token" } dd { code { (m.token_endpoint) } }
                dt { "Introspection (RFC 7662)" } dd { code { (m.introspection_endpoint) } }
                dt { "Revocation (RFC 7009)" } dd { code { (m.revocation_endpoint) } }
                dt { "JWKS" } dd { code { (m.jwks_uri) } }
                dt { "Biscuit root keys" } dd { code { (m.biscuit_public_keys_uri) } }
            }
            h2 { "Access tokens" }
            p {
                "Access tokens are Biscuits signed by the key with the token's root key id. "
                "Resource servers verify them offline with the keys above, or ask the "
                "introspection endpoint. Holders may append blocks that narrow a token."
            }
            h2 { "Scopes" }
            ul {
                @for (name, description) in &s.scopes {
                    li {
                        code { (name) } " — "
                        (crate::i18n::Localized::from_stored(description).get(s.default_locale, s.default_locale))
                    }
                }
            }
        },
    )
}
