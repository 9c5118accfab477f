//! `mail:` — how Gatehouse sends mail (`crate::mail::Mailer`): `.eml` files
//! under `data/mail/` by default, so nothing needs a mail server, or SMTP.

use super::SecretString;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// One `.eml` file per message in `mail.file_dir`.
    #[default]
    File,
    Smtp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The sender, `Name <address>` or an address.
    pub from: String,
    /// Where the file transport writes (relative paths follow the config file).
    pub file_dir: PathBuf,
    pub smtp: SmtpConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            from: "Gatehouse <gatehouse@localhost>".into(),
            file_dir: PathBuf::from("data/mail"),
            smtp: SmtpConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// `smtp://host[:port]` (STARTTLS when the server offers it; add
    /// `?tls=required` to insist), `smtps://host[:port]` (TLS from the first
    /// byte). No credentials in the URL: they are `username` and `password`.
    pub url: Option<String>,
    pub username: Option<String>,
    /// Prefer `GATEHOUSE_MAIL__SMTP__PASSWORD` or `password_file`.
    pub password: Option<SecretString>,
    /// A file holding the password (a Compose or Kubernetes secret).
    pub password_file: Option<PathBuf>,
    /// How long one send may take, connecting included.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            url: None,
            username: None,
            password: None,
            password_file: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The rules of `mail` types cannot express: `(key, message)` of the first
/// broken one.
pub fn check(mail: &MailConfig) -> Result<(), (&'static str, String)> {
    if !mail.from.contains('@') {
        return Err((
            "mail.from",
            format!("{:?} is not a mail address", mail.from),
        ));
    }
    let smtp = &mail.smtp;
    if smtp.password.is_some() && smtp.password_file.is_some() {
        return Err((
            "mail.smtp.password",
            "set password or password_file, not both".into(),
        ));
    }
    if (smtp.password.is_some() || smtp.password_file.is_some()) && smtp.username.is_none() {
        return Err(("mail.smtp.username", "a password needs a username".into()));
    }
    if mail.transport == MailTransport::Smtp {
        let Some(raw) = &smtp.url else {
            return Err((
                "mail.smtp.url",
                "mail.transport is smtp: set the server's URL".into(),
            ));
        };
        let url =
            url::Url::parse(raw).map_err(|e| ("mail.smtp.url", format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(("mail.smtp.url", "use smtp:// or smtps://".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err((
                "mail.smtp.url",
                "no credentials in the URL: use mail.smtp.username and mail.smtp.password".into(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(("mail.smtp.url", "the URL names no host".into()));
        }
    }
    if smtp.timeout.is_zero() {
        return Err(("mail.smtp.timeout", "must be longer than zero".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(url: &str) -> MailConfig {
        MailConfig {
            transport: MailTransport::Smtp,
            smtp: SmtpConfig {
                url: Some(url.into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn the_default_writes_files_and_needs_nothing() {
        let m = MailConfig::default();
        assert_eq!(m.transport, MailTransport::File);
        assert_eq!(m.file_dir, PathBuf::from("data/mail"));
        assert_eq!(check(&m), Ok(()));
    }

    #[test]
    fn smtp_urls_name_a_host_and_no_credentials() {
        for ok in [
            "smtp://mail:1025",
            "smtps://mail.example",
            "smtp://mail?tls=required",
        ] {
            assert_eq!(check(&smtp(ok)), Ok(()), "{ok}");
        }
        for (bad, key, says) in [
            ("http://mail", "mail.smtp.url", "use smtp:// or smtps://"),
            (
                "smtp://me:pw@mail",
                "mail.smtp.url",
                "no credentials in the URL",
            ),
            ("mail:25", "mail.smtp.url", "use smtp://"),
        ] {
            let (k, m) = check(&smtp(bad)).unwrap_err();
            assert_eq!(k, key, "{bad}");
            assert!(m.starts_with(says), "{bad}: {m}");
        }
        let mut none = smtp("smtp://x");
        none.smtp.url = None;
        assert_eq!(check(&none).unwrap_err().0, "mail.smtp.url");
    }

    #[test]
    fn a_password_needs_a_username_and_one_source() {
        let mut m = smtp("smtp://mail");
        m.smtp.password = Some(SecretString::new("pw"));
        assert_eq!(check(&m).unwrap_err().0, "mail.smtp.username");
        m.smtp.username = Some("gatehouse".into());
        assert_eq!(check(&m), Ok(()));
        m.smtp.password_file = Some("pw.txt".into());
        assert_eq!(check(&m).unwrap_err().0, "mail.smtp.password");
        let from = MailConfig {
            from: "nobody".into(),
            ..Default::default()
        };
        assert_eq!(check(&from).unwrap_err().0, "mail.from");
    }
}
