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
