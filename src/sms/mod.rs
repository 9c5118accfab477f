//! Text messages with one-time codes (issue 16 part 4, docs/mfa.md): one
//! [`SmsSender`] trait and two senders — [`LogSender`] for development (the
//! message in the log, the number masked) and [`WebhookSender`] (a signed
//! JSON POST to the operator's SMS gateway, with a timeout and retries).
//! Sending is async and never blocks a worker.

use crate::config::{SecretString, SmsConfig, SmsTransport};
use futures_util::future::BoxFuture;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use std::sync::Arc;
use std::time::Duration;

/// One message. `Debug` shows neither the whole number nor the text (which
/// holds a code).
#[derive(Clone, serde::Serialize)]
pub struct Sms {
    /// E.164 (`+447700900123`).
    pub to: String,
    pub text: String,
    /// The tenant's slug, for the gateway's own accounting.
    pub tenant: String,
}

impl std::fmt::Debug for Sms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sms")
            .field("to", &masked(&self.to))
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("the SMS gateway could not be reached: {0}")]
    Unreachable(String),
    #[error("the SMS gateway answered {0}")]
    Refused(u16),
    #[error("sms settings: {0}")]
    Config(String),
}

/// Sends text messages.
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SmsError>>;
}

/// The sender `sms.sender` names.
pub fn from_config(config: &SmsConfig) -> Result<Arc<dyn SmsSender>, SmsError> {
    Ok(match config.sender {
        SmsTransport::Log => Arc::new(LogSender),
        SmsTransport::Webhook => Arc::new(WebhookSender::new(config)?),
    })
}

/// Development: logs the message with the number masked.
pub struct LogSender;

impl SmsSender for LogSender {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            tracing::info!(to = %masked(&sms.to), tenant = %sms.tenant, text = %sms.text, "sms (log sender)");
            Ok(())
        })
    }
}

/// POSTs `{"to", "text", "tenant"}` to the gateway, with
/// `X-Gatehouse-Timestamp` (Unix seconds) and `X-Gatehouse-Signature:
/// sha256=HEX`, the HMAC-SHA256 of `"{timestamp}.{body}"` under the
/// configured secret. A 2xx is sent; a 5xx, a 429 or no answer is tried
/// again (`retries`, backing off 250 ms, 500 ms, …); another 4xx is not.
pub struct WebhookSender {
    client: reqwest::Client,
    url: String,
    secret: SecretString,
    retries: u32,
}

impl WebhookSender {
    pub fn new(config: &SmsConfig) -> Result<Self, SmsError> {
        let w = &config.webhook;
        let url = w
            .url
            .clone()
            .ok_or_else(|| SmsError::Config("sms.webhook.url is not set".into()))?;
        let secret = match (&w.secret, &w.secret_file) {
            (Some(s), _) => s.clone(),
            (None, Some(file)) => {
                let text = std::fs::read_to_string(file).map_err(|e| {
                    SmsError::Config(format!("cannot read {}: {e}", file.display()))
                })?;
                SecretString::new(text.trim_end_matches(['\r', '\n']))
            }
            (None, None) => return Err(SmsError::Config("sms.webhook.secret is not set".into())),
        };
        let client = reqwest::Client::builder()
            .timeout(w.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SmsError::Config(e.to_string()))?;
        Ok(Self {
            client,
            url,
            secret,
            retries: w.retries,
        })
    }

    async fn attempt(&self, body: &str) -> Result<(), (bool, SmsError)> {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = signature(&self.secret, &timestamp, body);
        let res = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-gatehouse-timestamp", &timestamp)
            .header("x-gatehouse-signature", format!("sha256={signature}"))
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| (true, SmsError::Unreachable(e.without_url().to_string())))?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let again = status.is_server_error() || status.as_u16() == 429;
        Err((again, SmsError::Refused(status.as_u16())))
    }
}

impl SmsSender for WebhookSender {
    fn send<'a>(&'a self, sms: &'a Sms) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            let body = serde_json::to_string(sms).map_err(|e| SmsError::Config(e.to_string()))?;
            let mut tries = 0;
            loop {
                match self.attempt(&body).await {
                    Ok(()) => return Ok(()),
                    Err((true, _)) if tries < self.retries => {
                        tokio::time::sleep(Duration::from_millis(250 << tries)).await;
                        tries += 1;
                    }
                    Err((_, e)) => return Err(e),
                }
            }
        })
    }
}

/// The signature header's value (without `sha256=`): hex HMAC-SHA256 of
/// `"{timestamp}.{body}"` — what a receiver recomputes to know the request
/// is Gatehouse's and fresh.
pub fn signature(secret: &SecretString, timestamp: &str, body: &str) -> String {
    let mac = PKey::hmac(secret.expose().as_bytes())
        .and_then(|k| {
            let mut s = Signer::new(MessageDigest::sha256(), &k)?;
            s.update(timestamp.as_bytes())?;
            s.update(b".")?;
            s.update(body.as_bytes())?;
            s.sign_to_vec()
        })
        .unwrap_or_default();
    hex::encode(mac)
}

/// A phone number as the log and the pages show it: the country code's
/// `+`, then only the last two digits (`+•••••••••23`).
pub fn masked(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(2);
    let hidden = digits.len() - keep;
    let tail: String = digits[hidden..].iter().collect();
    format!("+{}{tail}", "•".repeat(hidden))
}

/// A typed phone number in E.164 (`+` and 8–15 digits; spaces, dashes,
/// dots and brackets ignored), or `None`.
pub fn normalize(typed: &str) -> Option<String> {
    let t = typed.trim();
    let rest = t.strip_prefix('+')?;
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    (digits.len() >= 8
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0'))
    .then(|| format!("+{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_e164_and_shown_masked() {
        assert_eq!(
            normalize("+44 7700 900-123").as_deref(),
            Some("+447700900123")
        );
        assert_eq!(
            normalize("+1 (555) 010.9999").as_deref(),
            Some("+15550109999")
        );
        for bad in [
            "07700900123",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+44 77x0",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(masked("+447700900123"), "+••••••••••23");
        let sms = Sms {
            to: "+447700900123".into(),
            text: "123456 is your code".into(),
            tenant: "acme".into(),
        };
        let shown = format!("{sms:?}");
        assert!(
            !shown.contains("900123") && !shown.contains("123456"),
            "{shown}"
        );
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // Computed independently: Python's hmac.new(key, b"ts.body", sha256).
        let body = r#"{"to":"+447700900123","text":"hi","tenant":"acme"}"#;
        assert_eq!(
            signature(&SecretString::new("whsec-test"), "1700000000", body),
            "961de0b9fda1628aa8aa5de62503641b16318a9ceac518522cb80693f357811a"
        );
        let sms = Sms {
            to: "+447700900123".into(),
            text: "hi".into(),
            tenant: "acme".into(),
        };
        assert_eq!(
            serde_json::to_string(&sms).unwrap(),
            body,
            "the documented body"
        );
    }
}
