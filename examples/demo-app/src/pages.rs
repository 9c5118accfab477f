//! The app's pages (maud). No JavaScript except on the browser-only page.

use crate::bff::Home;
use crate::notes::Note;
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
code,.mono{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}\
.flash{background:#eef6ee;border-left:4px solid #2a7;padding:.5rem 1rem}\
.refused{background:#fbeeee;border-left:4px solid #c33;padding:.5rem 1rem}\
li{margin:.4rem 0}form.inline{display:inline}button{cursor:pointer}";

pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Notes demo" }
                style { (STYLE) }
            }
            body {
                header { a href="/" { "Notes demo" } " · " a href="/spa" { "browser-only (SPA) sign-in" } }
                main { (body) }
            }
        }
    }
}

fn flash(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.flash role="status" { (m) } } }
}

pub fn signed_out(message: Option<&str>) -> Markup {
    layout(
        "Sign in",
        html! {
            h1 { "Notes" }
            (flash(message))
            p { "Sign in with Gatehouse. This app is a backend-for-frontend: the tokens stay on its server; your browser gets only a session cookie." }
            p { a #sign-in href="/login" { "Sign in" } }
        },
    )
}

/// A short fingerprint of a token, to see it change without showing it.
pub fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// `account` is the Gatehouse account page of the tenant (password, second
/// factors).
pub fn home(h: &Home, message: Option<&str>, shared: Option<&str>, account: &str) -> Markup {
    let t = &h.tokens;
    layout(
        "Your notes",
        html! {
            h1 { "Hello, " span #user-name { (t.name) } }
            (flash(message))
            @if let Some(link) = shared {
                p.flash { "Read-only link to one note, for ten minutes (or less, if your token ends sooner): " br; a #shared-link href=(link) { "open the shared note" } }
            }
            h2 { "Your token" }
            ul {
                li { "Scopes granted: " span #scopes { (t.scopes.join(" ")) } }
                @match &h.verified {
                    Ok(v) => li { "Rights, verified offline: " span #rights { (v.rights.iter().cloned().collect::<Vec<_>>().join(" ")) } },
                    Err(e) => li.refused { "The notes API refused the token: " (format!("{e:?}")) },
                }
                li { "Access token " span.mono #token-fingerprint { (fingerprint(&t.access_token)) } ", expires " (t.expires_at.format("%H:%M:%S UTC")) ", refreshed " span #refreshes { (t.refreshes) } " times" }
            }
            form.inline method="post" action="/refresh" { button #refresh type="submit" { "Refresh tokens now" } }
            " "
            form.inline method="post" action="/logout" { button #sign-out type="submit" { "Sign out" } }
            p { a #account href=(account) { "Your account at Gatehouse" } " — two-step sign-in, recovery codes" }
            h2 { "Notes" }
            ul #notes {
                @for n in &h.notes {
                    li data-note=(n.id) {
                        strong { (n.title) } " — " (n.body) " "
                        form.inline method="post" action={ "/notes/" (n.id) "/share" } {
                            button.share type="submit" { "Share read-only" }
                        }
                    }
                }
            }
            form method="post" action="/notes" {
                label for="title" { "New note (asks AuthZEN for notes:write) " }
                input #title name="title" type="text";
                " " button #add type="submit" { "Add" }
            }
        },
    )
}

pub fn shared_note(note: &Note, other: Option<&str>) -> Markup {
    layout(
        "Shared note",
        html! {
            h1 { "A note shared with you" }
            article #shared { h2 { (note.title) } p { (note.body) } }
            p { "The link's token was narrowed offline to this note, read only, for ten minutes." }
            @if let Some(href) = other {
                p { a #try-other href=(href) { "Try the same token on another note" } }
            }
        },
    )
}

pub fn refused(title: &str, why: &str) -> Markup {
    layout(
        title,
        html! { h1 { (title) } p.refused #refused { (why) } p { a href="/" { "Home" } } },
    )
}

pub fn spa(issuer: &str, client_id: &str, redirect_uri: &str) -> Markup {
    layout(
        "Browser-only sign-in",
        html! {
            h1 { "The same sign-in, from the browser" }
            p { "Here the page itself runs the code flow with PKCE as the public client "
                code { (client_id) } ": it calls Gatehouse's token endpoint with fetch (CORS) and keeps the tokens in the page. Compare with the backend-for-frontend on the home page, where no token reaches the browser." }
            div #spa data-issuer=(issuer) data-client-id=(client_id) data-redirect-uri=(redirect_uri) {
                button #spa-sign-in type="button" { "Sign in in the browser" }
                pre #spa-result {}
            }
            script src="/spa.js" {}
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_are_short_and_stable() {
        assert_eq!(super::fingerprint("abc"), "ba7816bf8f01");
    }
}
