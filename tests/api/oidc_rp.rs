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

/// The same library asks for a sign-in with a second factor (`acr_values`)
/// and reads what happened from the validated ID token: `acr` and `amr`.
#[actix_web::test]
async fn openidconnect_crate_asks_for_mfa_and_reads_acr_and_amr() {
    use openidconnect::{AuthenticationContextClass, AuthenticationMethodReference};
    let clock = crate::totp::mid_step_clock();
    let app = spawn_app_real_url(&yaml("acme"), clock.clone()).await;
    let secret = crate::totp::set_up_totp(&app, &clock).await;
    clock.advance(chrono::Duration::seconds(30));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(format!("{}/t/acme", app.address)).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .unwrap();
    let mfa = AuthenticationContextClass::new("urn:gatehouse:acr:mfa".into());
    assert!(
        metadata
            .acr_values_supported()
            .is_some_and(|v| v.contains(&mfa)),
        "discovery lists the acr"
    );
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("web".into()),
        Some(ClientSecret::new("web-secret-0123456789abcdef".into())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_auth_context_value(mfa.clone())
        .set_pkce_challenge(challenge)
        .url();
    let b = browser();
    let res = crate::signin::login_from(&app, &b, url.as_str()).await;
    let html = res.text().await.unwrap();
    let now = gatehouse::clock::Clock::now(clock.as_ref()).timestamp() as u64;
    let code = gatehouse::mfa::totp::code_at(&secret, now);
    let consent = crate::totp::send_code(&app, &b, &html, &code)
        .await
        .text()
        .await
        .unwrap();
    let res = allow(&b, &app.url("/t/acme/consent"), &consent, &[]).await;
    let q = query(res.headers()["location"].to_str().unwrap());
    let token = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let claims = token
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token validates");
    assert_eq!(claims.auth_context_ref(), Some(&mfa));
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|m: &AuthenticationMethodReference| m.to_string())
        .collect();
    assert_eq!(amr, ["pwd", "otp", "mfa"]);
}
