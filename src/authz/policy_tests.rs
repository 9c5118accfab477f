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

#[test]
fn builtin_policies_self_service_managers_and_tenants() {
    let set = PolicySet::for_tenant([], &["app"]).unwrap();
    assert_eq!(set.len(), 3);
    let decide = |code: &str, action: &str, id: &str| {
        let t = token(code);
        set.decide(&Caller::Biscuit(&t, &NONE), &q(action, id, "acme"))
    };
    let web = |scopes: &str| format!(r#"tenant("acme"); client("web"); sub("alice-id"); {scopes}"#);
    // A relying party's token for other things may not touch the record.
    let notes = web(r#"scope("openid"); scope("notes:read");"#);
    for action in ["users:read", "users:update", "users:delete"] {
        assert_eq!(
            decide(&notes, action, "alice-id"),
            Decision::Deny,
            "{action}"
        );
    }
    // profile reads; account reads and updates; a third party never deletes.
    let profile = web(r#"scope("profile");"#);
    assert_eq!(decide(&profile, "users:read", "alice-id"), Decision::Allow);
    assert_eq!(decide(&profile, "users:update", "alice-id"), Decision::Deny);
    let account = web(r#"scope("account");"#);
    assert_eq!(decide(&account, "users:read", "alice-id"), Decision::Allow);
    assert_eq!(
        decide(&account, "users:update", "alice-id"),
        Decision::Allow
    );
    assert_eq!(decide(&account, "users:delete", "alice-id"), Decision::Deny);
    let first_party = r#"tenant("acme"); client("app"); sub("alice-id"); scope("account");"#;
    assert_eq!(
        decide(first_party, "users:delete", "alice-id"),
        Decision::Allow
    );
    for action in ["users:read", "users:update", "users:delete"] {
        assert_eq!(decide(first_party, action, "bob-id"), Decision::Deny);
    }
    let alice = token(r#"tenant("acme"); client("app"); sub("alice-id"); scope("account");"#);
    let alice = Caller::Biscuit(&alice, &NONE);
    assert_eq!(
        set.decide(&alice, &q("users:create", "alice-id", "acme")),
        Decision::Deny
    );
    let admin = token(r#"tenant("acme"); client("web"); sub("root"); right("users:manage");"#);
    let admin = Caller::Biscuit(&admin, &NONE);
    assert_eq!(
        set.decide(&admin, &q("users:delete", "bob-id", "acme")),
        Decision::Allow
    );
    // Nobody crosses tenants, not even a manager, not even their own id.
    assert_eq!(
        set.decide(&admin, &q("users:delete", "bob-id", "other")),
        Decision::Deny
    );
    assert_eq!(
        set.decide(&alice, &q("users:read", "alice-id", "other")),
        Decision::Deny
    );
}

#[test]
fn tenant_policies_come_first_and_cannot_lift_the_tenant_guard() {
    let set = PolicySet::new([
        ("no-deletes", "deny if action(\"users:delete\");"),
        ("open", "allow if true;"),
    ])
    .unwrap();
    let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
    let alice = Caller::Biscuit(&alice, &NONE);
    assert_eq!(
        set.decide(&alice, &q("users:delete", "alice-id", "acme")),
        Decision::Deny
    );
    assert_eq!(
        set.decide(&alice, &q("users:read", "bob-id", "acme")),
        Decision::Allow
    );
    assert_eq!(
        set.decide(&alice, &q("users:read", "bob-id", "other")),
        Decision::Deny
    );
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
    let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
    let alice = Caller::Biscuit(&alice, &NONE);
    let ask = |kind: &'static str, action: &'static str| Question {
        action,
        resource_type: kind,
        resource_id: "x",
        resource_tenant: "acme",
        now: SystemTime::now(),
    };
    assert_eq!(
        set.decide(&alice, &ask("note", "notes:read")),
        Decision::Allow
    );
    assert_eq!(
        set.decide(&alice, &ask("note", "notes:delete")),
        Decision::Deny
    );
    assert_eq!(
        set.decide(&alice, &ask("note", "docs:read")),
        Decision::Deny
    );
    assert_eq!(
        set.decide(&alice, &ask("sheet", "docs:read")),
        Decision::Allow
    );
    assert_eq!(
        set.decide(&alice, &ask("doc", "notes:read")),
        Decision::Deny
    );
    // Built-in policies are indexed too: the user type still works.
    assert_eq!(
        set.decide(&alice, &q("users:read", "alice-id", "acme")),
        Decision::Allow
    );
    assert_eq!(
        set.decide(&alice, &ask("other", "notes:read")),
        Decision::Deny
    );
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
    let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
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
    let alice = token(r#"tenant("acme"); client("web"); sub("alice-id"); scope("profile");"#);
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
    assert_eq!(
        set.decide(&claims, &q("users:read", "bob-id", "acme")),
        Decision::Allow
    );
    assert_eq!(
        set.decide(&claims, &q("notes:read", "bob-id", "acme")),
        Decision::Deny
    );
}
