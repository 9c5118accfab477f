//! Table-driven tests of `grants::authorization_code::check`: one case per refusal.

use super::*;
use base64::Engine;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn now() -> NaiveDateTime {
    DateTime::from_timestamp(1_800_000_000, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn row() -> CodeRow {
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(VERIFIER.as_bytes()));
    CodeRow {
        code_sha256: "h".into(),
        tenant_id: "t".into(),
        client_id: "app".into(),
        user_id: "u".into(),
        session_id: "s".into(),
        redirect_uri: "https://app.example/cb".into(),
        scopes: r#"["openid"]"#.into(),
        nonce: None,
        code_challenge: Some(challenge),
        code_challenge_method: Some("S256".into()),
        auth_time: now(),
        amr: r#"["pwd"]"#.into(),
        state: codes::ACTIVE.into(),
        family_id: None,
        access_revocation_id: None,
        access_expires_at: None,
        created_at: now(),
        expires_at: now() + chrono::Duration::seconds(60),
    }
}

fn request() -> CodeRequest {
    CodeRequest {
        code: secrets::AuthorizationCode::new("c"),
        redirect_uri: Some("https://app.example/cb".into()),
        verifier: Some(PkceVerifier::new(VERIFIER)),
    }
}

#[test]
fn a_good_redemption_passes() {
    let active = Some(UserStatus::Active);
    assert_eq!(check(&row(), "app", &request(), active, now()), Ok(()));
}

struct Case {
    row: CodeRow,
    request: CodeRequest,
    client: &'static str,
    user: Option<UserStatus>,
    now: NaiveDateTime,
}

type Change = fn(&mut Case);

fn run(change: Change) -> Result<(), Refusal> {
    let mut c = Case {
        row: row(),
        request: request(),
        client: "app",
        user: Some(UserStatus::Active),
        now: now(),
    };
    change(&mut c);
    check(&c.row, c.client, &c.request, c.user, c.now)
}

#[test]
fn every_refusal() {
    let cases: [(&str, Change, Refusal); 13] = [
        (
            "wrong verifier",
            |c| c.request.verifier = Some(PkceVerifier::new(VERIFIER.replace('d', "e"))),
            Refusal::WrongVerifier,
        ),
        (
            "malformed verifier",
            |c| c.request.verifier = Some(PkceVerifier::new("short")),
            Refusal::WrongVerifier,
        ),
        (
            "missing verifier",
            |c| c.request.verifier = None,
            Refusal::MissingVerifier,
        ),
        (
            "a code without a challenge",
            |c| c.row.code_challenge = None,
            Refusal::WrongVerifier,
        ),
        (
            "redirect mismatch",
            |c| c.request.redirect_uri = Some("https://app.example/other".into()),
            Refusal::RedirectMismatch,
        ),
        (
            "redirect missing",
            |c| c.request.redirect_uri = None,
            Refusal::RedirectMismatch,
        ),
        ("other client", |c| c.client = "other", Refusal::OtherClient),
        (
            "expired",
            |c| c.now += chrono::Duration::seconds(60),
            Refusal::Expired,
        ),
        (
            "disabled user",
            |c| c.user = Some(UserStatus::Disabled),
            Refusal::UserInactive,
        ),
        ("user gone", |c| c.user = None, Refusal::UserInactive),
        (
            "replay",
            |c| c.row.state = codes::REDEEMED.into(),
            Refusal::Replayed,
        ),
        (
            "banned",
            |c| c.row.state = codes::REVOKED.into(),
            Refusal::Revoked,
        ),
        (
            "another client's code is not judged further",
            |c| {
                c.client = "other";
                c.request.verifier = None;
                c.user = None;
            },
            Refusal::OtherClient,
        ),
    ];
    for (what, change, refusal) in cases {
        assert_eq!(run(change), Err(refusal), "{what}");
    }
}

#[test]
fn a_replay_is_reported_before_the_request_is_judged() {
    let mut c = row();
    c.state = codes::REDEEMED.into();
    let mut r = request();
    r.verifier = None;
    assert_eq!(check(&c, "app", &r, None, now()), Err(Refusal::Replayed));
}

#[test]
fn refusals_are_invalid_grant_with_their_words() {
    let e = Refusal::Replayed.error();
    assert_eq!(e.error, OAuthErrorCode::InvalidGrant);
    assert_eq!(
        e.error_description.as_deref(),
        Some("the code was already used")
    );
    assert_eq!(
        Refusal::MissingVerifier.error(),
        Refusal::WrongVerifier.error(),
        "a missing verifier is not told apart"
    );
}
