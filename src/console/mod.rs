//! Server-rendered pages (maud). They work without JavaScript and label every
//! field; the HTTP layer adds the security headers (`http::pages`).

pub mod account;
pub mod account_sections;
pub mod assets;
pub mod components;
pub mod qr;
pub mod signin;
pub mod steps;

use crate::branding::PageBrand;
use crate::i18n::Text;
use actix_web::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

/// The frame every page shares: the one stylesheet and the tenant's own
/// (its colour, `branding::theme`), its favicon, a header with its logo and
/// name, the page's content on a card, a footer with the tenant's links,
/// `<html lang>` of the page's language.
pub fn layout(t: &Text, brand: &PageBrand, title: &str, body: Markup) -> Markup {
    shell(t, brand, title, "page", body)
}

/// [`layout`] with room for tables (the consoles, the integration notes).
pub fn wide_layout(t: &Text, brand: &PageBrand, title: &str, body: Markup) -> Markup {
    shell(t, brand, title, "page wide", body)
}

fn shell(t: &Text, brand: &PageBrand, title: &str, class: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t.locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (brand.name) }
                link rel="stylesheet" href=(assets::stylesheet_href());
                @if let Some(theme) = &brand.theme { link rel="stylesheet" href=(theme); }
                @if let Some((href, kind)) = &brand.favicon { link rel="icon" type=(kind) href=(href); }
            }
            body {
                div class=(class) {
                    header.brand {
                        // The name beside it says what the logo would.
                        @if let Some(logo) = &brand.logo { img.brand-logo src=(logo) alt=""; }
                        span.brand-name { (brand.name) }
                    }
                    main.card { (body) }
                    (footer(t, brand))
                }
            }
        }
    }
}

/// The tenant's support, terms and privacy links, when it has any.
fn footer(t: &Text, brand: &PageBrand) -> Markup {
    let links = [
        (&brand.support_url, "footer-support"),
        (&brand.terms_url, "footer-terms"),
        (&brand.privacy_url, "footer-privacy"),
    ];
    html! {
        @if links.iter().any(|(url, _)| url.is_some()) {
            footer.brand-links {
                nav aria-label=(t.with("footer-links", &[("tenant", brand.name.as_str())])) {
                    ul {
                        @for (url, key) in links {
                            @if let Some(url) = url { li { a href=(url) { (t.get(key)) } } }
                        }
                    }
                }
            }
        }
    }
}

/// A readable error page for people in a browser, in the tenant's look
/// when it belongs to one.
pub fn error_page(
    t: &Text,
    brand: &PageBrand,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Markup {
    layout(
        t,
        brand,
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
        &s.page_brand(),
        "Integration notes",
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
