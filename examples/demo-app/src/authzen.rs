//! The remote path, for comparison with offline verification: one decision
//! from the tenant's AuthZEN endpoint (`{issuer}/access/v1/evaluation`),
//! asked as the app's own confidential client (HTTP Basic), about the user's
//! token. The tenant's policies decide; the answer is a boolean.

use crate::config::Config;
use anyhow::Context;
use serde_json::json;

/// May the holder of `token` do `action` to the note `id`?
pub async fn decide(
    http: &reqwest::Client,
    config: &Config,
    token: &str,
    action: &str,
    id: &str,
) -> anyhow::Result<bool> {
    let answer: serde_json::Value = http
        .post(format!("{}/access/v1/evaluation", config.issuer))
        .basic_auth(&config.client_id, Some(&config.client_secret))
        .json(&request(token, action, id))
        .send()
        .await?
        .error_for_status()
        .context("the AuthZEN endpoint refused the request")?
        .json()
        .await?;
    answer["decision"]
        .as_bool()
        .context("the AuthZEN answer has no decision")
}

fn request(token: &str, action: &str, id: &str) -> serde_json::Value {
    json!({
        "subject": {"type": "token", "id": token},
        "action": {"name": action},
        "resource": {"type": "note", "id": id},
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn asks_about_the_token_the_action_and_the_note() {
        assert_eq!(
            super::request("t0k", "notes:write", "new"),
            serde_json::json!({
                "subject": {"id": "t0k", "type": "token"},
                "action": {"name": "notes:write"},
                "resource": {"type": "note", "id": "new"},
            })
        );
    }
}
