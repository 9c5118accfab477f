//! The `sms:` settings: how one-time codes reach a phone (`crate::sms`).

use super::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmsTransport {
    /// Development: the message is logged, the number masked.
    #[default]
    Log,
    /// POST JSON to `sms.webhook.url`, signed (docs/mfa.md).
    Webhook,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    pub sender: SmsTransport,
    pub webhook: WebhookConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Where to POST (`https://`, or `http://` on loopback).
    pub url: Option<String>,
    /// The HMAC-SHA256 key of the signature header (prefer `secret_file` or
    /// the `GATEHOUSE_SMS__WEBHOOK__SECRET` variable).
    pub secret: Option<SecretString>,
    pub secret_file: Option<PathBuf>,
    /// One attempt, connecting included.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Attempts after the first when the receiver cannot be reached or
    /// answers 5xx or 429.
    pub retries: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: None,
            secret: None,
            secret_file: None,
            timeout: Duration::from_secs(5),
            retries: 2,
        }
    }
}

/// The rules types cannot say; the key and what is wrong.
pub fn check(sms: &SmsConfig) -> Result<(), (&'static str, String)> {
    let w = &sms.webhook;
    if w.secret.is_some() && w.secret_file.is_some() {
        return Err((
            "sms.webhook.secret",
            "set secret or secret_file, not both".into(),
        ));
    }
    if w.timeout.is_zero() {
        return Err(("sms.webhook.timeout", "must be longer than zero".into()));
    }
    if w.retries > 5 {
        return Err(("sms.webhook.retries", "at most 5".into()));
    }
    if sms.sender != SmsTransport::Webhook {
        return Ok(());
    }
    let Some(raw) = &w.url else {
        return Err((
            "sms.webhook.url",
            "sms.sender is webhook: set the URL to POST to".into(),
        ));
    };
    let url = url::Url::parse(raw).map_err(|e| ("sms.webhook.url", format!("not a URL ({e})")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err((
            "sms.webhook.url",
            "use https:// (http:// only to this machine)".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err((
            "sms.webhook.url",
            "no credentials in the URL: the request is signed with sms.webhook.secret".into(),
        ));
    }
    if w.secret.is_none() && w.secret_file.is_none() {
        return Err((
            "sms.webhook.secret",
            "the webhook's requests are signed: set secret or secret_file".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str) -> SmsConfig {
        SmsConfig {
            sender: SmsTransport::Webhook,
            webhook: WebhookConfig {
                url: Some(url.into()),
                secret: Some(SecretString::new("k")),
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_default_logs_and_needs_nothing() {
        assert_eq!(check(&SmsConfig::default()), Ok(()));
    }

    #[test]
    fn a_webhook_is_https_or_loopback_signed_and_credential_free() {
        for ok in ["https://sms.example/send", "http://127.0.0.1:9000/sms"] {
            assert_eq!(check(&webhook(ok)), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("http://sms.example/send", "use https://"),
            ("https://u:p@sms.example/", "no credentials in the URL"),
            ("not a url", "not a URL"),
        ] {
            let (key, message) = check(&webhook(bad)).unwrap_err();
            assert_eq!(key, "sms.webhook.url", "{bad}");
            assert!(message.contains(says), "{bad}: {message}");
        }
        let mut unsigned = webhook("https://sms.example/");
        unsigned.webhook.secret = None;
        assert_eq!(check(&unsigned).unwrap_err().0, "sms.webhook.secret");
        let mut none = webhook("https://sms.example/");
        none.webhook.url = None;
        assert_eq!(check(&none).unwrap_err().0, "sms.webhook.url");
    }
}
