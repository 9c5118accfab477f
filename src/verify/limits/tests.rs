use super::*;
use biscuit_auth::KeyPair;
use biscuit_auth::builder::BlockBuilder;

fn token(blocks: &[&str]) -> Biscuit {
    let mut t = Biscuit::builder()
        .code(
            r#"tenant("acme"); client("svc"); scope("notes:read"); right("notes:read");
                   expires_at(2099-01-01T00:00:00Z);
                   check if time($t), $t < 2099-01-01T00:00:00Z;"#,
        )
        .unwrap()
        .build(&KeyPair::new())
        .unwrap();
    for b in blocks {
        t = t.append(BlockBuilder::new().code(*b).unwrap()).unwrap();
    }
    t
}

fn refused(blocks: &[&str]) -> String {
    match Narrowing::read(&token(blocks))
        .and_then(|n| n.within_budget(&World::verifier(), 2).map(|_| n))
    {
        Err(VerifyError::OverLimits(why)) => why,
        other => panic!("not refused: {other:?}"),
    }
}

fn n_facts(count: usize) -> String {
    (0..count).map(|i| format!("n({i});")).collect()
}

#[test]
fn the_join_that_stalled_workers_is_refused_by_its_shape() {
    // The reported token: ten facts and a six-way join.
    let block = format!(
        "{} check if n($a), n($b), n($c), n($d), n($e), n($f), $a + $b + $c + $d + $e + $f == -1;",
        n_facts(10)
    );
    assert_eq!(
        refused(&[&block]),
        "block 1: a query with more than 4 predicates"
    );
}

#[test]
fn a_join_within_the_shape_but_over_the_budget_is_refused_by_its_cost() {
    // 32^4 ≈ 10^6 bindings.
    let block = format!(
        "{} check if n($a), n($b), n($c), n($d), $a + $b + $c + $d == -1;",
        n_facts(32)
    );
    let why = refused(&[&block]);
    assert!(
        why.starts_with("evaluating the narrowing blocks would cost "),
        "{why}"
    );
    // Spread over blocks, the facts still join.
    let facts = n_facts(16);
    let check = "check if n($a), n($b), n($c), n($d), $a + $b + $c + $d == -1;";
    let why = refused(&[&facts, &facts, check]);
    assert!(why.starts_with("evaluating"), "{why}");
}

#[test]
fn ordinary_narrowing_is_cheap_and_its_expiry_is_read() {
    let t = token(&[r#"
            check if required_scope($s), ["notes:read"].contains($s);
            check if resource("note-42");
            check if time($t), $t < 2026-11-26T10:15:00Z;
        "#]);
    let n = Narrowing::read(&t).unwrap();
    assert!(
        n.cost(&World::verifier()) < 5_000,
        "{}",
        n.cost(&World::verifier())
    );
    assert!(n.reads_required_scope);
    assert!(!n.reads_required_right);
    assert_eq!(n.expiry, Expiry::Before(1_795_688_100));
    assert!(n.is_narrowed());
    assert_eq!(Narrowing::read(&token(&[])).unwrap(), Narrowing::none());
}

#[test]
fn each_shape_limit_names_itself() {
    let too_many = |stmt: &str, n: usize| -> String {
        (0..n)
            .map(|i| stmt.replace("{i}", &i.to_string()))
            .collect()
    };
    let blocks: Vec<String> = (0..9).map(|_| "check if true;".to_owned()).collect();
    let blocks: Vec<&str> = blocks.iter().map(String::as_str).collect();
    assert_eq!(refused(&blocks), "more than 8 appended blocks");
    assert_eq!(refused(&[&n_facts(33)]), "block 1: more than 32 facts");
    assert_eq!(
        refused(&[&too_many("r{i}($x) <- scope($x);", 9)]),
        "block 1: more than 8 rules"
    );
    assert_eq!(
        refused(&[&too_many("check if scope(\"{i}\");", 17)]),
        "block 1: more than 16 checks"
    );
    assert_eq!(
        refused(&[
            "check if scope(\"a\") or scope(\"b\") or scope(\"c\") or scope(\"d\") or scope(\"e\");"
        ]),
        "block 1: a check with more than 4 alternatives"
    );
    assert_eq!(
        refused(&["check if n($a, $b, $c, $d, $e), m($f, $g, $h, $i);"]),
        "block 1: a query with more than 8 variables"
    );
    let long = "x".repeat(257);
    assert_eq!(
        refused(&[&format!("check if resource(\"{long}\");")]),
        "block 1: a string over 256 bytes"
    );
    let items: Vec<String> = (0..33).map(|i| i.to_string()).collect();
    assert_eq!(
        refused(&[&format!(
            "check if n($x), [{}].contains($x);",
            items.join(",")
        )]),
        "block 1: a collection of more than 32 items"
    );
    assert_eq!(
        refused(&["check if resource($r), $r.matches($r);"]),
        "block 1: a regex pattern that is not a literal string"
    );
    assert_eq!(
        refused(&[&format!(
            "check if resource($r), $r.matches(\"{}\");",
            "a".repeat(65)
        )]),
        "block 1: a regex pattern over 64 bytes"
    );
    assert_eq!(
        refused(&["check if [1].all($a -> [1].all($b -> [1].all($c -> $a == $c)));"]),
        "block 1: closures nested more than 2 deep"
    );
    let ops = (0..40)
        .map(|i| format!("$x != {i}"))
        .collect::<Vec<_>>()
        .join(" && ");
    assert_eq!(
        refused(&[&format!("check if n($x), {ops};")]),
        "block 1: a query with more than 64 expression operations"
    );
}

#[test]
fn the_evaluators_own_rules_make_joins_on_what_they_derive_expensive() {
    let t = token(&["check if role($a), role($b), $a != $b;"]);
    let n = Narrowing::read(&t).unwrap();
    let plain = World::with_facts(&["time"]);
    assert!(n.within_budget(&plain, 1).is_ok());
    let mut derived = World::with_facts(&["time"]);
    derived.add_derived(("role".to_owned(), 1));
    assert!(n.within_budget(&derived, 1).is_err());
}

#[test]
fn rules_are_counted_for_every_iteration_and_chains_as_many_as_allowed() {
    let facts = n_facts(20);
    let one = token(&[&format!("{facts} p($a, $b) <- n($a), n($b);")]);
    let chained = token(&[&format!(
        "{facts} p($a, $b) <- n($a), n($b); q($a) <- p($a, $b), p($b, $a);"
    )]);
    let c1 = Narrowing::read(&one).unwrap().cost(&World::verifier());
    let c2 = Narrowing::read(&chained).unwrap().cost(&World::verifier());
    assert!(c2 > c1 * 100, "{c1} {c2}");
    assert!(
        Narrowing::read(&chained)
            .unwrap()
            .within_budget(&World::verifier(), 1)
            .is_err()
    );
}

#[test]
fn unions_grow_collections_and_closures_over_them_cost_accordingly() {
    let set: String = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let unions: String = (0..11)
        .map(|k| format!(".union({{{}}})", set.replace(',', &format!("{k},"))))
        .collect();
    let big = format!("{{{set}}}{unions}");
    let nested = format!("check if {big}.all($a -> {big}.all($b -> $a < $b));");
    let why = refused(&[&nested]);
    assert!(
        why.starts_with("evaluating the narrowing blocks would cost"),
        "{why}"
    );
    // One closure over one literal set stays affordable.
    let t = token(&[&format!("check if {{{set}}}.all($a -> $a >= 0);")]);
    let n = Narrowing::read(&t).unwrap();
    assert!(n.within_budget(&World::verifier(), 2).is_ok());
}

#[test]
fn regex_patterns_must_compile_small() {
    let check = |p: &str| format!(r#"check if resource($r), $r.matches("{p}");"#);
    for ok in ["^/notes/[0-9]+$", "(?i)^[a-z]{1,8}$", "^a.b$"] {
        let t = token(&[&check(ok)]);
        assert!(Narrowing::read(&t).is_ok(), "{ok}");
    }
    assert_eq!(
        refused(&[&check(r"\\w{1000}")]),
        "block 1: a regex class of more than 16 ranges (use ASCII classes such as [a-z0-9])"
    );
    assert_eq!(
        refused(&[&check("(a{20}){20}")]),
        "block 1: a regex pattern that expands to more than 256 characters"
    );
    assert_eq!(
        refused(&[&check(r"\\pL")]),
        "block 1: a regex class of more than 16 ranges (use ASCII classes such as [a-z0-9])"
    );
}

#[test]
fn chained_rules_count_one_iteration_per_link() {
    let chain: String = (1..=8)
        .map(|i| format!("p{i}(1) <- p{}(1); ", i - 1))
        .collect();
    let t = token(&[&format!("p0(1); {chain}")]);
    let n = Narrowing::read(&t).unwrap();
    assert_eq!(n.rule_chain(), 8);
    let cycle = token(&["p(1) <- q(1); q(1) <- p(1);"]);
    assert_eq!(
        Narrowing::read(&cycle).unwrap().rule_chain(),
        MAX_ITERATIONS
    );
    let one = token(&["p(1) <- scope(\"notes:read\");"]);
    assert_eq!(Narrowing::read(&one).unwrap().rule_chain(), 1);
}
