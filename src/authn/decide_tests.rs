use super::*;
use crate::oauth::authorize::{CodeChallenge, Prompt, ResponseType};
use crate::oauth::pkce::Method;

fn at(secs: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
        .unwrap()
        .naive_utc()
}

fn scopes(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn request(prompt: Prompt, max_age: Option<i64>) -> AuthorizationRequest {
    AuthorizationRequest {
        client_id: "web".into(),
        response_type: ResponseType::Code(CodeChallenge {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: Method::S256,
        }),
        redirect_uri: "https://app.example/cb".into(),
        scopes: scopes(&["openid", "notes:read"]),
        state: None,
        nonce: None,
        prompt,
        max_age,
        login_hint: None,
        ui_locales: None,
        acr_values: None,
    }
}

fn code(next: &Next) -> Option<OAuthErrorCode> {
    match next {
        Next::Error(e) => Some(e.error),
        _ => None,
    }
}

/// (request, client, sign-in, remembered consent) → next.
type Case<'a> = (
    AuthorizationRequest,
    &'a Client,
    Option<SignIn>,
    Option<&'a BTreeSet<String>>,
    Next,
);

#[test]
fn every_path_of_the_decision() {
    let third_party = Client::for_tests("web");
    let first_party = Client {
        first_party: true,
        ..Client::for_tests("web")
    };
    let fresh = Some(SignIn {
        auth_time: at(-10),
        needs_second_factor: false,
    });
    let old = Some(SignIn {
        auth_time: at(-3600),
        needs_second_factor: false,
    });
    let none = Prompt {
        none: true,
        ..Prompt::default()
    };
    let login = Prompt {
        login: true,
        ..Prompt::default()
    };
    let consent = Prompt {
        consent: true,
        ..Prompt::default()
    };
    let all = scopes(&["notes:read"]);
    let less = scopes(&[]);
    let issue = Next::Issue(scopes(&["openid", "notes:read"]));
    // (request, client, sign-in, remembered consent) → next
    let cases: Vec<Case<'_>> = vec![
        (
            request(Prompt::default(), None),
            &third_party,
            None,
            None,
            Next::Login,
        ),
        (
            request(Prompt::default(), None),
            &third_party,
            fresh,
            None,
            Next::Consent,
        ),
        (
            request(Prompt::default(), None),
            &third_party,
            fresh,
            Some(&all),
            issue.clone(),
        ),
        (
            request(Prompt::default(), None),
            &third_party,
            fresh,
            Some(&less),
            Next::Consent,
        ),
        (
            request(consent, None),
            &third_party,
            fresh,
            Some(&all),
            Next::Consent,
        ),
        (
            request(login, None),
            &third_party,
            fresh,
            Some(&all),
            Next::Login,
        ),
        (
            request(Prompt::default(), Some(60)),
            &third_party,
            old,
            Some(&all),
            Next::Login,
        ),
        (
            request(Prompt::default(), Some(60)),
            &third_party,
            fresh,
            Some(&all),
            issue.clone(),
        ),
        (
            request(Prompt::default(), None),
            &first_party,
            fresh,
            None,
            issue.clone(),
        ),
        (
            request(none, None),
            &first_party,
            fresh,
            None,
            issue.clone(),
        ),
        (request(none, None), &third_party, fresh, Some(&all), issue),
    ];
    for (i, (req, client, sign_in, remembered, want)) in cases.into_iter().enumerate() {
        assert_eq!(
            decide(&req, client, sign_in, remembered, at(0)),
            want,
            "case {i}"
        );
    }
    // prompt=none never shows a page: the error goes back to the client.
    let n = decide(&request(none, None), &third_party, None, None, at(0));
    assert_eq!(code(&n), Some(OAuthErrorCode::LoginRequired));
    let n = decide(
        &request(none, Some(60)),
        &third_party,
        old,
        Some(&all),
        at(0),
    );
    assert_eq!(code(&n), Some(OAuthErrorCode::LoginRequired));
    let n = decide(
        &request(none, None),
        &third_party,
        fresh,
        Some(&less),
        at(0),
    );
    assert_eq!(code(&n), Some(OAuthErrorCode::ConsentRequired));
}

#[test]
fn a_missing_second_factor_comes_before_consent_and_issuing() {
    let lacking = Some(SignIn {
        auth_time: at(-10),
        needs_second_factor: true,
    });
    let first_party = Client {
        first_party: true,
        ..Client::for_tests("web")
    };
    let all = scopes(&["notes:read"]);
    for client in [&Client::for_tests("web"), &first_party] {
        let n = decide(
            &request(Prompt::default(), None),
            client,
            lacking,
            Some(&all),
            at(0),
        );
        assert_eq!(n, Next::SecondFactor);
    }
    // prompt=none cannot ask for it (OIDC Core §3.1.2.6).
    let none = Prompt {
        none: true,
        ..Prompt::default()
    };
    let n = decide(
        &request(none, None),
        &first_party,
        lacking,
        Some(&all),
        at(0),
    );
    assert_eq!(code(&n), Some(OAuthErrorCode::InteractionRequired));
    // A sign-in that is too old is a new sign-in first.
    let n = decide(
        &request(Prompt::default(), Some(5)),
        &first_party,
        lacking,
        None,
        at(0),
    );
    assert_eq!(n, Next::Login);
}

#[test]
fn the_grant_is_what_was_ticked_among_the_requested_and_openid() {
    let req = request(Prompt::default(), None);
    assert_eq!(granted(&req, &scopes(&[])), scopes(&["openid"]));
    assert_eq!(
        granted(&req, &scopes(&["notes:read", "admin"])),
        scopes(&["openid", "notes:read"])
    );
}
