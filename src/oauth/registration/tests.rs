use super::*;
use crate::config::SecretString;
use std::collections::BTreeSet;

fn sets() -> (BTreeSet<String>, BTreeSet<String>) {
    (
        ["notes:read".to_owned()].into(),
        ["notes-service".to_owned()].into(),
    )
}

fn known<'a>(scopes: &'a BTreeSet<String>, roles: &'a BTreeSet<String>) -> Known<'a> {
    Known {
        scopes,
        roles,
        origin: Origin::Tenant,
    }
}

fn id() -> ClientId {
    ClientId::parse("app").unwrap()
}

fn secret() -> ClientSecret {
    ClientSecret::Plain(SecretString::new("a-long-enough-secret"))
}

fn uri(raw: &str) -> RedirectUri {
    RedirectUri::parse(raw).unwrap()
}

#[test]
fn auth_method_follows_the_client_type() {
    let (s, r) = sets();
    let cases: [(bool, Option<AuthMethod>, Result<AuthMethod, &str>); 6] = [
        (true, None, Ok(AuthMethod::None)),
        (true, Some(AuthMethod::None), Ok(AuthMethod::None)),
        (
            true,
            Some(AuthMethod::ClientSecretPost),
            Err("public client app must use token_endpoint_auth_method none"),
        ),
        (false, None, Ok(AuthMethod::ClientSecretBasic)),
        (
            false,
            Some(AuthMethod::PrivateKeyJwt),
            Ok(AuthMethod::PrivateKeyJwt),
        ),
        (
            false,
            Some(AuthMethod::None),
            Err("confidential client app cannot use token_endpoint_auth_method none"),
        ),
    ];
    for (public, given, want) in cases {
        let mut b = ClientBuilder::new(id(), public, known(&s, &r));
        let got = b.auth_method(given).map(|()| b.decl.auth_method);
        assert_eq!(got, want.map_err(str::to_owned), "{public} {given:?}");
    }
}

#[test]
fn a_confidential_code_client_with_everything_it_needs_builds() {
    let (s, r) = sets();
    let mut b = ClientBuilder::new(id(), false, known(&s, &r));
    b.secret(secret()).unwrap();
    b.grant(GrantType::AuthorizationCode).unwrap();
    b.grant(GrantType::AuthorizationCode).unwrap();
    b.redirect_uri(uri("https://app.example/cb"));
    b.redirect_uri(uri("https://app.example/cb"));
    b.scope(ScopeName::parse("openid").unwrap()).unwrap();
    b.scope(ScopeName::parse("notes:read").unwrap()).unwrap();
    b.service_role("notes-service").unwrap();
    let d = b.build().unwrap();
    assert_eq!(d.name, "app");
    assert_eq!(d.grant_types, [GrantType::AuthorizationCode]);
    assert_eq!(d.redirect_uris.len(), 1);
    assert_eq!(d.scopes.len(), 2);
    assert_eq!(d.access_token_ttl, Duration::from_secs(3600));
    assert_eq!(d.refresh_token_ttl, Duration::from_secs(30 * 86_400));
    assert_eq!(d.refresh_grace, Duration::ZERO);
    assert_eq!(d.default_scopes, None);
    assert_eq!(d.allowed_origins, None);
}

#[test]
fn each_refusal_says_why() {
    let (s, r) = sets();
    let public = || ClientBuilder::new(id(), true, known(&s, &r));
    let confidential = || ClientBuilder::new(id(), false, known(&s, &r));
    let pkjwt = || {
        let mut b = ClientBuilder::new(id(), false, known(&s, &r));
        b.auth_method(Some(AuthMethod::PrivateKeyJwt)).unwrap();
        b
    };
    assert_eq!(
        public().secret(secret()),
        Err("client app uses none and must not have a secret".into())
    );
    assert_eq!(
        pkjwt().secret_allowed(true),
        Err("client app uses private_key_jwt and must not have a secret".into())
    );
    assert_eq!(
        public().grant(GrantType::ClientCredentials),
        Err("public client app cannot use client_credentials (RFC 6749 §4.4 needs a confidential client)".into())
    );
    assert_eq!(
        confidential().allow_implicit(true),
        Err("only public clients may set allow_implicit (client app)".into())
    );
    assert_eq!(
        public().service_role("notes-service"),
        Err("public client app cannot hold service roles".into())
    );
    assert_eq!(
        confidential().service_role("admin"),
        Err("client app names service role admin, which is not a role of the tenant".into())
    );
    let mut from_file = ClientBuilder::new(
        id(),
        false,
        Known {
            origin: Origin::File,
            ..known(&s, &r)
        },
    );
    assert_eq!(
        from_file.service_role("admin"),
        Err("client app names service role admin, which is not declared under roles".into())
    );
    assert_eq!(
        from_file.scope(ScopeName::parse("nope").unwrap()),
        Err(
            "client app names scope nope, which is neither built in nor declared under scopes"
                .into()
        )
    );
    assert_eq!(
        confidential().scope(ScopeName::parse("nope").unwrap()),
        Err(
            "client app names scope nope, which is neither built in nor a scope of the tenant"
                .into()
        )
    );
    assert_eq!(
        confidential().default_scope(ScopeName::parse("openid").unwrap()),
        Err("default scope openid is not among client app's scopes".into())
    );
    assert_eq!(
        confidential().exchange_audience("api"),
        Err("client app lists token_exchange_audiences but is not a confidential client with the token-exchange grant".into())
    );
    let mut exchanging = confidential();
    exchanging.grant(GrantType::TokenExchange).unwrap();
    assert_eq!(
        exchanging.exchange_audience("two words"),
        Err("invalid audience \"two words\"".into())
    );
    assert_eq!(
        confidential()
            .jwks("{}".into())
            .unwrap_err()
            .split(':')
            .next(),
        Some("client app")
    );
    assert_eq!(
        confidential().jwks(r#"{"keys":[]}"#.into()),
        Err("client app: jwks has no keys".into())
    );
    assert_eq!(
        confidential().access_token_ttl(Some(Duration::from_secs(59))),
        Err("must be between 60s and 86400s".into())
    );
    assert_eq!(
        confidential().refresh_grace(Some(Duration::from_secs(61))),
        Err("must be between 0s and 60s".into())
    );
}

#[test]
fn build_checks_what_spans_fields() {
    let (s, r) = sets();
    let confidential = || ClientBuilder::new(id(), false, known(&s, &r));
    let build = |b: ClientBuilder<'_>| b.build().map(|_| ()).unwrap_err();
    assert_eq!(
        build(confidential()),
        "client app uses client_secret_basic and needs a secret"
    );
    let mut no_grant = confidential();
    no_grant.secret(secret()).unwrap();
    assert_eq!(build(no_grant), "client app needs at least one grant type");
    let mut no_redirect = ClientBuilder::new(id(), true, known(&s, &r));
    no_redirect.grant(GrantType::AuthorizationCode).unwrap();
    assert_eq!(
        build(no_redirect),
        "client app uses authorization_code and needs at least one redirect URI"
    );
    let mut no_keys = ClientBuilder::new(id(), false, known(&s, &r));
    no_keys
        .auth_method(Some(AuthMethod::PrivateKeyJwt))
        .unwrap();
    no_keys.grant(GrantType::ClientCredentials).unwrap();
    assert_eq!(
        build(no_keys),
        "client app uses private_key_jwt and needs jwks"
    );
}

#[test]
fn declared_empty_lists_differ_from_absent_ones() {
    let (s, r) = sets();
    let mut b = ClientBuilder::new(id(), true, known(&s, &r));
    b.grant(GrantType::AuthorizationCode).unwrap();
    b.redirect_uri(uri("http://127.0.0.1:3000/cb"));
    b.declare_default_scopes();
    b.declare_allowed_origins();
    let d = b.build().unwrap();
    assert_eq!(d.default_scopes, Some(Vec::new()));
    assert_eq!(d.allowed_origins, Some(Vec::new()));
}
