use super::*;
use crate::oauth::RedirectUri;

const CB: &str = "https://app.example/cb";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn client() -> Arc<Client> {
    Arc::new(base())
}

fn base() -> Client {
    let mut c = Client::for_tests("web");
    c.redirect_uris = vec![RedirectUri::parse(CB).unwrap()];
    c.grant_types = [GrantType::AuthorizationCode].into();
    c.scopes = ["openid", "notes:read", "offline_access"]
        .map(String::from)
        .into();
    c
}

fn implicit_client() -> Arc<Client> {
    let mut c = base();
    c.public = true;
    c.allow_implicit = true;
    Arc::new(c)
}

const GOOD: &str = "client_id=web&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=openid%20notes%3Aread&state=s1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn parse_with(query: &str, c: Arc<Client>) -> Result<AuthorizationRequest, AuthorizeError> {
    let params = FormParams::parse(query.as_bytes()).unwrap();
    parse(&params, |id| (id == "web").then(|| c.clone()))
}

fn parse_q(query: &str) -> Result<AuthorizationRequest, AuthorizeError> {
    parse_with(query, client())
}

/// GOOD with `from` replaced by `to`.
fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replace(from, to)
}

fn page(r: Result<AuthorizationRequest, AuthorizeError>) -> String {
    match r {
        Err(AuthorizeError::Page(m)) => m.to_string(),
        other => panic!("expected a page, got {other:?}"),
    }
}

fn redirected(r: Result<AuthorizationRequest, AuthorizeError>) -> (OAuthErrorCode, String, bool) {
    match r {
        Err(AuthorizeError::Redirect {
            error,
            state,
            redirect_uri,
            fragment,
        }) => {
            assert_eq!(redirect_uri, CB);
            assert_eq!(state.as_deref(), Some("s1"));
            (
                error.error,
                error.error_description.unwrap_or_default(),
                fragment,
            )
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}

#[test]
fn a_valid_code_request_carries_its_challenge() {
    let r = parse_q(GOOD).unwrap();
    assert_eq!(
        r.response_type,
        ResponseType::Code(CodeChallenge {
            challenge: CHALLENGE.into(),
            method: Method::S256,
        })
    );
    assert_eq!(r.redirect_uri, CB);
    assert_eq!(r.scopes, ["notes:read", "openid"].map(String::from).into());
    assert_eq!(r.state.as_deref(), Some("s1"));
    assert_eq!(r.prompt, Prompt::default());
}

#[test]
fn what_cannot_be_trusted_is_a_page_never_a_redirect() {
    let not_registered = "The redirect_uri is not registered for this client.";
    let cases = [
        // RFC 6749 §4.1.2.1: no redirect to an unverified client or URI.
        (
            with("client_id=web&", ""),
            "The request names no client (client_id is missing).",
        ),
        (
            with("client_id=web", "client_id=other"),
            "There is no client \"other\" here.",
        ),
        (
            with("app.example%2Fcb", "evil.example%2Fcb"),
            not_registered,
        ),
        // Exact match (OAuth 2.1 §2.3.1): no prefix, no extra path.
        (with("%2Fcb", "%2Fcb%2Fmore"), not_registered),
        // Without redirect_uri only a single registered URI and no OIDC.
        (
            with("redirect_uri=https%3A%2F%2Fapp.example%2Fcb&", ""),
            "The request has no redirect_uri.",
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(page(parse_q(&query)), expected, "{query}");
    }
    let plain_oauth = with("redirect_uri=https%3A%2F%2Fapp.example%2Fcb&", "")
        .replace("scope=openid%20notes%3Aread", "scope=notes%3Aread");
    assert_eq!(parse_q(&plain_oauth).unwrap().redirect_uri, CB);
}

#[test]
fn the_rest_goes_back_to_the_client_with_the_reason() {
    use OAuthErrorCode::*;
    let cases: Vec<(String, OAuthErrorCode, &str)> = vec![
        (
            with("response_type=code&", ""),
            InvalidRequest,
            "response_type is required",
        ),
        (
            with("response_type=code", "response_type=id_token"),
            UnsupportedResponseType,
            "only response_type=code is supported",
        ),
        (
            with("response_type=code", "response_type=token"),
            UnsupportedResponseType,
            "only response_type=code is supported",
        ),
        (
            format!("{GOOD}&request=x"),
            InvalidRequest,
            "request objects are not supported",
        ),
        (
            format!("{GOOD}&request_uri=x"),
            InvalidRequest,
            "request_uri is not supported",
        ),
        (
            format!("{GOOD}&response_mode=fragment"),
            InvalidRequest,
            "only response_mode=query is supported",
        ),
        (
            with("scope=openid%20notes%3Aread&", ""),
            InvalidScope,
            "scope is required",
        ),
        (
            with("scope=openid%20notes%3Aread", "scope=openid%20admin"),
            InvalidScope,
            "scope not allowed for this client: admin",
        ),
        (
            with(
                "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "",
            ),
            InvalidRequest,
            "code_challenge is required (PKCE, RFC 7636)",
        ),
        (
            with("&code_challenge_method=S256", ""),
            InvalidRequest,
            "code_challenge_method must be S256",
        ),
        (
            with("code_challenge_method=S256", "code_challenge_method=plain"),
            InvalidRequest,
            "code_challenge_method must be S256",
        ),
        (
            with(CHALLENGE, "short"),
            InvalidRequest,
            "code_challenge is malformed",
        ),
        (
            format!("{GOOD}&prompt=none%20login"),
            InvalidRequest,
            "prompt=none cannot be combined with other values",
        ),
        (
            format!("{GOOD}&prompt=bogus"),
            InvalidRequest,
            "unsupported prompt value",
        ),
        (
            format!("{GOOD}&max_age=-1"),
            InvalidRequest,
            "max_age must be a non-negative integer",
        ),
    ];
    for (query, want, description) in cases {
        let (code, d, fragment) = redirected(parse_q(&query));
        assert_eq!(
            (code, d.as_str(), fragment),
            (want, description, false),
            "{query}"
        );
    }
    let no_code_grant = {
        let mut c = base();
        c.grant_types.clear();
        Arc::new(c)
    };
    let (code, d, _) = redirected(parse_with(GOOD, no_code_grant));
    assert_eq!(
        (code, d.as_str()),
        (
            UnauthorizedClient,
            "this client may not use the authorization code grant"
        )
    );
}

#[test]
fn prompt_and_max_age_are_read() {
    let r = parse_q(&format!("{GOOD}&prompt=login%20consent&max_age=0")).unwrap();
    assert_eq!(
        r.prompt,
        Prompt {
            none: false,
            login: true,
            consent: true
        }
    );
    assert_eq!(r.max_age, Some(0));
    // select_account means choose again: a fresh sign-in here.
    assert!(
        parse_q(&format!("{GOOD}&prompt=select_account"))
            .unwrap()
            .prompt
            .login
    );
}

#[test]
fn the_implicit_response_is_opt_in_and_never_offline() {
    let token = with("response_type=code", "response_type=token");
    let r = parse_with(&token, implicit_client()).unwrap();
    assert_eq!(r.response_type, ResponseType::Token);
    assert!(r.response_type.in_fragment());
    let offline = token.replace(
        "scope=openid%20notes%3Aread",
        "scope=openid%20offline_access",
    );
    let (code, d, fragment) = redirected(parse_with(&offline, implicit_client()));
    assert_eq!(
        (code, d.as_str(), fragment),
        (
            OAuthErrorCode::InvalidScope,
            "offline_access is not available with response_type=token",
            true
        )
    );
}

#[test]
fn the_sealed_form_is_the_one_earlier_versions_wrote() {
    let r = parse_q(GOOD).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["response_type"], "Code");
    assert_eq!(
        json["code_challenge"],
        serde_json::json!([CHALLENGE, "S256"])
    );
    let back: AuthorizationRequest = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, r);
    // A code request that lost its challenge does not open.
    let mut broken = json;
    broken["code_challenge"] = serde_json::Value::Null;
    assert!(serde_json::from_value::<AuthorizationRequest>(broken).is_err());
}
