//! Table-driven tests of `grants::refresh_token::check`: one case per refusal.

use super::*;

fn now() -> NaiveDateTime {
    DateTime::from_timestamp(1_800_000_000, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn token() -> TokenRow {
    TokenRow {
        token_sha256: "h".into(),
        tenant_id: "t".into(),
        family_id: "f".into(),
        state: refresh::ACTIVE.into(),
        rotated_at: None,
        created_at: now(),
        expires_at: now() + chrono::Duration::days(1),
    }
}

fn family() -> FamilyRow {
    FamilyRow {
        id: "f".into(),
        tenant_id: "t".into(),
        client_id: "app".into(),
        user_id: "u".into(),
        session_id: None,
        scopes: r#"["notes:read","offline_access","openid"]"#.into(),
        auth_time: now(),
        amr: r#"["pwd"]"#.into(),
        state: refresh::ACTIVE.into(),
        created_at: now(),
        revoked_at: None,
    }
}

struct Case {
    token: TokenRow,
    family: FamilyRow,
    client: &'static str,
    grace: chrono::Duration,
    scope: Option<ScopeSet>,
    user: Option<UserStatus>,
}

type Change = fn(&mut Case);

fn case() -> Case {
    Case {
        token: token(),
        family: family(),
        client: "app",
        grace: chrono::Duration::zero(),
        scope: None,
        user: Some(UserStatus::Active),
    }
}

fn run(c: &Case) -> Result<Checked, Refusal> {
    check(
        &c.token,
        &c.family,
        c.client,
        c.grace,
        c.scope.as_ref(),
        c.user,
        now(),
    )
}

fn scopes(raw: &str) -> ScopeSet {
    ScopeSet::parse(raw).unwrap()
}

#[test]
fn an_active_token_rotates_with_all_its_scope() {
    assert_eq!(
        run(&case()),
        Ok(Checked {
            scopes: scopes("openid offline_access notes:read"),
            rotates: true
        })
    );
    let mut narrower = case();
    narrower.scope = Some(scopes("notes:read"));
    assert_eq!(run(&narrower).map(|c| c.scopes), Ok(scopes("notes:read")));
}

#[test]
fn a_rotated_token_within_the_grace_period_does_not_rotate_again() {
    let mut c = case();
    c.grace = chrono::Duration::seconds(10);
    c.token.state = refresh::ROTATED.into();
    c.token.rotated_at = Some(now() - chrono::Duration::seconds(10));
    assert_eq!(run(&c).map(|c| c.rotates), Ok(false));
    c.token.rotated_at = Some(now() - chrono::Duration::seconds(11));
    assert_eq!(run(&c), Err(Refusal::Reused), "past the grace period");
}

#[test]
fn every_refusal() {
    let cases: [(&str, Change, Refusal); 8] = [
        ("other client", |c| c.client = "other", Refusal::OtherClient),
        (
            "revoked family",
            |c| c.family.state = refresh::REVOKED.into(),
            Refusal::Revoked,
        ),
        (
            "replay without a grace period",
            |c| {
                c.token.state = refresh::ROTATED.into();
                c.token.rotated_at = Some(now());
            },
            Refusal::Reused,
        ),
        ("expired", |c| c.token.expires_at = now(), Refusal::Expired),
        (
            "revoked token",
            |c| c.token.state = refresh::REVOKED.into(),
            Refusal::Expired,
        ),
        (
            "wider scope",
            |c| c.scope = Some(scopes("openid notes:write")),
            Refusal::ScopeWidened,
        ),
        (
            "disabled user",
            |c| c.user = Some(UserStatus::Disabled),
            Refusal::UserInactive,
        ),
        ("user gone", |c| c.user = None, Refusal::UserInactive),
    ];
    for (what, change, refusal) in cases {
        let mut c = case();
        change(&mut c);
        assert_eq!(run(&c), Err(refusal), "{what}");
    }
}

#[test]
fn reuse_is_reported_before_the_request_is_judged() {
    let mut c = case();
    c.token.state = refresh::ROTATED.into();
    c.token.rotated_at = Some(now());
    c.scope = Some(scopes("admin"));
    c.user = None;
    assert_eq!(run(&c), Err(Refusal::Reused));
}

#[test]
fn what_each_refusal_answers_and_does() {
    assert_eq!(
        Refusal::ScopeWidened.error().error,
        OAuthErrorCode::InvalidScope
    );
    assert_eq!(Refusal::Reused.error().error, OAuthErrorCode::InvalidGrant);
    let revoking: Vec<Refusal> = [
        Refusal::Unknown,
        Refusal::OtherClient,
        Refusal::Revoked,
        Refusal::Reused,
        Refusal::Expired,
        Refusal::ScopeWidened,
        Refusal::UserInactive,
    ]
    .into_iter()
    .filter(|r| r.revokes_family())
    .collect();
    assert_eq!(revoking, [Refusal::Reused, Refusal::UserInactive]);
}
