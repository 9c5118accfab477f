//! Per-tenant branding (docs/branding.md): each tenant's pages show its own
//! name, logo, colour, favicon and links, and no other tenant's; the files
//! are served from the tenant's own path by content hash; a changed file
//! changes the look; the consent page shows the client's logo and links.

use crate::helpers::{TestApp, location_of, spawn_app_with};
use crate::signin::{authorize_path, browser, field, log_in, yaml};
use crate::tenants_apply::{apply, changes};
use gatehouse::store;

const ACME_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><script>alert(1)</script><circle cx="12" cy="12" r="10" fill="#7a1f5c"/></svg>"##;
/// A 1×1 PNG.
const GLOBEX_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0xf8,
    0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const ACME_BRANDING: &str = "branding:
  display_name: ACME Cloud
  logo: acme/logo.svg
  favicon: acme/logo.svg
  primary_color: \"#7a1f5c\"
  support_url: mailto:help@acme.example
  terms_url: https://acme.example/terms
  privacy_url: https://acme.example/privacy
";

/// `yaml(slug)` with `branding` (a `branding:` block) after its name.
fn branded(slug: &str, branding: &str) -> String {
    yaml(slug).replacen("name: Acme\n", &format!("name: Acme\n{branding}"), 1)
}

/// acme (branded, its logo an SVG) and globex (a PNG logo, another colour).
async fn two_tenants() -> TestApp {
    spawn_app_with(
        |c| {
            let dir = &c.tenants.dir;
            std::fs::create_dir_all(dir.join("acme")).unwrap();
            std::fs::write(dir.join("acme/logo.svg"), ACME_SVG).unwrap();
            std::fs::write(dir.join("globex.png"), GLOBEX_PNG).unwrap();
            let globex = yaml("globex")
                .replacen("name: Acme\n", "name: Globex Corporation\nbranding:\n  logo: globex.png\n  primary_color: \"#14532d\"\n", 1);
            std::fs::write(dir.join("globex.yaml"), globex).unwrap();
        },
        Some(&branded("acme", ACME_BRANDING)),
    )
    .await
}

async fn login_page(app: &TestApp, slug: &str) -> String {
    let res = browser()
        .get(app.url(&authorize_path(slug, "web", "openid", "")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The value of the first `attr="..."` after `marker` in `html`.
fn attr_after(html: &str, marker: &str, attr: &str) -> String {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

fn theme_of(html: &str) -> String {
    let at = html
        .find("/branding/theme-")
        .unwrap_or_else(|| panic!("a theme in {html}"));
    let start = html[..at].rfind('"').unwrap() + 1;
    html[start..at + html[at..].find('"').unwrap()].to_owned()
}

#[actix_web::test]
async fn each_tenants_pages_show_its_own_name_logo_colour_and_links() {
    let app = two_tenants().await;
    let acme = login_page(&app, "acme").await;
    assert!(
        acme.contains("<title>Sign in — ACME Cloud</title>"),
        "{acme}"
    );
    assert!(acme.contains("<h1>Sign in to ACME Cloud</h1>"), "{acme}");
    assert!(
        acme.contains(r#"<span class="brand-name">ACME Cloud</span>"#),
        "{acme}"
    );
    let logo = attr_after(&acme, r#"<img class="brand-logo""#, "src");
    assert!(
        logo.starts_with("/t/acme/branding/logo-") && logo.ends_with(".svg") && logo.len() == 42,
        "{logo}"
    );
    assert!(
        acme.contains(&format!(r#"<img class="brand-logo" src="{logo}" alt="">"#)),
        "{acme}"
    );
    let favicon = logo.replace("/logo-", "/favicon-");
    assert!(
        acme.contains(&format!(
            r#"<link rel="icon" type="image/svg+xml" href="{favicon}">"#
        )),
        "{acme}"
    );
    assert!(
        acme.contains(concat!(
            r#"<nav aria-label="ACME Cloud links"><ul>"#,
            r#"<li><a href="mailto:help@acme.example">Help</a></li>"#,
            r#"<li><a href="https://acme.example/terms">Terms</a></li>"#,
            r#"<li><a href="https://acme.example/privacy">Privacy</a></li></ul></nav>"#
        )),
        "{acme}"
    );
    let acme_theme = theme_of(&acme);
    assert!(
        acme_theme.starts_with("/t/acme/branding/theme-"),
        "{acme_theme}"
    );

    let globex = login_page(&app, "globex").await;
    assert!(
        globex.contains("<h1>Sign in to Globex Corporation</h1>"),
        "{globex}"
    );
    let globex_logo = attr_after(&globex, r#"<img class="brand-logo""#, "src");
    assert!(globex_logo.starts_with("/t/globex/branding/logo-") && globex_logo.ends_with(".png"));
    for other in ["ACME", "/t/acme/", "acme.example", "rel=\"icon\""] {
        assert!(
            !globex.contains(other),
            "globex's page shows {other}: {globex}"
        );
    }
    let globex_theme = theme_of(&globex);
    assert_ne!(globex_theme, acme_theme.replace("/acme/", "/globex/"));

    // Each theme carries its tenant's colour, nobody else's.
    let b = browser();
    let css = b.get(app.url(&acme_theme)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let css = css.text().await.unwrap();
    assert!(
        css.starts_with(":root { --action: #7a1f5c; --on-action: #ffffff; }"),
        "{css}"
    );
    let css = b
        .get(app.url(&globex_theme))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("--action: #14532d;") && !css.contains("#7a1f5c"),
        "{css}"
    );

    // A tenant's files are served from its own path only.
    let cross = b
        .get(app.url(&logo.replace("/t/acme/", "/t/globex/")))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 404);
    let cross = b
        .get(app.url(&acme_theme.replace("/t/acme/", "/t/globex/")))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 404);

    // globex's other pages show nothing of acme either.
    for path in [
        "/t/globex/logout".to_owned(),
        authorize_path("globex", "nobody", "openid", ""),
        "/t/globex/docs".to_owned(),
    ] {
        let html = b
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"<span class="brand-name">Globex Corporation</span>"#),
            "{path}: {html}"
        );
        for other in ["ACME", "/t/acme/", "acme.example"] {
            assert!(!html.contains(other), "{path} shows {other}: {html}");
        }
    }

    // An error page of the tenant is in its look too.
    let res = b
        .get(app.url(&authorize_path("acme", "nobody", "openid", "")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<span class="brand-name">ACME Cloud</span>"#),
        "{html}"
    );
    assert_eq!(theme_of(&html), acme_theme);
}

#[actix_web::test]
async fn a_logo_is_served_as_an_image_only_with_its_type() {
    let app = two_tenants().await;
    let b = browser();
    let acme = login_page(&app, "acme").await;
    let logo = attr_after(&acme, r#"<img class="brand-logo""#, "src");
    let res = b.get(app.url(&logo)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    // Opened on its own, the SVG's script does not run.
    assert_eq!(
        res.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
    );
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.bytes().await.unwrap(), ACME_SVG.as_bytes());

    let globex = login_page(&app, "globex").await;
    let png = attr_after(&globex, r#"<img class="brand-logo""#, "src");
    let res = b.get(app.url(&png)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap(), GLOBEX_PNG);

    // Another name is not a file: not another hash, not another type.
    for wrong in [
        "/t/acme/branding/logo-0000000000000000.svg".to_owned(),
        logo.replace(".svg", ".png"),
        "/t/acme/branding/acme/logo.svg".to_owned(),
        "/t/acme/branding/theme-0000000000000000.css".to_owned(),
    ] {
        let res = b.get(app.url(&wrong)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{wrong}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let post = b.post(app.url(&logo)).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

fn stored_images(app: &TestApp, slug: &str) -> Vec<String> {
    let slug = slug.to_owned();
    app.state
        .store
        .with_conn(|c| {
            use diesel::prelude::*;
            let t = store::tenants::find_by_slug(c, &slug)?.unwrap();
            Ok::<_, store::StoreError>(
                store::schema::tenant_images::table
                    .filter(store::schema::tenant_images::tenant_id.eq(t.id))
                    .select(store::schema::tenant_images::content_type)
                    .order(store::schema::tenant_images::content_type)
                    .load::<String>(c)?,
            )
        })
        .unwrap()
}

#[actix_web::test]
async fn a_changed_file_changes_the_look_and_old_names_stop_working() {
    let app = two_tenants().await;
    let before = login_page(&app, "acme").await;
    let (old_logo, old_theme) = (
        attr_after(&before, r#"<img class="brand-logo""#, "src"),
        theme_of(&before),
    );
    assert_eq!(stored_images(&app, "acme"), ["image/svg+xml"]);

    // Same file again: nothing to do.
    let path = app.tenants_dir().join("tenant.yaml");
    assert!(apply(&app, &path).unwrap()[0].is_empty());

    let dir = app.tenants_dir();
    std::fs::write(dir.join("acme/mark.png"), GLOBEX_PNG).unwrap();
    let changed = branded(
        "acme",
        "branding:\n  display_name: ACME\n  logo: acme/mark.png\n  primary_color: \"#0b5394\"\n",
    );
    std::fs::write(&path, changed).unwrap();
    let plans = apply(&app, &path).unwrap();
    let c = changes(&plans);
    assert_eq!(c.len(), 1, "{c:?}");
    assert!(
        c[0].starts_with(r##"~ tenant branding -> {"display_name":"ACME","primary_color":"#0b5394","logo":{"kind":"png","sha256":""##),
        "{c:?}"
    );
    assert_eq!(stored_images(&app, "acme"), ["image/png"]);

    let b = browser();
    let mut after = String::new();
    for _ in 0..100 {
        after = login_page(&app, "acme").await;
        if after.contains("<h1>Sign in to ACME</h1>") {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(after.contains("<h1>Sign in to ACME</h1>"), "{after}");
    assert!(
        !after.contains("rel=\"icon\"") && !after.contains("acme.example"),
        "{after}"
    );
    let new_logo = attr_after(&after, r#"<img class="brand-logo""#, "src");
    assert!(new_logo.ends_with(".png"), "{new_logo}");
    let new_theme = theme_of(&after);
    assert_ne!(new_theme, old_theme);
    for gone in [&old_logo, &old_theme] {
        assert_eq!(
            b.get(app.url(gone)).send().await.unwrap().status(),
            404,
            "{gone}"
        );
    }
    assert_eq!(
        b.get(app.url(&new_logo)).send().await.unwrap().status(),
        200
    );

    // Without branding: the tenant's own name, Gatehouse's colours, no files.
    std::fs::write(&path, yaml("acme")).unwrap();
    apply(&app, &path).unwrap();
    assert!(stored_images(&app, "acme").is_empty());
}

#[actix_web::test]
async fn a_file_with_bad_branding_changes_nothing() {
    let app = two_tenants().await;
    let dir = app.tenants_dir();
    std::fs::write(
        dir.join("big.webp"),
        [b"RIFF\0\0\0\0WEBP".as_slice(), &vec![0u8; 300 * 1024]].concat(),
    )
    .unwrap();
    let path = dir.join("tenant.yaml");
    for (branding, error) in [
        (
            "branding:\n  logo: big.webp\n",
            "tenant.yaml:4: big.webp is larger than the limit of 256 KiB",
        ),
        (
            "branding:\n  primary_color: \"#8ab4f8\"\n",
            "tenant.yaml:4: primary_color \"#8ab4f8\" is too light: white text on it has a contrast of 2.11:1 and it has 1.95:1 on the light page background; WCAG 2.1 AA needs 4.5:1 for both, so choose a darker colour",
        ),
        (
            "branding:\n  logo: ../tenant.yaml\n",
            "tenant.yaml:4: \"../tenant.yaml\": name a file next to the tenant file (a relative path without ..)",
        ),
    ] {
        std::fs::write(&path, branded("acme", branding)).unwrap();
        let err = apply(&app, &path).unwrap_err().to_string();
        assert!(err.ends_with(error), "{err}");
    }
    assert_eq!(stored_images(&app, "acme"), ["image/svg+xml"]);
    let page = login_page(&app, "acme").await;
    assert!(page.contains("<h1>Sign in to ACME Cloud</h1>"), "{page}");
}

const LINKED_CLIENT: &str = "    name: Notes Web
    client_uri: https://notes.example/
    logo_uri: https://cdn.notes.example/brand/logo.png
    policy_uri: https://notes.example/privacy
    tos_uri: https://notes.example/terms
";

/// The consent page of `client` at acme, signed in as alice, and its CSP.
async fn consent_page(app: &TestApp, client: &str) -> (String, String) {
    let b = browser();
    let res = b
        .get(app.url(&authorize_path("acme", client, "openid notes:read", "")))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    let res = log_in(
        &b,
        &app.url("/t/acme/login"),
        &html,
        ("alice", "alice-password-1"),
    )
    .await;
    assert_eq!(res.status(), 200, "{}", location_of(&res));
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = res.text().await.unwrap();
    assert!(!field(&html, "request").is_empty());
    (html, csp)
}

#[actix_web::test]
async fn the_consent_page_shows_the_clients_logo_and_links() {
    let tenant = branded("acme", ACME_BRANDING).replacen("    name: Notes Web\n", LINKED_CLIENT, 1);
    let app = spawn_app_with(
        |c| {
            std::fs::create_dir_all(c.tenants.dir.join("acme")).unwrap();
            std::fs::write(c.tenants.dir.join("acme/logo.svg"), ACME_SVG).unwrap();
        },
        Some(&tenant),
    )
    .await;
    let (html, csp) = consent_page(&app, "web").await;
    assert!(
        html.contains(concat!(
            r#"<div class="app"><img class="app-logo" id="app-logo" src="https://cdn.notes.example/brand/logo.png" alt="">"#,
            "<h1>Notes Web wants to access your ACME Cloud account</h1></div>"
        )),
        "{html}"
    );
    assert!(
        html.contains(concat!(
            r#"<nav class="app-links" id="app-links" aria-label="About the application"><ul>"#,
            r#"<li><a href="https://notes.example/" target="_blank" rel="noopener noreferrer">About Notes Web</a></li>"#,
            r#"<li><a href="https://notes.example/privacy" target="_blank" rel="noopener noreferrer">Privacy policy</a></li>"#,
            r#"<li><a href="https://notes.example/terms" target="_blank" rel="noopener noreferrer">Terms of service</a></li></ul></nav>"#
        )),
        "{html}"
    );
    // The page may load the client's logo, from its origin and no other.
    assert_eq!(
        csp,
        "default-src 'none'; style-src 'self'; img-src 'self' https://cdn.notes.example; base-uri 'none'; frame-ancestors 'none'"
    );

    // A client that says nothing about itself: its name, no links, no logo.
    let (html, csp) = consent_page(&app, "spa").await;
    assert!(
        !html.contains("app-logo") && !html.contains("app-links"),
        "{html}"
    );
    assert_eq!(
        csp,
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    );

    // A changed link is named by the plan, and the page follows it.
    let path = app.tenants_dir().join("tenant.yaml");
    let moved = tenant.replace(
        "https://cdn.notes.example/brand/logo.png",
        "https://img.notes.example/logo.webp",
    );
    std::fs::write(&path, moved).unwrap();
    assert_eq!(
        changes(&apply(&app, &path).unwrap()),
        ["~ client web (logo_uri)"]
    );
}
