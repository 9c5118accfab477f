use super::*;
use biscuit_auth::KeyPair;

static NONE: std::sync::LazyLock<Narrowing> = std::sync::LazyLock::new(Narrowing::none);

fn token(code: &str) -> Biscuit {
    Biscuit::builder()
        .code(code)
        .unwrap()
        .build(&KeyPair::new())
        .unwrap()
}

fn q<'a>(action: &'a str, id: &'a str, tenant: &'a str) -> Question<'a> {
    Question {
        action,
        resource_type: "user",
        resource_id: id,
        resource_tenant: tenant,
        now: SystemTime::now(),
    }
}

/// Asserts what `set` decides for `caller` on each question of `cases`.
fn assert_decides(set: &PolicySet, caller: &Caller, cases: &[(Question, Decision)]) {
    for (question, want) in cases {
        assert_eq!(set.decide(caller, question), *want, "{question:?}");
    }
}

/// [`assert_decides`] for the holder of a token with the facts of `code`.
fn assert_token_decides(set: &PolicySet, code: &str, cases: &[(Question, Decision)]) {
    let t = token(code);
    assert_decides(set, &Caller::Biscuit(&t, &NONE), cases);
}

const USER_ACTIONS: [&str; 3] = ["users:read", "users:update", "users:delete"];

#[test]
fn builtin_policies_self_service_managers_and_tenants() {
    use Decision::{Allow, Deny};
    let set = PolicySet::for_tenant([], &["app"]).unwrap();
    assert_eq!(set.len(), 3);
    let web = |scopes: &str| format!(r#"tenant("acme"); client("web"); sub("alice-id"); {scopes}"#);
    // A relying party's token for other things may not touch the record.
    let notes = web(r#"scope("openid"); scope("notes:read");"#);
    let own_denied = USER_ACTIONS.map(|a| (q(a, "alice-id", "acme"), Deny));
    assert_token_decides(&set, &notes, &own_denied);
    // profile reads; account reads and updates; a third party never deletes.
    let profile = [
        (q("users:read", "alice-id", "acme"), Allow),
        (q("users:update", "alice-id", "acme"), Deny),
    ];
    assert_token_decides(&set, &web(r#"scope("profile");"#), &profile);
    let account = [
        (q("users:read", "alice-id", "acme"), Allow),
        (q("users:update", "alice-id", "acme"), Allow),
        (q("users:delete", "alice-id", "acme"), Deny),
    ];
    assert_token_decides(&set, &web(r#"scope("account");"#), &account);
    // The first-party app deletes its own record, creates none and touches
    // no one else's.
    let first_party = r#"tenant("acme"); client("app"); sub("alice-id"); scope("account");"#;
    let bob_denied = USER_ACTIONS.map(|a| (q(a, "bob-id", "acme"), Deny));
    assert_token_decides(&set, first_party, &bob_denied);
    // Nobody crosses tenants, not even a manager, not even their own id.
    let own = [
        (q("users:delete", "alice-id", "acme"), Allow),
        (q("users:create", "alice-id", "acme"), Deny),
        (q("users:read", "alice-id", "other"), Deny),
    ];
    assert_token_decides(&set, first_party, &own);
    let admin = r#"tenant("acme"); client("web"); sub("root"); right("users:manage");"#;
    let manage = [
        (q("users:delete", "bob-id", "acme"), Allow),
        (q("users:delete", "bob-id", "other"), Deny),
    ];
    assert_token_decides(&set, admin, &manage);
}

const ALICE_PROFILE: &str = r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#;

#[test]
fn tenant_policies_come_first_and_cannot_lift_the_tenant_guard() {
    let set = PolicySet::new([
        ("no-deletes", "deny if action(\"users:delete\");"),
        ("open", "allow if true;"),
    ])
    .unwrap();
    let cases = [
        (q("users:delete", "alice-id", "acme"), Decision::Deny),
        (q("users:read", "bob-id", "acme"), Decision::Allow),
        (q("users:read", "bob-id", "other"), Decision::Deny),
    ];
    assert_token_decides(&set, ALICE_PROFILE, &cases);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let err = validate("broken", "allow if true;\nallow if action($a), $a ==;\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "policy broken: line 2, column 1: syntax error near \"allow if action($a), $a \""
    );
    let err = validate("p", "allow if true;\n\n  check if x(1) and;\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 3), "{err}");
    let err = PolicySet::new([("x", "allow iff true;")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "policy x: line 1, column 9: syntax error near \"f\""
    );
}

#[test]
fn the_resource_type_index_keeps_order_and_meaning() {
    let set = PolicySet::new([
        (
            "no-note-deletes",
            r#"deny if resource_type("note"), action("notes:delete");"#,
        ),
        (
            "docs",
            r#"allow if resource_type("doc"), action($a), $a.starts_with("docs:")
    or resource_type("sheet"), action($a), $a.starts_with("docs:");"#,
        ),
        (
            "notes",
            r#"allow if resource_type("note"), action($a), $a.starts_with("notes:");"#,
        ),
    ])
    .unwrap();
    let mut keys: Vec<&String> = set.by_type.keys().collect();
    keys.sort();
    assert_eq!(keys, ["doc", "note", "sheet", "tokens", "user"]);
    let ask = |kind: &'static str, action: &'static str| Question {
        action,
        resource_type: kind,
        resource_id: "x",
        resource_tenant: "acme",
        now: SystemTime::now(),
    };
    let cases = [
        (ask("note", "notes:read"), Decision::Allow),
        (ask("note", "notes:delete"), Decision::Deny),
        (ask("note", "docs:read"), Decision::Deny),
        (ask("sheet", "docs:read"), Decision::Allow),
        (ask("doc", "notes:read"), Decision::Deny),
        // Built-in policies are indexed too: the user type still works.
        (q("users:read", "alice-id", "acme"), Decision::Allow),
        (ask("other", "notes:read"), Decision::Deny),
    ];
    assert_token_decides(&set, ALICE_PROFILE, &cases);
}

#[test]
fn a_policy_deriving_resource_types_turns_the_index_off() {
    let set = PolicySet::new([(
        "alias",
        r#"resource_type("doc") <- resource_type("note");
allow if resource_type("doc"), action("docs:read");"#,
    )])
    .unwrap();
    assert!(set.by_type.is_empty());
    let alice = token(ALICE_PROFILE);
    let question = Question {
        action: "docs:read",
        resource_type: "note",
        resource_id: "x",
        resource_tenant: "acme",
        now: SystemTime::now(),
    };
    assert_eq!(
        set.decide(&Caller::Biscuit(&alice, &NONE), &question),
        Decision::Allow
    );
}

#[test]
fn a_pathological_policy_is_denied_not_hung() {
    // 30^3 = 27,000 derived facts: beyond the fact limit.
    let mut code = String::new();
    for i in 0..30 {
        code.push_str(&format!("n({i});\n"));
    }
    code.push_str("p($x, $y, $z) <- n($x), n($y), n($z);\nallow if p(1, 2, 3);\n");
    let set = PolicySet::new([("explode", code.as_str())]).unwrap();
    let alice = token(ALICE_PROFILE);
    let start = std::time::Instant::now();
    assert_eq!(
        set.decide(
            &Caller::Biscuit(&alice, &NONE),
            &q("users:read", "x", "acme")
        ),
        Decision::LimitReached
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn jwt_claims_are_facts_too() {
    let set = PolicySet::new([]).unwrap();
    let scopes = BTreeSet::new();
    let rights = ["users:manage".to_owned()].into();
    let claims = Caller::Claims(TokenClaims {
        tenant: "acme",
        client_id: Some("svc"),
        subject: None,
        scopes: &scopes,
        rights: &rights,
    });
    let cases = [
        (q("users:read", "bob-id", "acme"), Decision::Allow),
        (q("notes:read", "bob-id", "acme"), Decision::Deny),
    ];
    assert_decides(&set, &claims, &cases);
}
