//! The token service over HTTP: discovery, keys, client authentication,
//! client_credentials, introspection, revocation, rotation, isolation.

use crate::helpers::{TestApp, retry, spawn_app_at, spawn_app_with};
use gatehouse::clock::ManualClock;
use gatehouse::verify::{Request, Verifier, VerifyError};
use josekit::jwk::KeyPair as _;
use josekit::jws::{ES256, JwsHeader};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub const SVC: (&str, &str) = ("svc", "svc-secret-0123456789abcdef");
pub const POST: (&str, &str) = ("svc-post", "post-secret-0123456789abcdef");
pub const JWT: (&str, &str) = ("svc-jwt", "jwt-secret-0123456789abcdef");
pub const RS: (&str, &str) = ("rs", "rs-secret-0123456789abcdef");
/// [`RS`]'s entry in a tenant file: a resource server that introspects (the
/// tenant needs role `introspector` with `tokens:introspect`).
pub const RS_CLIENT: &str = "  - client_id: rs
    secret: rs-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
    service_roles: [introspector]";

/// A tenant with one client per authentication method and token format.
pub fn acme_yaml(slug: &str, client_jwk: &str) -> String {
    format!(
        r#"slug: {slug}
name: Acme
scopes:
  - {{ name: notes:read, description: Read notes }}
  - {{ name: notes:write, description: Write notes }}
  - {{ name: admin:all, description: Everything }}
roles:
  - name: introspector
    permissions: [tokens:introspect]
clients:
  - client_id: svc
    secret: svc-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read, notes:write]
    default_scopes: [notes:read]
  - client_id: svc-post
    secret: post-secret-0123456789abcdef
    token_endpoint_auth_method: client_secret_post
    grant_types: [client_credentials]
    scopes: [notes:read]
  - client_id: svc-jwt
    secret: jwt-secret-0123456789abcdef
    grant_types: [client_credentials]
    scopes: [notes:read]
    access_token_format: jwt
  - client_id: svc-pkjwt
    token_endpoint_auth_method: private_key_jwt
    jwks: {{"keys": [{client_jwk}]}}
    grant_types: [client_credentials]
    scopes: [notes:read]
{RS_CLIENT}
  - client_id: spa
    public: true
    redirect_uris: [http://127.0.0.1:3000/cb]
    grant_types: [authorization_code]
    scopes: [openid, notes:read]
"#
    )
}

/// The private key of `svc-pkjwt` and its public JWK (JSON).
pub fn client_key() -> (josekit::jwk::alg::ec::EcKeyPair, String) {
    let mut kp = ES256.generate_key_pair().unwrap();
    kp.set_key_id(Some("client-key-1"));
    let mut jwk = kp.to_jwk_public_key();
    jwk.set_key_id("client-key-1");
    jwk.set_algorithm("ES256");
    (kp, jwk.to_string())
}

pub struct Acme {
    pub app: TestApp,
    pub key: josekit::jwk::alg::ec::EcKeyPair,
}

pub async fn acme() -> Acme {
    let (key, jwk) = client_key();
    let app = spawn_app_with(|_| {}, Some(&acme_yaml("acme", &jwk))).await;
    Acme { app, key }
}

pub async fn post_form(
    app: &TestApp,
    path: &str,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

/// SVC's client-credentials request (no scope named) at tenant `tenant`.
async fn svc_client_credentials(app: &TestApp, tenant: &str) -> reqwest::Response {
    let path = format!("/t/{tenant}/token");
    post_form(
        app,
        &path,
        Some(SVC),
        &[("grant_type", "client_credentials")],
    )
    .await
}

/// `client` redeems `refresh_token` at tenant `acme`.
pub async fn refresh(
    app: &TestApp,
    client: (&str, &str),
    refresh_token: &str,
) -> reqwest::Response {
    post_form(
        app,
        "/t/acme/token",
        Some(client),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

pub async fn client_token(
    app: &TestApp,
    tenant: &str,
    client: (&str, &str),
    scope: Option<&str>,
) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let res = post_form(app, &format!("/t/{tenant}/token"), Some(client), &form).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

pub async fn introspect(app: &TestApp, tenant: &str, caller: (&str, &str), token: &str) -> Value {
    let res = post_form(
        app,
        &format!("/t/{tenant}/introspect"),
        Some(caller),
        &[("token", token)],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.json().await.unwrap()
}

async fn error_of(res: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, res.json().await.unwrap())
}

/// A token request to tenant `acme` that must fail: (status, challenge, body).
async fn token_error(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, Option<String>, Value) {
    error_of(post_form(app, "/t/acme/token", basic, form).await).await
}

/// An OAuth error response body (RFC 6749 §5.2).
pub fn oauth_error(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

/// A 400 answer with an OAuth error and no challenge.
fn bad_request(error: &str, description: &str) -> (u16, Option<String>, Value) {
    (400, None, oauth_error(error, description))
}

fn assertion(key: &josekit::jwk::alg::ec::EcKeyPair, aud: &str, jti: &str) -> String {
    assertion_for(key, &[aud], jti)
}

fn assertion_for(key: &josekit::jwk::alg::ec::EcKeyPair, aud: &[&str], jti: &str) -> String {
    let mut header = JwsHeader::new();
    header.set_key_id("client-key-1");
    let mut p = JwtPayload::new();
    p.set_issuer("svc-pkjwt");
    p.set_subject("svc-pkjwt");
    p.set_audience(aud.iter().map(|a| a.to_string()).collect());
    p.set_jwt_id(jti);
    p.set_issued_at(&SystemTime::now());
    p.set_expires_at(&(SystemTime::now() + Duration::from_secs(120)));
    let signer = ES256.signer_from_jwk(&key.to_jwk_key_pair()).unwrap();
    jwt::encode_with_signer(&p, &header, &signer).unwrap()
}

#[actix_web::test]
async fn discovery_documents_agree_and_advertise_what_works() {
    let Acme { app, .. } = acme().await;
    let a: Value = app
        .get_json("/t/acme/.well-known/openid-configuration")
        .await;
    let b: Value = app
        .get_json("/t/acme/.well-known/oauth-authorization-server")
        .await;
    let res = app
        .get("/.well-known/oauth-authorization-server/t/acme")
        .await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    let issuer = "http://127.0.0.1:8080/t/acme";
    assert_eq!(a["issuer"], issuer);
    assert_eq!(a["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(a["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(a["introspection_endpoint"], format!("{issuer}/introspect"));
    assert_eq!(a["revocation_endpoint"], format!("{issuer}/revoke"));
    assert_eq!(
        a["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange"
        ])
    );
    assert_eq!(a["response_types_supported"], json!(["code"]));
    assert_eq!(a["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(a["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(a["userinfo_endpoint"], format!("{issuer}/userinfo"));
    assert_eq!(a["end_session_endpoint"], format!("{issuer}/logout"));
    // Discovery §3: RS256 MUST be included.
    assert_eq!(
        a["id_token_signing_alg_values_supported"],
        json!(["RS256", "ES256", "EdDSA"])
    );
    assert_eq!(a["authorization_response_iss_parameter_supported"], true);
    let auth_methods = json!([
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none"
    ]);
    assert_eq!(a["token_endpoint_auth_methods_supported"], auth_methods);
    // RFC 7009 §2.1: public clients revoke with only their client_id.
    assert_eq!(
        a["revocation_endpoint_auth_methods_supported"],
        auth_methods
    );
    assert_eq!(
        a["prompt_values_supported"],
        json!(["none", "login", "consent"])
    );
    assert_eq!(a["service_documentation"], format!("{issuer}/docs"));
    assert_eq!(a["ui_locales_supported"], json!(["en", "ru"]));
    let scopes = a["scopes_supported"].as_array().unwrap();
    assert!(scopes.contains(&json!("openid")) && scopes.contains(&json!("notes:write")));
    // No claims behind them, so not offered.
    assert!(!scopes.contains(&json!("address")) && !scopes.contains(&json!("phone")));
    // Not implemented, so not advertised: the implicit flow, other response modes.
    assert!(a.get("registration_endpoint").is_none());
    assert_eq!(
        app.get("/.well-known/oauth-authorization-server/t/nosuch")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/t/acme/docs").await.status(), 200);
}

#[actix_web::test]
async fn jwks_verifies_jwt_access_tokens_and_biscuit_keys_verify_biscuits() {
    let Acme { app, .. } = acme().await;
    let token = client_token(&app, "acme", JWT, None).await;
    let jwks: Value = app.get_json("/t/acme/jwks").await;
    let set = josekit::jwk::JwkSet::from_bytes(jwks.to_string().as_bytes()).unwrap();
    let header = jwt::decode_header(&token).unwrap();
    let kid = header.claim("kid").unwrap().as_str().unwrap();
    let jwk = set
        .get(kid)
        .into_iter()
        .next()
        .expect("the token's kid is published");
    assert_eq!(jwk.algorithm(), Some("ES256"));
    let verifier = ES256.verifier_from_jwk(jwk).unwrap();
    let (payload, header) = jwt::decode_with_verifier(&token, &verifier).unwrap();
    assert_eq!(header.token_type(), Some("at+jwt"));
    for c in ["exp", "iat"] {
        let v = payload.claim(c).unwrap();
        assert!(v.is_i64(), "{c} is not an integer: {v}");
    }
    assert_eq!(payload.issuer(), Some("http://127.0.0.1:8080/t/acme"));
    assert_eq!(payload.subject(), Some("svc-jwt"));
    assert_eq!(payload.claim("client_id"), Some(&json!("svc-jwt")));
    assert_eq!(payload.claim("scope"), Some(&json!("notes:read")));

    let biscuit = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    let ok = v.verify(&biscuit, &Request::scope("notes:write")).unwrap();
    assert_eq!(ok.client_id, "svc");
    assert_eq!(ok.subject, None);
    assert_eq!(
        v.verify(&biscuit, &Request::scope("admin:all"))
            .unwrap_err(),
        VerifyError::Denied
    );
    let other = Verifier::from_keys_document("other", &keys).unwrap();
    assert_eq!(
        other
            .verify(&biscuit, &Request::scope("notes:read"))
            .unwrap_err(),
        VerifyError::WrongTenant
    );
}

#[actix_web::test]
async fn client_credentials_response_and_scope_rules() {
    let Acme { app, .. } = acme().await;
    let res = svc_client_credentials(&app, "acme").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(
        body["scope"], "notes:read",
        "no scope requested: the client's defaults"
    );
    assert!(body.get("refresh_token").is_none());

    let res = post_form(
        &app,
        "/t/acme/token",
        Some(SVC),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "notes:write"),
        ],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "notes:write");

    for (scope, description) in [
        (
            "notes:read admin:all",
            "scope not allowed for this client: admin:all",
        ),
        ("unknown", "scope not allowed for this client: unknown"),
        ("bad\"scope", "the scope parameter is malformed"),
    ] {
        assert_eq!(
            token_error(
                &app,
                Some(SVC),
                &[("grant_type", "client_credentials"), ("scope", scope)]
            )
            .await,
            bad_request("invalid_scope", description)
        );
    }
}

#[actix_web::test]
async fn token_endpoint_request_errors() {
    let Acme { app, .. } = acme().await;
    assert_eq!(
        token_error(&app, Some(SVC), &[("grant_type", "password")]).await,
        bad_request(
            "unsupported_grant_type",
            "grant_type password is not supported"
        )
    );
    assert_eq!(
        token_error(&app, Some(SVC), &[("scope", "notes:read")]).await,
        bad_request("invalid_request", "missing parameter grant_type")
    );
    let res = app
        .client
        .post(app.url("/t/acme/token"))
        .basic_auth(SVC.0, Some(SVC.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&scope=notes:read&scope=notes:write")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(res).await,
        bad_request("invalid_request", "parameter scope is repeated")
    );
    let res = app
        .client
        .post(app.url("/t/acme/token"))
        .basic_auth(SVC.0, Some(SVC.1))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(res).await,
        bad_request(
            "invalid_request",
            "the content type must be application/x-www-form-urlencoded"
        )
    );
    assert_eq!(app.get("/t/acme/token").await.status(), 405);
    // A public client may not use client_credentials (and is not allowed the grant).
    assert_eq!(
        token_error(
            &app,
            None,
            &[("grant_type", "client_credentials"), ("client_id", "spa")]
        )
        .await,
        bad_request(
            "unauthorized_client",
            "this client may not use client_credentials"
        )
    );
}

#[actix_web::test]
async fn every_client_authentication_method_and_its_failures() {
    let Acme { app, key } = acme().await;
    let cc = ("grant_type", "client_credentials");
    // client_secret_basic and client_secret_post, each only as registered.
    assert_eq!(
        post_form(&app, "/t/acme/token", Some(SVC), &[cc])
            .await
            .status(),
        200
    );
    let res = post_form(
        &app,
        "/t/acme/token",
        None,
        &[cc, ("client_id", POST.0), ("client_secret", POST.1)],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        token_error(&app, Some(POST), &[cc]).await,
        (
            401,
            Some("Basic realm=\"gatehouse\", charset=\"UTF-8\"".into()),
            oauth_error(
                "invalid_client",
                "this client authenticates with client_secret_post"
            )
        )
    );
    assert_eq!(
        token_error(
            &app,
            None,
            &[cc, ("client_id", SVC.0), ("client_secret", SVC.1)]
        )
        .await,
        (
            401,
            None,
            oauth_error(
                "invalid_client",
                "this client authenticates with client_secret_basic"
            )
        )
    );
    let failed = oauth_error("invalid_client", "client authentication failed");
    assert_eq!(
        token_error(&app, Some((SVC.0, "wrong")), &[cc]).await,
        (
            401,
            Some("Basic realm=\"gatehouse\", charset=\"UTF-8\"".into()),
            failed.clone()
        )
    );
    assert_eq!(
        token_error(&app, Some(("nobody", "x")), &[cc]).await.2,
        failed
    );
    // Without a secret, a confidential client and an unknown one look alike.
    for id in [SVC.0, "nobody"] {
        assert_eq!(
            token_error(&app, None, &[cc, ("client_id", id)]).await.2,
            failed,
            "{id}"
        );
    }
    assert_eq!(
        token_error(&app, None, &[cc]).await,
        (
            401,
            None,
            oauth_error("invalid_client", "client authentication is required")
        )
    );
    assert_eq!(
        token_error(&app, Some(SVC), &[cc, ("client_secret", SVC.1)]).await,
        bad_request(
            "invalid_request",
            "use exactly one client authentication method"
        )
    );

    // private_key_jwt (RFC 7523): works once per jti, with the right audience and key.
    let token_url = "http://127.0.0.1:8080/t/acme/token";
    let jwt_form = |a: String| {
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            (
                "client_assertion_type".to_owned(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion".to_owned(), a),
        ]
    };
    let send = |form: Vec<(String, String)>| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/t/acme/token"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let a1 = assertion(&key, token_url, "jti-1");
    let res = send(jwt_form(a1.clone())).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        error_of(send(jwt_form(a1)).await).await,
        (
            401,
            None,
            oauth_error("invalid_client", "client assertion was already used")
        )
    );
    let issuer_aud = assertion(&key, "http://127.0.0.1:8080/t/acme", "jti-2");
    assert_eq!(send(jwt_form(issuer_aud)).await.status(), 200);
    let wrong_aud = assertion(&key, "http://127.0.0.1:8080/t/other/token", "jti-3");
    assert_eq!(
        error_of(send(jwt_form(wrong_aud)).await).await.2,
        oauth_error(
            "invalid_client",
            "client assertion audience does not name this server"
        )
    );
    // draft-ietf-oauth-rfc7523bis: the issuer (or the token endpoint), one
    // value only; never another endpoint, never beside other audiences.
    let refused = [
        vec!["http://127.0.0.1:8080/t/acme/introspect"],
        vec!["http://127.0.0.1:8080/t/acme/revoke"],
        vec!["http://127.0.0.1:8080/t/acme", "https://other.example"],
        vec![token_url, "https://other.example"],
    ];
    for (i, aud) in refused.iter().enumerate() {
        let a = assertion_for(&key, aud, &format!("jti-aud-{i}"));
        assert_eq!(
            error_of(send(jwt_form(a)).await).await.2,
            oauth_error(
                "invalid_client",
                "client assertion audience does not name this server"
            ),
            "{aud:?}"
        );
    }
    // Also at the introspection endpoint, an assertion addressed to it.
    let at_introspect = assertion(&key, "http://127.0.0.1:8080/t/acme/introspect", "jti-5");
    let mut form = jwt_form(at_introspect);
    form.retain(|(k, _)| k != "grant_type");
    form.push(("token".to_owned(), "x".to_owned()));
    let res = app
        .client
        .post(app.url("/t/acme/introspect"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (other_key, _) = client_key();
    let forged = assertion(&other_key, token_url, "jti-4");
    let bad_signature = oauth_error(
        "invalid_client",
        "client assertion signature does not verify",
    );
    assert_eq!(
        error_of(send(jwt_form(forged)).await).await.2,
        bad_signature
    );
    // An assertion naming an unknown client, or one that uses a secret,
    // answers the same: no way to tell which client ids exist.
    for sub in ["nobody", "svc"] {
        let mut header = JwsHeader::new();
        header.set_key_id("client-key-1");
        let mut p = JwtPayload::new();
        p.set_issuer(sub);
        p.set_subject(sub);
        p.set_audience(vec![token_url.to_owned()]);
        p.set_jwt_id(format!("jti-{sub}"));
        p.set_expires_at(&(SystemTime::now() + Duration::from_secs(120)));
        let signer = ES256.signer_from_jwk(&other_key.to_jwk_key_pair()).unwrap();
        let a = jwt::encode_with_signer(&p, &header, &signer).unwrap();
        assert_eq!(
            error_of(send(jwt_form(a)).await).await.2,
            bad_signature,
            "{sub}"
        );
    }
}

#[actix_web::test]
async fn introspection_is_for_the_tokens_client_and_granted_introspectors_only() {
    let acme = acme().await;
    let app = &acme.app;
    let token = client_token(app, "acme", SVC, Some("notes:read")).await;
    // svc-jwt is confidential but was neither issued the token nor granted
    // tokens:introspect: it learns nothing (RFC 7662 §4).
    assert_eq!(
        introspect(app, "acme", JWT, &token).await,
        json!({"active": false})
    );
    assert_eq!(introspect(app, "acme", SVC, &token).await["active"], true);
    assert_eq!(introspect(app, "acme", RS, &token).await["active"], true);
}

#[actix_web::test]
async fn introspection_answers_active_or_nothing() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let (_, jwk) = client_key();
    let app = spawn_app_at(|_| {}, Some(&acme_yaml("acme", &jwk)), clock.clone()).await;
    let token = client_token(&app, "acme", SVC, Some("notes:read notes:write")).await;
    let body = introspect(&app, "acme", RS, &token).await;
    let iat = body["iat"].as_i64().unwrap();
    assert_eq!(
        body,
        json!({
            "active": true,
            "scope": "notes:read notes:write",
            "rights": [],
            "client_id": "svc",
            "sub": "svc",
            "exp": iat + 3600,
            "iat": iat,
            "iss": "http://127.0.0.1:8080/t/acme",
            "token_type": "Bearer",
        })
    );
    // The second answer comes from the tenant's cache of verified tokens and
    // must be the same answer.
    assert_eq!(introspect(&app, "acme", RS, &token).await, body);
    let jwt_token = client_token(&app, "acme", JWT, None).await;
    let body = introspect(&app, "acme", RS, &jwt_token).await;
    assert_eq!(body["active"], true);
    assert_eq!(body["client_id"], "svc-jwt");
    let inactive = json!({"active": false});
    for junk in ["", "x", "not.a.jwt", &token[..token.len() - 4]] {
        if junk.is_empty() {
            continue;
        }
        assert_eq!(introspect(&app, "acme", RS, junk).await, inactive);
    }
    // Public clients cannot introspect; anonymous callers neither.
    let res = post_form(
        &app,
        "/t/acme/introspect",
        None,
        &[("token", &token), ("client_id", "spa")],
    )
    .await;
    assert_eq!(error_of(res).await.0, 401);
    let res = post_form(&app, "/t/acme/introspect", None, &[("token", &token)]).await;
    assert_eq!(error_of(res).await.0, 401);
    // Expired: an hour and a bit later.
    clock.advance(chrono::Duration::seconds(3601));
    assert_eq!(introspect(&app, "acme", RS, &token).await, inactive);
    assert_eq!(introspect(&app, "acme", RS, &jwt_token).await, inactive);
}

#[actix_web::test]
async fn revocation_makes_tokens_inactive_everywhere() {
    let Acme { app, .. } = acme().await;
    let token = client_token(&app, "acme", SVC, None).await;
    let jwt_token = client_token(&app, "acme", JWT, None).await;
    // Unknown tokens: 200 (RFC 7009 §2.2).
    let res = post_form(&app, "/t/acme/revoke", Some(SVC), &[("token", "nonsense")]).await;
    assert_eq!(res.status(), 200);
    // Another client's token: 200 like a tampered one (nothing to learn from
    // the answer, RFC 7009 §2.1), and the token stays active.
    for other in [token.clone(), format!("{token}x")] {
        let res = post_form(&app, "/t/acme/revoke", Some(RS), &[("token", &other)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap(), "");
    }
    assert_eq!(introspect(&app, "acme", RS, &token).await["active"], true);

    let res = post_form(
        &app,
        "/t/acme/revoke",
        Some(SVC),
        &[("token", &token), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        introspect(&app, "acme", RS, &token).await,
        json!({"active": false})
    );
    let res = post_form(&app, "/t/acme/revoke", Some(JWT), &[("token", &jwt_token)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        introspect(&app, "acme", RS, &jwt_token).await,
        json!({"active": false})
    );

    // The offline verifier rejects it once given the revocation list.
    let keys: Value = app.get_json("/t/acme/biscuit-keys").await;
    let list: Value = app.get_json("/t/acme/revocations").await;
    let ids: Vec<String> = list["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    assert!(
        v.verify(&token, &Request::scope("notes:read")).is_ok(),
        "without the list it cannot know"
    );
    let v = v.with_revoked(ids);
    assert_eq!(
        v.verify(&token, &Request::scope("notes:read")).unwrap_err(),
        VerifyError::Revoked
    );
}

#[actix_web::test]
async fn revocation_reaches_another_server_process() {
    // Two servers on one database: a revocation at one is seen by the other
    // within its reload interval (200 ms in tests).
    let Acme { app: a, .. } = acme().await;
    let b = crate::helpers::spawn_second(&a).await;
    let token = client_token(&a, "acme", SVC, None).await;
    assert_eq!(introspect(&b, "acme", RS, &token).await["active"], true);
    let res = post_form(&a, "/t/acme/revoke", Some(SVC), &[("token", &token)]).await;
    assert_eq!(res.status(), 200);
    let inactive = retry(100, Duration::from_millis(50), || async {
        introspect(&b, "acme", RS, &token).await["active"] == false
    })
    .await;
    assert!(inactive, "the other process saw the revocation");
}

/// The `kid` of a JWT's header.
fn kid_of(jwt: &str) -> Value {
    jwt::decode_header(jwt)
        .unwrap()
        .claim("kid")
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn key_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_new_keys() {
    let Acme { app, .. } = acme().await;
    let old = client_token(&app, "acme", SVC, None).await;
    let old_jwt = client_token(&app, "acme", JWT, None).await;
    let old_kid = kid_of(&old_jwt);
    let out = crate::cli::gatehouse(&app, &["keys", "rotate", "--tenant", "acme"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Wait for this server to reload (another process rotated).
    let mut keys: Value = Value::Null;
    for _ in 0..100 {
        keys = app.get_json("/t/acme/biscuit-keys").await;
        if keys["keys"].as_array().unwrap().len() == 2 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let listed: Vec<(u64, &str)> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["root_key_id"].as_u64().unwrap(),
                k["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, vec![(2, "active"), (1, "retired")], "newest first");
    let jwks: Value = app.get_json("/t/acme/jwks").await;
    // ES256 (JWT access tokens) and RS256 (the spa client's ID tokens), old and new.
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 4);

    let new = client_token(&app, "acme", SVC, None).await;
    let new_jwt = client_token(&app, "acme", JWT, None).await;
    let new_kid = kid_of(&new_jwt);
    assert_ne!(old_kid, new_kid);
    let v = Verifier::from_keys_document("acme", &keys).unwrap();
    for t in [&old, &new] {
        assert!(v.verify(t, &Request::scope("notes:read")).is_ok());
        assert_eq!(introspect(&app, "acme", RS, t).await["active"], true);
    }
    let only_new = Verifier::new("acme")
        .with_root_key(2, keys["keys"][0]["public_key"].as_str().unwrap())
        .unwrap();
    assert!(only_new.verify(&new, &Request::scope("notes:read")).is_ok());
    assert_eq!(
        only_new
            .verify(&old, &Request::scope("notes:read"))
            .unwrap_err(),
        VerifyError::Invalid
    );
    assert_eq!(introspect(&app, "acme", RS, &old_jwt).await["active"], true);
}

#[actix_web::test]
async fn tokens_and_clients_never_cross_tenants() {
    let (_, jwk) = client_key();
    let app = spawn_app_with(|_| {}, None).await;
    app.write_tenant("a.yaml", &acme_yaml("tenant-a", &jwk));
    app.write_tenant("b.yaml", &acme_yaml("tenant-b", &jwk));
    crate::cli::apply_tenants(&app);
    let a_token = client_token(&app, "tenant-a", SVC, None).await;
    let a_jwt = client_token(&app, "tenant-a", JWT, None).await;
    assert_eq!(
        introspect(&app, "tenant-a", RS, &a_token).await["active"],
        true
    );
    assert_eq!(
        introspect(&app, "tenant-b", RS, &a_token).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&app, "tenant-b", RS, &a_jwt).await,
        json!({"active": false})
    );
    // Same client_id and secret text, but A's client is not B's: B's own
    // client with the same id works, and A's revocation call cannot touch B.
    let res = post_form(
        &app,
        "/t/tenant-b/revoke",
        Some(SVC),
        &[("token", &a_token)],
    )
    .await;
    assert_eq!(res.status(), 200, "unknown to B, so a no-op");
    assert_eq!(
        introspect(&app, "tenant-a", RS, &a_token).await["active"],
        true
    );
}

#[actix_web::test]
async fn a_client_of_one_tenant_cannot_authenticate_at_another() {
    let (_, jwk) = client_key();
    let app = spawn_app_with(|_| {}, None).await;
    app.write_tenant("a.yaml", &acme_yaml("tenant-a", &jwk));
    app.write_tenant(
        "b.yaml",
        "slug: tenant-b\nname: B\nclients:\n  - client_id: other\n    secret: other-secret-0123456789\n    grant_types: [client_credentials]\n",
    );
    crate::cli::apply_tenants(&app);
    let res = svc_client_credentials(&app, "tenant-b").await;
    assert_eq!(error_of(res).await.0, 401);
}
