//! A code or refresh token is redeemed at most once, even when 50 requests race
//! for it across two server processes sharing one database.

use crate::helpers::{TestApp, spawn_app_at, spawn_second};
use crate::signin::{CB, VERIFIER, WEB, query, sign_in, yaml};
use gatehouse::clock::SystemClock;
use serde_json::Value;
use std::sync::Arc;

async fn race(apps: [&TestApp; 2], form: Vec<(&'static str, String)>) -> (usize, usize) {
    let mut handles = Vec::new();
    for i in 0..50 {
        let app = apps[i % 2];
        let url = app.url("/t/acme/token");
        let form = form.clone();
        handles.push(actix_web::rt::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .basic_auth(WEB.0, Some(WEB.1))
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for h in handles {
        match h.await.unwrap() {
            200 => ok += 1,
            400 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    (ok, refused)
}

#[actix_web::test]
async fn fifty_concurrent_redemptions_of_one_code_succeed_once() {
    let a = spawn_app_at(
        |c| c.database.pool_size = 16,
        Some(&yaml("acme")),
        Arc::new(SystemClock),
    )
    .await;
    let b = spawn_second(&a).await;
    let browser = crate::signin::browser();
    let location = sign_in(&a, &browser, "openid offline_access", &["offline_access"]).await;
    let code = query(&location)["code"].clone();
    let form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code),
        ("redirect_uri", CB.to_owned()),
        ("code_verifier", VERIFIER.to_owned()),
    ];
    assert_eq!(race([&a, &b], form).await, (1, 49));
}

#[actix_web::test]
async fn fifty_concurrent_refreshes_of_one_token_succeed_once() {
    let a = spawn_app_at(
        |c| c.database.pool_size = 16,
        Some(&yaml("acme")),
        Arc::new(SystemClock),
    )
    .await;
    let b = spawn_second(&a).await;
    let browser = crate::signin::browser();
    let location = sign_in(&a, &browser, "openid offline_access", &["offline_access"]).await;
    let tokens: Value = crate::signin::exchange(&a, &query(&location)["code"], VERIFIER)
        .await
        .json()
        .await
        .unwrap();
    let form = vec![
        ("grant_type", "refresh_token".to_owned()),
        (
            "refresh_token",
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ];
    assert_eq!(race([&a, &b], form).await, (1, 49));
}
