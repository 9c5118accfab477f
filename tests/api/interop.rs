//! A real OAuth client library that nobody here wrote (the `oauth2` crate)
//! drives the token service: metadata from RFC 8414 discovery, then
//! client_credentials and introspection. (The crate refuses revocation URLs
//! that are not https, as RFC 7009 §2 asks; the test server is plain http, so
//! the revocation in between is a plain form post.)

use crate::tokens::{SVC, acme};
use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, ClientSecret, IntrospectionUrl, Scope, TokenIntrospectionResponse, TokenResponse,
    TokenUrl,
};
use serde_json::Value;

#[actix_web::test]
async fn the_oauth2_crate_gets_checks_and_revokes_a_token() {
    let acme = acme().await;
    let app = &acme.app;
    // Discovery: the server's public URL in tests is the default
    // http://127.0.0.1:8080, so map the advertised endpoints onto the test port.
    let meta: Value = app
        .get_json("/.well-known/oauth-authorization-server/t/acme")
        .await;
    let local = |key: &str| {
        meta[key]
            .as_str()
            .unwrap()
            .replace("http://127.0.0.1:8080", &app.address)
    };
    let client = BasicClient::new(ClientId::new(SVC.0.into()))
        .set_client_secret(ClientSecret::new(SVC.1.into()))
        .set_token_uri(TokenUrl::new(local("token_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(local("introspection_endpoint")).unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("notes:write".into()))
        .request_async(&http)
        .await
        .expect("client_credentials through the oauth2 crate");
    assert_eq!(
        token.scopes().unwrap(),
        &vec![Scope::new("notes:write".into())]
    );
    assert_eq!(token.expires_in().unwrap().as_secs(), 3600);

    let info = client
        .introspect(token.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(info.active());
    assert_eq!(info.client_id().unwrap().as_str(), "svc");
    assert_eq!(
        info.scopes().unwrap(),
        &vec![Scope::new("notes:write".into())]
    );

    let res = crate::tokens::post_form(
        app,
        "/t/acme/revoke",
        Some(SVC),
        &[("token", token.access_token().secret())],
    )
    .await;
    assert_eq!(res.status(), 200);
    let info = client
        .introspect(token.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(!info.active());

    let err = client
        .exchange_client_credentials()
        .add_scope(Scope::new("admin:all".into()))
        .request_async(&http)
        .await
        .unwrap_err();
    let oauth2::RequestTokenError::ServerResponse(resp) = err else {
        panic!("expected an RFC 6749 error response, got {err:?}");
    };
    assert_eq!(resp.error().as_ref(), "invalid_scope");
}
