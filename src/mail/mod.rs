//! Mail, through lettre behind one [`Mailer`] (../shared/DESIGN.md,
//! "Accounts and MFA"): SMTP in production, `.eml` files under `data/mail/`
//! by default. Both transports are tokio's, so a send never blocks an HTTP
//! worker; a send that fails is a [`MailError`] the caller logs and turns
//! into a clear message, never a 500. What a message says is
//! [`templates`]'s, in the page languages' catalogue.

pub mod templates;

use crate::config::{MailConfig, MailTransport, SecretString};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

/// A message to send: its subject, and its body as plain text and as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail setting {key}: {message}")]
    Config { key: &'static str, message: String },
    #[error("{0:?} is not a mail address")]
    Address(String),
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("the mail server refused or could not be reached: {0}")]
    Smtp(String),
    #[error("the mail file could not be written: {0}")]
    File(String),
}

enum Transport {
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends mail as `mail.from`, by the configured transport.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.transport {
            Transport::File { dir, .. } => format!("file {}", dir.display()),
            Transport::Smtp(_) => "smtp".to_owned(),
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &transport)
            .finish()
    }
}

impl Mailer {
    /// The mailer `config` describes. Opens no connection: each SMTP send
    /// connects from the runtime it runs on (no pool: actix's workers are
    /// separate runtimes, and a connection belongs to the one that opened it).
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from: Mailbox = config.from.parse().map_err(|e| MailError::Config {
            key: "mail.from",
            message: format!("{:?} is not a mail address: {e}", config.from),
        })?;
        let transport = match config.transport {
            MailTransport::File => Transport::File {
                transport: AsyncFileTransport::new(&config.file_dir),
                dir: config.file_dir.clone(),
            },
            MailTransport::Smtp => Transport::Smtp(smtp(config)?),
        };
        Ok(Self { from, transport })
    }

    /// Sends `mail` to `to`. For the file transport, the directory is
    /// created (0700: messages may carry codes) when missing.
    pub async fn send(&self, to: &str, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::File { transport, dir } => {
                crate::config::private_fs::create_private_dir_all(dir)
                    .map_err(|e| MailError::File(format!("{}: {e}", dir.display())))?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| MailError::File(e.to_string()))
            }
            Transport::Smtp(transport) => transport
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Smtp(e.to_string())),
        }
    }
}

/// The SMTP transport of `mail.smtp`: `smtp://` (STARTTLS when offered,
/// `?tls=required` to insist) or `smtps://`, as lettre reads the URL; the
/// credentials from `username` and `password` or `password_file`.
fn smtp(config: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let s = &config.smtp;
    let rule = |key: &'static str| move |message: String| MailError::Config { key, message };
    let url = s
        .url
        .as_deref()
        .ok_or_else(|| rule("mail.smtp.url")("not set".into()))?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| rule("mail.smtp.url")(e.to_string()))?
        .timeout(Some(s.timeout));
    if let Some(username) = &s.username {
        let password = match (&s.password, &s.password_file) {
            (Some(p), _) => p.clone(),
            (None, Some(file)) => read_secret(file).map_err(rule("mail.smtp.password_file"))?,
            (None, None) => SecretString::new(""),
        };
        builder = builder.credentials(Credentials::new(
            username.clone(),
            password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

fn read_secret(path: &std::path::Path) -> Result<SecretString, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let secret = text.trim_end_matches(['\r', '\n']);
    if secret.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(SecretString::new(secret))
}
