use super::*;
use crate::oauth::{AuthMethod, ClientId, ScopeName};
use crate::tenancy::declarative::spec::{PasswordSource, TenantSpec};
use crate::tokens::AccessTokenFormat;
use std::time::Duration;

/// The small tenant the integration tests also start from (`demo_yaml`), as
/// one file so that both check the same document; the line numbers in the
/// expected errors are its lines.
const GOOD: &str = include_str!("../../../../tests/fixtures/demo-tenant.yaml");

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse(text: &str, allow_plain: bool) -> Result<TenantSpec, ApplyError> {
    let opts = ParseOptions {
        allow_plain_secrets: allow_plain,
        env: &no_env,
    };
    parse_str(Path::new("t.yaml"), text, &opts)
}

fn error_of(text: &str) -> String {
    match parse(text, true) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn scopes_carry_permissions_and_clients_hold_service_roles() {
    let ok = GOOD
            .replace(
                "{ name: notes:read, description: Read your notes }",
                "{ name: notes:read, description: Read your notes, permissions: [notes:read] }",
            )
            .replace(
                "    scopes: [openid, profile, email, offline_access, notes:read]\n",
                "    scopes: [openid, profile, email, offline_access, notes:read]\n    service_roles: [admin]\n",
            );
    let spec = parse(&ok, true).unwrap();
    let scope = ScopeName::parse("notes:read").unwrap();
    assert_eq!(
        spec.scopes[&scope].permissions,
        ["notes:read".to_owned()].into()
    );
    let web = ClientId::parse("demo-web").unwrap();
    assert_eq!(
        spec.clients[&web].service_roles,
        ["admin".to_owned()].into()
    );
    assert_eq!(
        error_of(&ok.replace("permissions: [notes:read]", "permissions: [Notes]")),
        "t.yaml:4: invalid permission \"Notes\": write resource:action, e.g. users:manage"
    );
    assert_eq!(
        error_of(&ok.replace("service_roles: [admin]", "service_roles: [ghost]")),
        "t.yaml:15: client demo-web names service role ghost, which is not declared under roles"
    );
    let public = ok
        .replace(
            "    public: false\n    secret: change-me\n",
            "    public: true\n",
        )
        .replace(", client_credentials]", "]");
    assert_eq!(
        error_of(&public),
        "t.yaml:14: public client demo-web cannot hold service roles"
    );
}

#[test]
fn role_includes_must_exist_and_be_acyclic() {
    let with =
        |roles: &str| GOOD.replace("  - { name: admin, permissions: [users:manage] }\n", roles);
    let ok = with(
        "  - { name: admin, permissions: [users:manage], includes: [editor] }\n  - { name: editor, permissions: [notes:write] }\n",
    );
    let spec = parse(&ok, true).unwrap();
    assert_eq!(spec.roles["admin"].includes, ["editor".to_owned()].into());
    assert_eq!(
        error_of(&with(
            "  - { name: admin, permissions: [users:manage], includes: [ghost] }\n"
        )),
        "t.yaml:6: role admin includes ghost, which is not declared under roles"
    );
    assert_eq!(
        error_of(&with(
            "  - { name: admin, includes: [editor] }\n  - { name: editor, includes: [viewer] }\n  - { name: viewer, includes: [admin] }\n"
        )),
        "t.yaml:6: role inclusion forms a cycle: admin → editor → viewer → admin"
    );
}

#[test]
fn parses_the_documented_shape() {
    let spec = parse(GOOD, true).unwrap();
    assert_eq!(spec.slug.as_str(), "demo");
    assert_eq!(spec.scopes.len(), 1);
    assert_eq!(spec.roles["admin"].permissions.len(), 1);
    let client = &spec.clients[&ClientId::parse("demo-web").unwrap()];
    assert_eq!(client.grant_types.len(), 3);
    assert!(!client.public);
    assert_eq!(spec.users[0].roles.as_ref().unwrap().len(), 1);
}

#[test]
fn errors_name_file_and_line() {
    let bad = GOOD.replace(
        "grant_types: [authorization_code,",
        "grant_types: [password,",
    );
    assert_eq!(error_of(&bad), "t.yaml:13: unknown grant type \"password\"");
    let bad = GOOD.replace("roles: [admin]", "roles: [root]");
    assert_eq!(
        error_of(&bad),
        "t.yaml:19: user alice has role root, which is not declared under roles"
    );
    let bad = GOOD.replace("scopes: [openid,", "scopes: [nope,");
    assert_eq!(
        error_of(&bad),
        "t.yaml:14: client demo-web names scope nope, which is neither built in nor declared under scopes"
    );
    let bad = GOOD.replace("slug: demo", "slug: Demo");
    assert!(error_of(&bad).starts_with("t.yaml:1: invalid slug"));
}

#[test]
fn unknown_keys_and_yaml_errors_are_located() {
    let bad = GOOD.replace("    public: false", "    publc: false");
    let msg = error_of(&bad);
    assert!(msg.starts_with("t.yaml:10:"), "{msg}");
    assert!(msg.contains("publc"), "{msg}");
    let msg = error_of("slug: demo\nname: [unclosed\n");
    assert!(msg.starts_with("t.yaml:"), "{msg}");
    let msg = error_of("slug: demo\nslug: again\nname: x\n");
    assert!(msg.starts_with("t.yaml:2: duplicate key `slug`"), "{msg}");
}

#[test]
fn plain_secrets_are_refused_off_loopback() {
    let msg = match parse(GOOD, false) {
        Ok(_) => panic!("expected refusal"),
        Err(e) => e.to_string(),
    };
    // Every error of the file, each with its line.
    assert_eq!(
        msg,
        "t.yaml:11: plain `secret` values are refused because server.public_url is not a loopback address; use secret_sha256 or secret_env\n\
             t.yaml:18: plain `password` values are refused because server.public_url is not a loopback address; use password_hash or password_env"
    );
}

#[test]
fn duplicates_are_refused_with_both_lines_and_every_error_is_reported() {
    let text = format!("{GOOD}  - username: alice\n    password: change-me-too\n").replace(
        "scopes:\n",
        "scopes:\n  - { name: notes:read, description: Again }\n",
    );
    let msg = error_of(&text);
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), 2, "{msg}");
    assert!(
        lines[0].starts_with("t.yaml:5: scope notes:read is declared twice (lines 4 and 5)"),
        "{msg}"
    );
    assert!(
        lines[1].contains("user alice is declared twice (lines 17 and 21)"),
        "{msg}"
    );
    let two_clients = GOOD.replace(
        "clients:\n",
        "clients:\n  - { client_id: demo-web, grant_types: [client_credentials] }\n",
    );
    let msg = error_of(&two_clients);
    assert!(
        msg.contains("client demo-web is declared twice (lines 8 and 9)"),
        "{msg}"
    );
}

#[test]
fn env_sources_resolve() {
    let text = GOOD
        .replace("secret: change-me", "secret_env: DEMO_SECRET")
        .replace("password: change-me", "password_env: ALICE_PW");
    let env = |k: &str| match k {
        "DEMO_SECRET" => Some("s3cr3t-value-long-enough".to_owned()),
        "ALICE_PW" => Some("pw".to_owned()),
        _ => None,
    };
    let opts = ParseOptions {
        allow_plain_secrets: false,
        env: &env,
    };
    let spec = parse_str(Path::new("t.yaml"), &text, &opts).unwrap();
    assert!(matches!(
        spec.users[0].password,
        Some(PasswordSource::Plain(_))
    ));
    let missing = ParseOptions {
        allow_plain_secrets: false,
        env: &no_env,
    };
    let msg = parse_str(Path::new("t.yaml"), &text, &missing)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "t.yaml:11: environment variable DEMO_SECRET is not set\n\
             t.yaml:18: environment variable ALICE_PW is not set"
    );
}

#[test]
fn client_rules() {
    let public_with_secret = GOOD.replace("public: false", "public: true");
    assert!(
        error_of(&public_with_secret).contains("demo-web uses none and must not have a secret")
    );
    let std_scope = GOOD.replace("{ name: notes:read,", "{ name: openid,");
    assert!(error_of(&std_scope).contains("is a built-in scope; do not declare it"));
    let http = GOOD.replace("http://127.0.0.1:3000", "http://app.example.com");
    assert!(error_of(&http).contains("http is only allowed for loopback hosts"));
}

#[test]
fn token_settings_are_validated() {
    let with = |extra: &str| {
        GOOD.replace(
            "    scopes: [openid,",
            &format!("{extra}\n    scopes: [openid,"),
        )
    };
    let spec = parse(
        &with("    access_token_format: jwt\n    access_token_ttl: 15m"),
        true,
    )
    .unwrap();
    let c = &spec.clients[&ClientId::parse("demo-web").unwrap()];
    assert_eq!(c.access_token_format, AccessTokenFormat::Jwt);
    assert_eq!(c.access_token_ttl, Duration::from_secs(900));
    assert_eq!(c.auth_method, AuthMethod::ClientSecretBasic);
    let refusals = [
        (
            "    access_token_ttl: 3d",
            "t.yaml:14: duration \"3d\" must be between 60s and 86400s",
        ),
        (
            "    access_token_format: paseto",
            "t.yaml:14: access_token_format must be biscuit or jwt",
        ),
        (
            "    token_endpoint_auth_method: private_key_jwt",
            "t.yaml:8: client demo-web uses private_key_jwt and must not have a secret",
        ),
        (
            "    default_scopes: [phone]",
            "t.yaml:14: default scope phone is not among client demo-web's scopes",
        ),
    ];
    for (line, expected) in refusals {
        assert_eq!(error_of(&with(line)), expected, "{line}");
    }
    assert_eq!(
        error_of(&GOOD.replace(
            "name: Demo Organisation",
            "name: Demo Organisation\nsigning_algorithm: HS256"
        )),
        "t.yaml:3: signing_algorithm must be ES256, RS256 or EdDSA, not \"HS256\""
    );
}

#[test]
fn private_key_jwt_needs_public_keys() {
    let base = GOOD.replace(
        "    secret: change-me\n",
        "    token_endpoint_auth_method: private_key_jwt\n",
    );
    assert_eq!(
        error_of(&base),
        "t.yaml:8: client demo-web uses private_key_jwt and needs jwks"
    );
    let with_keys = |jwk: &str| {
        base.replace(
            "    scopes: [openid,",
            &format!("    jwks: {{\"keys\": [{jwk}]}}\n    scopes: [openid,"),
        )
    };
    let public = r#"{"kty":"EC","crv":"P-256","x":"N-yQovc5Lv5Nw5kPv4_9t0PohfV3TEuBzCDCMpT2SOM","y":"p96SU0_DmgeyitSSlOjn1Q3hk1fdAweODW9BZ-Fzp2Y","kid":"k1"}"#;
    let spec = parse(&with_keys(public), true).unwrap();
    assert!(
        spec.clients[&ClientId::parse("demo-web").unwrap()]
            .jwks
            .is_some()
    );
    let private = public.replace("\"kid\"", "\"d\":\"c2VjcmV0\",\"kid\"");
    assert_eq!(
        error_of(&with_keys(&private)),
        "t.yaml:8: client demo-web: jwks must hold public keys only"
    );
}
