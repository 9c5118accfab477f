//! The worst narrowed tokens a holder can build within Gatehouse's limits
//! (docs/tokens.md, "Limits on narrowing blocks"), for the benchmark
//! `bench/worst_token.sh`.
//!
//! ```sh
//! # time each shape in this process, against a token minted here
//! cargo run --release --example worst_token -- local
//! # narrow a real token with one shape; prints the narrowed token
//! cargo run --release --example worst_token -- craft http://127.0.0.1:8080/t/demo "$TOKEN" join
//! ```
//!
//! Each shape fills blocks greedily with the most expensive statements of its
//! kind, keeping every one whose addition the verifier's own estimate still
//! accepts — as an attacker with the source would.

#[path = "common/issuer_token.rs"]
mod issuer_token;

use biscuit_auth::builder::BlockBuilder;
use biscuit_auth::{Biscuit, KeyPair};
use gatehouse::authz::policy::{Caller, PolicySet, Question};
use gatehouse::verify::limits::{
    MAX_APPENDED_BLOCKS, MAX_CHECKS_PER_BLOCK, MAX_FACTS_PER_BLOCK, MAX_TOKEN_CHARS,
};
use gatehouse::verify::{Narrowing, Request, Verifier, World};
use std::time::{Duration, Instant, SystemTime};

const SHAPES: &[&str] = &[
    "join2", "join3", "regex", "closure", "strings", "rules", "scopes", "blocks", "facts",
];

/// Facts of one block, for a shape.
fn facts(shape: &str, block: usize) -> Vec<String> {
    match shape {
        // As many facts as leave room for the most statements joining them.
        "join2" => (0..12).map(|i| format!("n({})", block * 100 + i)).collect(),
        "join3" => (0..6).map(|i| format!("n({})", block * 100 + i)).collect(),
        "rules" => (0..8).map(|i| format!("n({})", block * 100 + i)).collect(),
        "strings" => (0..8)
            .map(|i| format!("s(\"{}{i}\")", "x".repeat(250)))
            .collect(),
        "facts" => (0..MAX_FACTS_PER_BLOCK)
            .map(|i| format!("f{i}(\"{}\", {block})", "y".repeat(250)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The `i`th statement (check or rule) of a block, for a shape.
fn statement(shape: &str, i: usize) -> String {
    let set: String = (0..32)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match shape {
        // Never true, so every binding is tried.
        "join2" => format!("check if n($a), n($b), $a + $b == -{i}"),
        "join3" => format!("check if n($a), n($b), n($c), $a + $b + $c == -{i}"),
        "regex" => {
            let pattern = format!("^(a|b|c|d|e|f|g|h)*[0-9]{{0,4}}x{i}(?:y|z)+$");
            format!(
                "check if time($t), resource($r) or time($t), \"{}\".matches(\"{pattern}\") && \"q\".matches(\"{pattern}\") && \"r\".matches(\"{pattern}\")",
                "ab".repeat(20)
            )
        }
        // One closure over the largest set: nested ones cost 32 × 32 per
        // binding in the estimate, over the budget at once.
        "closure" => {
            format!("check if time($t), {{{set}}}.all($x -> $x + {i} < 0 || $x * 2 == -1)")
        }
        "strings" => format!(
            "check if s($a), s($b), ($a + $b).contains(\"{}{i}\")",
            "z".repeat(200)
        ),
        "rules" => format!("p{i}($a, $b) <- n($a), n($b), $a + $b > {i}"),
        "scopes" => {
            format!("check if required_scope($s), $s.starts_with(\"notes:\") || $s.length() > {i}")
        }
        "blocks" => format!("check if time($t), $t > 2000-01-01T00:00:{:02}Z", i % 60),
        "facts" => format!("check if f{}($a, $b), $b == -1", i % 32),
        other => panic!("unknown shape {other}"),
    }
}

/// Appends blocks of `shape` to `token` while the verifier accepts them.
fn narrow(token: &Biscuit, shape: &str) -> Biscuit {
    let world = World::verifier();
    let mut token = token.clone();
    for block in 0..MAX_APPENDED_BLOCKS {
        let mut best: Option<Biscuit> = None;
        let mut code = String::new();
        for f in facts(shape, block) {
            code.push_str(&f);
            code.push_str(";\n");
        }
        let checks = if shape == "rules" {
            8
        } else {
            MAX_CHECKS_PER_BLOCK
        };
        for i in 0..checks {
            let candidate_code = format!("{code}{};\n", statement(shape, block * 100 + i));
            let Ok(b) = BlockBuilder::new().code(candidate_code.as_str()) else {
                panic!("does not parse: {candidate_code}");
            };
            let candidate = match token.append(b) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{shape}: cannot append: {e}");
                    break;
                }
            };
            let short = candidate
                .to_base64()
                .is_ok_and(|t| t.len() <= MAX_TOKEN_CHARS);
            let checked = Narrowing::read(&candidate).and_then(|n| n.within_budget(&world, 2));
            if let Err(e) = &checked
                && std::env::var("WORST_DEBUG").is_ok()
            {
                eprintln!("{shape}: stops: {e}");
            }
            let ok = short && checked.is_ok();
            if !ok {
                break;
            }
            code = candidate_code;
            best = Some(candidate);
        }
        match best {
            Some(b) => token = b,
            None => break,
        }
    }
    token
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn local() {
    let root = KeyPair::new();
    let exp = "2099-01-01T00:00:00Z";
    let scopes: String = (0..8).map(|i| format!("scope(\"notes:s{i}\");")).collect();
    let rights: String = (0..16).map(|i| format!("right(\"notes:r{i}\");")).collect();
    let base = Biscuit::builder()
        .code(format!(
            "tenant(\"acme\"); client(\"svc\"); sub(\"user-1\"); {scopes} {rights}
             issued_at(2026-01-01T00:00:00Z); expires_at({exp});
             check if time($t), $t < {exp};"
        ))
        .and_then(|b| b.root_key_id(1).build(&root))
        .unwrap_or_else(|e| panic!("{e}"));
    let verifier = Verifier::new("acme").with_root_key(1, &root.public().to_bytes_hex());
    let verifier = verifier.unwrap_or_else(|e| panic!("{e}"));
    let policies = PolicySet::new([]).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "| shape | blocks | chars | estimate | introspection | verify | decision |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for shape in SHAPES {
        let token = narrow(&base, shape);
        let text = token.to_base64().unwrap_or_default();
        let now = SystemTime::now();
        let n = Narrowing::read(&token).unwrap_or_else(|e| panic!("{shape}: {e}"));
        let introspect = time(51, || {
            let b = verifier
                .parse_token(&text)
                .unwrap_or_else(|e| panic!("{e}"));
            if let Ok(f) = verifier.trusted_facts(&b, |_| false) {
                let _ = Verifier::effective_grants(&b, &f, now);
            }
        });
        let verify = time(51, || {
            let _ = verifier.verify(&text, &Request::scope("notes:s0").resource("x"));
        });
        let decision = time(51, || {
            let b = verifier
                .parse_token(&text)
                .unwrap_or_else(|e| panic!("{e}"));
            let n = Narrowing::read(&b).unwrap_or_else(|e| panic!("{e}"));
            let _ = policies.decide(
                &Caller::Biscuit(&b, &n),
                &Question {
                    action: "users:read",
                    resource_type: "user",
                    resource_id: "user-1",
                    resource_tenant: "acme",
                    now,
                },
            );
        });
        let parse = time(51, || {
            let _ = verifier.parse_token(&text);
        });
        let parsed = verifier
            .parse_token(&text)
            .unwrap_or_else(|e| panic!("{e}"));
        let read = time(51, || {
            let _ = Narrowing::read(&parsed);
        });
        eprintln!(
            "{shape}: parse {:.0} µs, read {:.0} µs",
            parse.as_secs_f64() * 1e6,
            read.as_secs_f64() * 1e6
        );
        println!(
            "| {shape} | {} | {} | {} | {:.0} µs | {:.0} µs | {:.0} µs |",
            token.block_count() - 1,
            text.len(),
            n.cost(&World::verifier()),
            introspect.as_secs_f64() * 1e6,
            verify.as_secs_f64() * 1e6,
            decision.as_secs_f64() * 1e6,
        );
    }
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [_, "local"] => local(),
        [_, "craft", issuer, token, shape] => {
            let biscuit = issuer_token::parse_with_issuer_keys(issuer, token).await?;
            println!("{}", narrow(&biscuit, shape).to_base64()?);
        }
        _ => {
            eprintln!("usage: worst_token local | worst_token craft <issuer> <token> <shape>");
            eprintln!("shapes: {}", SHAPES.join(" "));
            std::process::exit(2);
        }
    }
    Ok(())
}
