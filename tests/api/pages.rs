//! The pages' one design: every page links the one stylesheet, under its
//! content hash and cacheable for a year, and carries no inline style (the
//! CSP says `style-src 'self'`); error pages too.

use crate::helpers::spawn_app_with;
use crate::signin::{authorize, browser, yaml};

const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The stylesheet link of a page, after checking the page has no inline style.
fn stylesheet_of(html: &str) -> String {
    assert!(!html.contains("<style"), "no style element: {html}");
    assert!(!html.contains(" style="), "no style attribute: {html}");
    let at = html
        .find(r#"<link rel="stylesheet" href=""#)
        .unwrap_or_else(|| panic!("a stylesheet link: {html}"));
    let rest = &html[at + r#"<link rel="stylesheet" href=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[actix_web::test]
async fn pages_link_one_hashed_stylesheet_that_caches_for_a_year() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let b = browser();
    let res = authorize(&app, &b, "web", "openid notes:read", "").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-security-policy"], CSP);
    let href = stylesheet_of(&res.text().await.unwrap());
    assert!(
        href.starts_with("/assets/gatehouse-") && href.ends_with(".css") && href.len() == 34,
        "{href}"
    );

    let css = b.get(app.url(&href)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let text = css.text().await.unwrap();
    assert!(text.starts_with("/* Gatehouse's one stylesheet"), "{text}");
    assert!(text.contains("@media (prefers-color-scheme: dark)"));

    // Another version's name is not served: the name is the content.
    let old = b
        .get(app.url("/assets/gatehouse-000000000000.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 404);
    assert_eq!(old.headers()["content-type"], "application/problem+json");
    // The endpoint answers GET only.
    let post = b.post(app.url(&href)).send().await.unwrap();
    assert_eq!(post.status(), 405);
}

#[actix_web::test]
async fn the_error_page_and_the_integration_notes_use_it_too() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let b = browser();
    // An unknown client cannot be redirected to: the browser gets a page.
    let res = authorize(&app, &b, "nobody", "openid", "").await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-security-policy"], CSP);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<main class="card">"#), "{html}");
    let href = stylesheet_of(&html);

    let docs = b.get(app.url("/t/acme/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert_eq!(docs.headers()["content-security-policy"], CSP);
    assert_eq!(stylesheet_of(&docs.text().await.unwrap()), href);
}

/// The consent page reads as a decision: who is signed in (and a way out for
/// someone else), what is always shared apart from what the person chooses,
/// each scope's meaning first and its name small, Allow as the primary action.
#[actix_web::test]
async fn the_consent_page_separates_required_from_chosen_and_offers_another_account() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let b = browser();
    let url = app.url(&crate::signin::authorize_path(
        "acme",
        "web",
        "openid profile notes:read",
        "",
    ));
    let res = crate::signin::login_from(&app, &b, &url).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let section = |id: &str| {
        let at = html
            .find(&format!(r#"id="{id}""#))
            .unwrap_or_else(|| panic!("{id}: {html}"));
        html[at..at + html[at..].find("</ul>").unwrap()].to_owned()
    };
    let required = section("scopes-required");
    assert!(
        required.contains(r#"<span class="scope-text"><span class="scope-description">Sign you in</span><span class="scope-name"><code>openid</code></span></span>"#),
        "{required}"
    );
    assert!(
        !required.contains("checkbox"),
        "nothing to untick: {required}"
    );
    let optional = section("scopes-optional");
    assert!(optional.contains(r#"<input id="scope-notes:read" type="checkbox" name="scope" value="notes:read" checked>"#), "{optional}");
    assert!(
        optional.contains(r#"<span class="scope-description">Read your notes</span>"#),
        "{optional}"
    );
    assert!(optional.contains(r#"value="profile""#) && !optional.contains(r#"value="openid""#));
    assert!(
        html.contains(r#"<strong id="signed-in-user">alice</strong>"#),
        "{html}"
    );
    assert!(html.contains(r#"<button class="button primary" type="submit" name="decision" value="allow">Allow</button>"#));

    // "Not you?": the session ends and the same request asks for a sign-in.
    let form = [
        ("csrf", crate::signin::field(&html, "csrf")),
        ("request", crate::signin::field(&html, "request")),
        ("decision", "switch".to_owned()),
    ];
    let res = b
        .post(app.url("/t/acme/consent"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let login = res.text().await.unwrap();
    assert!(login.contains("<title>Sign in — Acme</title>"), "{login}");
    assert!(login.contains(r#"id="password""#), "{login}");
    // The old session is gone: the request asks for a login again, not consent.
    let again = crate::signin::page(&b, &url).await;
    assert!(again.contains(r#"id="password""#), "{again}");
}

/// The language: `ui_locales` (OpenID Connect Core §3.1.2.1) first, then
/// `Accept-Language`, then English; the sealed request carries it from the
/// login page to the consent page; `<html lang>` says which.
#[actix_web::test]
async fn ui_locales_then_accept_language_choose_the_pages_language() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let url = |extra: &str| {
        app.url(&crate::signin::authorize_path(
            "acme",
            "web",
            "openid notes:read",
            extra,
        ))
    };
    let russian = in_language(&url("&ui_locales=ru"), None).await;
    assert!(russian.contains(r#"<html lang="ru">"#), "{russian}");
    assert!(russian.contains("<title>Вход — Acme</title>"), "{russian}");
    assert!(russian.contains("<h1>Вход в Acme</h1>"), "{russian}");
    assert!(
        russian.contains(r#"<label for="password">Пароль</label>"#),
        "{russian}"
    );

    let by_header = in_language(&url(""), Some("ru-RU,ru;q=0.9,en;q=0.5")).await;
    assert!(by_header.contains(r#"<html lang="ru">"#), "{by_header}");
    let first_supported = in_language(&url("&ui_locales=de%20en"), Some("ru")).await;
    assert!(
        first_supported.contains(r#"<html lang="en">"#),
        "{first_supported}"
    );
    assert!(first_supported.contains("<h1>Sign in to Acme</h1>"));
    let neither = in_language(&url("&ui_locales=de"), Some("fr")).await;
    assert!(neither.contains(r#"<html lang="en">"#), "{neither}");

    // Through sign-in: a wrong password, then the consent page, in Russian.
    let b = browser();
    let login = crate::signin::page(&b, &url("&ui_locales=ru")).await;
    let res =
        crate::signin::log_in(&b, &app.url("/t/acme/login"), &login, ("alice", "wrong")).await;
    assert_eq!(res.status(), 401);
    let again = res.text().await.unwrap();
    assert!(
        again.contains(r#"role="alert">Неверное имя пользователя или пароль.</p>"#),
        "{again}"
    );
    let res = crate::signin::login(&app, &b, &again, "alice-password-1").await;
    let consent = res.text().await.unwrap();
    assert!(consent.contains(r#"<html lang="ru">"#), "{consent}");
    assert!(
        consent.contains("Notes Web запрашивает доступ к вашей учётной записи Acme"),
        "{consent}"
    );
    assert!(
        consent.contains(r#"<span class="scope-description">Вход от вашего имени</span>"#),
        "{consent}"
    );
    assert!(
        consent.contains(r#"value="allow">Разрешить</button>"#),
        "{consent}"
    );

    // The logout confirmation takes ui_locales too (RP-Initiated Logout §2).
    let confirm = crate::signin::page(&b, &app.url("/t/acme/logout?ui_locales=ru")).await;
    assert!(confirm.contains("<h1>Выйти из Acme?</h1>"), "{confirm}");
    assert!(
        confirm.contains(r#"name="ui_locales" value="ru""#),
        "carried to the POST: {confirm}"
    );
}

/// Error pages follow the language too: the request's `ui_locales` when it
/// could be read, else `Accept-Language`.
#[actix_web::test]
async fn error_pages_speak_the_request_language() {
    let app = spawn_app_with(|_| {}, Some(&yaml("acme"))).await;
    let b = browser();
    let res = b
        .get(app.url("/t/acme/authorize?response_type=code&client_id=nobody&ui_locales=ru"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="ru">"#), "{html}");
    assert!(
        html.contains("<h1>Эта ссылка для входа не работает</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<p>Приложения «nobody» здесь нет.</p>"),
        "{html}"
    );
    assert!(html.contains("<small>HTTP 400</small>"), "{html}");

    let res = b
        .get(app.url("/nope"))
        .header("accept", "text/html")
        .header("accept-language", "ru")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>Страница не найдена</h1>"), "{html}");
    assert!(html.contains("по адресу /nope ничего нет"), "{html}");
}

/// A tenant's `default_locale` is the language when the request names none
/// the pages speak; a browser's language still comes first.
#[actix_web::test]
async fn the_tenants_default_locale_is_the_last_resort() {
    let yaml = yaml("acme").replacen("name: Acme\n", "name: Acme\ndefault_locale: ru\n", 1);
    assert!(yaml.contains("default_locale: ru"), "{yaml}");
    let app = spawn_app_with(|_| {}, Some(&yaml)).await;
    let url = app.url(&crate::signin::authorize_path("acme", "web", "openid", ""));
    let plain = in_language(&url, None).await;
    assert!(plain.contains(r#"<html lang="ru">"#), "{plain}");
    let german = in_language(&url, Some("de")).await;
    assert!(german.contains(r#"<html lang="ru">"#), "{german}");
    let english = in_language(&url, Some("en")).await;
    assert!(english.contains(r#"<html lang="en">"#), "{english}");
}

/// A scope's description may be given per language in the tenant file; the
/// consent page shows the page's language's. An unknown language is refused
/// with its line.
#[actix_web::test]
async fn scope_descriptions_in_several_languages() {
    let yaml = yaml("acme").replacen(
        "{ name: notes:read, description: Read your notes }",
        "{ name: notes:read, description: { en: Read your notes, ru: Читать ваши заметки } }",
        1,
    );
    assert!(yaml.contains("ru: Читать"), "{yaml}");
    let app = spawn_app_with(|_| {}, Some(&yaml)).await;
    for (lang, expected) in [("ru", "Читать ваши заметки"), ("en", "Read your notes")]
    {
        let b = browser();
        let url = app.url(&crate::signin::authorize_path(
            "acme",
            "web",
            "openid notes:read",
            &format!("&ui_locales={lang}"),
        ));
        let html = crate::signin::login_from(&app, &b, &url)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!(
                r#"<span class="scope-description">{expected}</span>"#
            )),
            "{lang}: {html}"
        );
    }
    let german = yaml.replace("ru: Читать ваши заметки", "de: Ihre Notizen lesen");
    let err = crate::tenants_apply::refusal(&app, "acme.yaml", &german);
    assert!(
        err.ends_with("scope notes:read: \"de\" is not a language the pages speak (en, ru)"),
        "{err}"
    );
}

/// A page as a browser with `accept_language` (none: no header) gets it.
async fn in_language(url: &str, accept_language: Option<&str>) -> String {
    let mut req = browser().get(url);
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    req.send().await.unwrap().text().await.unwrap()
}
