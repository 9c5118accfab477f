//! Mail (`gatehouse::mail`, `gatehouse mail test`): the file transport
//! writes a readable `.eml` under `data/mail/`; the SMTP transport delivers
//! to a real SMTP server process (aiosmtpd, scripts/smtp_sink.py), with and
//! without credentials; a server that refuses is a clear error.

use crate::cli::gatehouse_with;
use crate::helpers::{TestApp, spawn_app_with};
use crate::signin::yaml;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn python() -> std::path::PathBuf {
    std::env::var_os("GATEHOUSE_TEST_PYTHON")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools/venv/bin/python")
        })
}

/// An SMTP server process, its port, and its output (one JSON line a message).
pub struct Sink {
    child: Child,
    pub port: u16,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Sink {
    pub fn start(args: &[&str]) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{} (scripts/test.sh installs aiosmtpd): {e}",
                    python().display()
                )
            });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = lines.next().unwrap().unwrap().trim().parse().unwrap();
        Self { child, port, lines }
    }

    pub fn received(&mut self) -> serde_json::Value {
        serde_json::from_str(&self.lines.next().unwrap().unwrap()).unwrap()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn acme() -> TestApp {
    let branded = yaml("acme").replacen(
        "name: Acme\n",
        "name: Acme\nbranding:\n  display_name: ACME Cloud\n",
        1,
    );
    spawn_app_with(|_| {}, Some(&branded)).await
}

fn smtp_env(port: u16) -> Vec<(String, String)> {
    vec![
        ("GATEHOUSE_MAIL__TRANSPORT".into(), "smtp".into()),
        (
            "GATEHOUSE_MAIL__SMTP__URL".into(),
            format!("smtp://127.0.0.1:{port}"),
        ),
        (
            "GATEHOUSE_MAIL__FROM".into(),
            "ACME Cloud <noreply@acme.example>".into(),
        ),
    ]
}

#[actix_web::test]
async fn the_file_transport_writes_a_message_one_can_open() {
    let app = acme().await;
    let out = gatehouse_with(
        &app,
        &[
            "mail",
            "test",
            "--to",
            "bob@example.com",
            "--tenant",
            "acme",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = app.dir.path().join("data/mail");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("wrote the message to {}\n", dir.display())
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    for part in [
        "From: Gatehouse <gatehouse@localhost>\r\n",
        "To: bob@example.com\r\n",
        "Subject: ACME Cloud: a test message from Gatehouse\r\n",
        "Content-Type: multipart/alternative;",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
        "Gatehouse can send mail for ACME Cloud.",
    ] {
        assert!(eml.contains(part), "{part:?} in\n{eml}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "messages may carry codes");
    }
}

#[actix_web::test]
async fn smtp_delivers_to_a_real_server_in_the_readers_language() {
    let app = acme().await;
    let mut sink = Sink::start(&[]);
    let env = smtp_env(sink.port);
    let out = gatehouse_with(
        &app,
        &[
            "mail",
            "test",
            "--to",
            "bob@example.com",
            "--tenant",
            "acme",
            "--language",
            "ru",
        ],
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "sent the message to bob@example.com\n"
    );
    let got = sink.received();
    assert_eq!(got["from"], "noreply@acme.example");
    assert_eq!(got["to"], serde_json::json!(["bob@example.com"]));
    assert_eq!(got["auth"], serde_json::Value::Null);
    let data = got["data"].as_str().unwrap();
    // A Russian subject is encoded (RFC 2047); the body is UTF-8.
    assert!(
        data.contains("Subject: ACME Cloud: =?utf-8?b?0YLQtdGB0YLQvtCy0L7QtSDQv9C40YHRjNC80L4g?="),
        "{data}"
    );
    assert!(
        data.contains("From: \"ACME Cloud\" <noreply@acme.example>"),
        "{data}"
    );
    assert!(
        data.contains("Content-Type: text/html; charset=utf-8"),
        "{data}"
    );
}

#[actix_web::test]
async fn smtp_credentials_come_from_the_settings_and_a_refusal_is_an_error() {
    let app = acme().await;
    let mut sink = Sink::start(&["--user", "gatehouse", "--password", "s3cret-pass"]);
    let password_file = app.dir.path().join("smtp-password");
    std::fs::write(&password_file, "s3cret-pass\n").unwrap();
    let mut env = smtp_env(sink.port);
    env.push(("GATEHOUSE_MAIL__SMTP__USERNAME".into(), "gatehouse".into()));
    env.push((
        "GATEHOUSE_MAIL__SMTP__PASSWORD_FILE".into(),
        password_file.display().to_string(),
    ));
    let out = gatehouse_with(&app, &["mail", "test", "--to", "bob@example.com"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sink.received()["auth"], "gatehouse");

    // A wrong password: the server refuses, the command says so and fails,
    // and the password is not in what it says.
    std::fs::write(&password_file, "wrong-pass-1234\n").unwrap();
    let out = gatehouse_with(&app, &["mail", "test", "--to", "bob@example.com"], &env);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: the mail server refused or could not be reached: "),
        "{err}"
    );
    assert!(!err.contains("wrong-pass-1234"), "{err}");

    // Nobody listening: the same clear error.
    drop(sink);
    let out = gatehouse_with(&app, &["mail", "test", "--to", "bob@example.com"], &env);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.starts_with("error: the mail server refused or could not be reached: "),
        "{err}"
    );
}

#[actix_web::test]
async fn bad_mail_settings_are_refused_with_their_key() {
    let app = acme().await;
    for (key, value, says) in [
        (
            "GATEHOUSE_MAIL__TRANSPORT",
            "smtp",
            "invalid configuration: mail.smtp.url: mail.transport is smtp: set the server's URL",
        ),
        (
            "GATEHOUSE_MAIL__FROM",
            "nobody",
            "invalid configuration: mail.from: \"nobody\" is not a mail address",
        ),
    ] {
        let out = gatehouse_with(
            &app,
            &["mail", "test", "--to", "bob@example.com"],
            &[(key.into(), value.into())],
        );
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{key}: {err}");
    }
    let out = gatehouse_with(&app, &["mail", "test", "--to", "not an address"], &[]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: \"not an address\" is not a mail address\n"
    );
}
