//! A real OpenID Connect relying party library that nobody here wrote (the
//! `openidconnect` crate): discovery, the code flow with PKCE and nonce, ID
//! token validation (signature via JWKS, nonce, at_hash), userinfo, and
//! client_credentials through discovery.

use crate::helpers::spawn_app_real_url;
use crate::signin::{CB, allow, browser, query, yaml};
use gatehouse::clock::SystemClock;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use std::sync::Arc;

#[actix_web::test]
async fn openidconnect_crate_signs_a_user_in_and_validates_the_id_token() {
    let app = spawn_app_real_url(&yaml("acme"), Arc::new(SystemClock)).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(format!("{}/t/acme", app.address)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .expect("OIDC discovery through the openidconnect crate");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("web".into()),
        Some(ClientSecret::new("web-secret-0123456789abcdef".into())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The person: log in and allow everything.
    let b = browser();
    let res = crate::signin::login_from(&app, &b, url.as_str()).await;
    let consent = res.text().await.unwrap();
    let res = allow(
        &b,
        &app.url("/t/acme/consent"),
        &consent,
        &["profile", "email"],
    )
    .await;
    let q = query(res.headers()["location"].to_str().unwrap());
    assert_eq!(&q["state"], csrf.secret());
    assert_eq!(q["iss"], format!("{}/t/acme", app.address));

    let token = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange through the openidconnect crate");
    let id_token = token.id_token().expect("an ID token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("ID token validates: signature, iss, aud, exp, nonce");
    let expected_hash = AccessTokenHash::from_token(
        token.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));
    assert!(claims.auth_time().is_some());

    let info: CoreUserInfoClaims = client
        .user_info(token.access_token().clone(), Some(claims.subject().clone()))
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo through the openidconnect crate");
    assert_eq!(info.preferred_username().unwrap().as_str(), "alice");
    assert_eq!(info.email().unwrap().as_str(), "alice@example.com");

    // The same discovered metadata drives client_credentials too.
    let rs = CoreClient::from_provider_metadata(
        CoreProviderMetadata::discover_async(
            IssuerUrl::new(format!("{}/t/acme", app.address)).unwrap(),
            &http,
        )
        .await
        .unwrap(),
        ClientId::new("rs".into()),
        Some(ClientSecret::new("rs-secret-0123456789abcdef".into())),
    );
    let cc = rs
        .exchange_client_credentials()
        .unwrap()
        .add_scope(Scope::new("notes:read".into()))
        .request_async(&http)
        .await
        .expect("client_credentials through the openidconnect crate");
    assert_eq!(cc.scopes().unwrap(), &vec![Scope::new("notes:read".into())]);
}
