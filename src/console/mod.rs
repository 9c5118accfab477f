//! Server-rendered pages (maud). Only the error page exists so far; login and
//! consent come with interactive sign-in.

use actix_web::http::StatusCode;
use maud::{DOCTYPE, Markup, html};

/// A readable error page for people in a browser.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Gatehouse" }
            }
            body {
                main {
                    h1 { (title) }
                    p { (message) }
                    p { small { "HTTP " (status.as_u16()) } }
                }
            }
        }
    }
}

/// Integration notes for a tenant: its endpoints and how to verify tokens.
pub fn tenant_docs(s: &crate::tenancy::TenantSnapshot) -> Markup {
    let m = &s.metadata;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (s.name) " — integration notes" }
            }
            body {
                main {
                    h1 { (s.name) }
                    p { "Issuer: " code { (s.issuer) } }
                    h2 { "Endpoints" }
                    dl {
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
                            li { code { (name) } " — " (description) }
                        }
                    }
                }
            }
        }
    }
}
