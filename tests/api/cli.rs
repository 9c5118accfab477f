//! The `gatehouse` binary as an operator uses it.

use crate::helpers::{TestApp, demo_yaml, retry, spawn_app, spawn_app_with};
use std::process::{Command, Output};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

/// Runs the binary against the test app's database, in its directory.
/// `gatehouse tenants apply` on the app's tenants directory; must succeed.
pub fn apply_tenants(app: &TestApp) {
    let out = gatehouse(
        app,
        &["tenants", "apply", app.tenants_dir().to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn gatehouse(app: &TestApp, args: &[&str]) -> Output {
    command(app).args(args).output().unwrap()
}

/// [`gatehouse`] with more environment variables.
pub fn gatehouse_with(app: &TestApp, args: &[&str], env: &[(String, String)]) -> Output {
    command(app)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

fn command(app: &TestApp) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(app.dir.path())
        .env("GATEHOUSE_DATABASE__URL", app.db.url())
        // base64: an all-digit hex key would be read as a number from the environment.
        .env(
            "GATEHOUSE_SECURITY__MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("GATEHOUSE_PASSWORDS__MEMORY_KIB", "64")
        .env("GATEHOUSE_PASSWORDS__ITERATIONS", "1")
        .env("GATEHOUSE_LOGGING__LEVEL", "warn");
    cmd
}

/// Runs the binary, which must succeed.
fn succeeds(app: &TestApp, args: &[&str]) -> Output {
    let out = gatehouse(app, args);
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// Runs the binary, which must fail: what it wrote to stderr.
fn fails(app: &TestApp, args: &[&str]) -> String {
    let out = gatehouse(app, args);
    assert!(!out.status.success());
    stderr(&out)
}

/// Asserts that `out`'s stderr contains `text`, showing all of it if not.
fn assert_stderr_contains(out: &Output, text: &str) {
    assert!(stderr(out).contains(text), "{}", stderr(out));
}

/// Runs the binary in `dir` (no test server, no database) with `args` and
/// the environment variables `env`.
fn run_in(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).args(args).envs(env.iter().copied());
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    for cmd in ["serve", "migrate", "check-config", "tenants"] {
        assert!(text.contains(cmd), "{text}");
    }
    let out = Command::new(BIN)
        .args(["tenants", "--help"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("apply") && text.contains("list"), "{text}");
}

#[test]
fn check_config_prints_effective_values_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("g.yaml"),
        "server:\n  bind: 127.0.0.1:9000\ndatabase:\n  url: postgres://app:hunter2@db.internal/gh\nsecurity:\n  master_key: \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &["--config", "g.yaml", "check-config"],
        &[("GATEHOUSE_SERVER__WORKERS", "3")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("bind: 127.0.0.1:9000"), "{text}");
    assert!(text.contains("workers: 3"), "env override: {text}");
    assert!(
        text.contains("url: postgres://app:REDACTED@db.internal/gh"),
        "{text}"
    );
    assert!(text.contains("master_key: REDACTED"), "{text}");
    assert!(
        !text.contains("hunter2") && !text.contains("000000000000"),
        "{text}"
    );
}

#[test]
fn invalid_config_stops_with_the_key_and_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("g.yaml"), "server:\n  bindd: 1\n").unwrap();
    let out = run_in(dir.path(), &["--config", "g.yaml", "serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("key `server.bindd`"), "{err}");
    assert!(err.contains("g.yaml"), "{err}");
    assert!(err.contains("unknown field"), "{err}");

    let out = run_in(
        dir.path(),
        &["check-config"],
        &[("GATEHOUSE_DATABASE__POOL_SIZE", "-1")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("key `database.pool_size`"), "{err}");
    assert!(err.contains("GATEHOUSE_DATABASE__POOL_SIZE"), "{err}");
}

#[actix_web::test]
async fn migrate_runs_alone_and_is_idempotent() {
    // A server prepares the directory and database; migrate then has nothing to do.
    let app = spawn_app().await;
    let out = succeeds(&app, &["migrate"]);
    assert_eq!(stdout(&out), "database is up to date\n");
}

#[actix_web::test]
async fn tenants_apply_dry_run_then_apply_then_list() {
    let app = spawn_app().await;
    let path = app.write_tenant("demo.yaml", &demo_yaml("demo"));
    let path = path.to_str().unwrap();

    let out = succeeds(&app, &["tenants", "apply", "--dry-run", path]);
    assert_eq!(
        stdout(&out),
        "tenant demo: 5 change(s)\n  + tenant (Demo Organisation)\n  + scope notes:read\n  + role admin\n  + client demo-web\n  + user alice\n(dry run: nothing was changed)\n"
    );
    let out = gatehouse(&app, &["tenants", "list"]);
    assert_eq!(stdout(&out).lines().count(), 1, "dry run wrote nothing");

    let out = succeeds(&app, &["tenants", "apply", path]);
    assert!(stdout(&out).starts_with("tenant demo: 5 change(s)\n"));
    let out = gatehouse(&app, &["tenants", "apply", path]);
    assert_eq!(stdout(&out), "tenant demo: no changes\n");

    let out = gatehouse(&app, &["tenants", "list"]);
    let text = stdout(&out);
    let row: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        row,
        vec!["demo", "active", "1", "1", "Demo", "Organisation"],
        "{text}"
    );
    // The running server serves the tenant the CLI created.
    assert_eq!(app.get("/t/demo").await.status(), 200);
}

#[actix_web::test]
async fn tenants_apply_reports_file_and_line() {
    let app = spawn_app().await;
    let path = app.write_tenant("bad.yaml", "slug: ok-slug\nname: X\nclients:\n  - client_id: a\n    grant_types: [implicit]\n    secret: 0123456789abcdef\n");
    let out = gatehouse(&app, &["tenants", "apply", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "error: {}:5: unknown grant type \"implicit\"",
            path.display()
        )
    );
    let out = gatehouse(&app, &["tenants", "apply", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = command(&app)
        .env("GATEHOUSE_SERVER__PUBLIC_URL", "https://id.example.com")
        .args([
            "tenants",
            "apply",
            app.write_tenant("d.yaml", &demo_yaml("d1"))
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "d.yaml:11: plain `secret` values are refused");
}

#[actix_web::test]
async fn serve_stops_gracefully_on_sigterm() {
    // Borrow a test database, then run the real binary on it.
    let app = spawn_app_with(|_| {}, None).await;
    app.stop().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = command(&app)
        .env("GATEHOUSE_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env("GATEHOUSE_LOGGING__LEVEL", "info")
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            up = r.status() == 200;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "server came up");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let Some(exit) = exited else {
        let _ = child.kill();
        panic!("server did not stop on SIGTERM");
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(
        log.contains("SIGTERM received; starting graceful shutdown"),
        "{log}"
    );
    assert!(log.contains("gatehouse stopped"), "{log}");
}

#[test]
fn the_shipped_config_file_is_valid_and_matches_the_defaults() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/config/gatehouse.yaml");
    let dir = tempfile::tempdir().unwrap();
    let with_file = run_in(dir.path(), &["--config", shipped, "check-config"], &[]);
    assert!(with_file.status.success(), "{}", stderr(&with_file));
    let without = run_in(dir.path(), &["check-config"], &[]);
    assert!(without.status.success(), "{}", stderr(&without));
    // The same values; the file's paths are relative to the file
    // (config/../data is the repository's data/), the defaults' to the
    // working directory.
    let repo = env!("CARGO_MANIFEST_DIR");
    let tmp = dir.path().canonicalize().unwrap();
    let without = stdout(&without)
        .replace(&tmp.display().to_string(), repo)
        .replace(&dir.path().display().to_string(), repo);
    assert_eq!(stdout(&with_file), without);
}

#[actix_web::test]
async fn the_shipped_demo_tenant_applies_and_serves() {
    let app = spawn_app_with(
        |c| c.tenants.dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tenants").into(),
        None,
    )
    .await;
    let res = app.get("/t/demo").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["name"], "Demo Organisation");
}

#[actix_web::test]
async fn clients_created_by_cli_get_a_secret_once_and_survive_tenant_apply() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let out = succeeds(
        &app,
        &[
            "clients",
            "create",
            "--tenant",
            "acme",
            "--client-id",
            "batch",
            "--grant-type",
            "client_credentials",
            "--scope",
            "notes:read",
        ],
    );
    let text = stdout(&out);
    let secret = text
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .expect("the secret is printed")
        .to_owned();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    assert!(stderr(&out).contains("shown once"));

    let token = |secret: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/t/acme/token"))
                .basic_auth("batch", Some(secret))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // The running server picks the new client up within its reload interval.
    let ok = retry(100, Duration::from_millis(50), || async {
        token(secret.clone()).await == 200
    })
    .await;
    assert!(ok, "the new client can get tokens");

    // Re-applying the tenant file does not remove a CLI-managed client.
    let path = app.write_tenant("tenant.yaml", &demo_yaml("acme"));
    let out = gatehouse(&app, &["tenants", "apply", path.to_str().unwrap()]);
    assert_eq!(stdout(&out), "tenant acme: no changes\n");
    let out = gatehouse(&app, &["clients", "list", "--tenant", "acme"]);
    let listing = stdout(&out);
    assert!(
        listing.contains("batch") && listing.contains("cli"),
        "{listing}"
    );
    assert!(
        listing.contains("demo-web") && listing.contains("file"),
        "{listing}"
    );

    let out = succeeds(
        &app,
        &[
            "clients",
            "rotate-secret",
            "--tenant",
            "acme",
            "--client-id",
            "batch",
        ],
    );
    let new_secret = stdout(&out)
        .trim()
        .strip_prefix("client_secret: ")
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    let rotated = retry(100, Duration::from_millis(50), || async {
        token(secret.clone()).await == 401 && token(new_secret.clone()).await == 200
    })
    .await;
    assert!(rotated, "the old secret stops working, the new one works");

    let refused = |args: &[&str], message: &str| {
        let mut all = vec!["clients", "create", "--tenant", "acme"];
        all.extend_from_slice(args);
        let out = gatehouse(&app, &all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_stderr_contains(&out, message);
    };
    let cc = ["--grant-type", "client_credentials"];
    refused(
        &[&["--client-id", "batch"][..], &cc].concat(),
        "client batch already exists in tenant acme",
    );
    refused(
        &[&["--client-id", "x", "--scope", "nope"][..], &cc].concat(),
        "client x names scope nope, which is neither built in nor a scope of the tenant",
    );
    // The same rules as in tenant files, in the same words.
    refused(
        &[&["--client-id", "spa", "--public"][..], &cc].concat(),
        "public client spa cannot use client_credentials (RFC 6749 §4.4 needs a confidential client)",
    );
    refused(
        &[
            &["--client-id", "short", "--access-token-ttl", "30s"][..],
            &cc,
        ]
        .concat(),
        "--access-token-ttl 30s must be between 60s and 86400s",
    );
    let delete = [
        "clients",
        "delete",
        "--tenant",
        "acme",
        "--client-id",
        "batch",
    ];
    succeeds(&app, &delete);
    let out = gatehouse(&app, &delete);
    assert_stderr_contains(&out, "no client \"batch\" in tenant acme");
}

#[actix_web::test]
async fn keys_list_shows_generations() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    succeeds(&app, &["keys", "rotate", "--tenant", "acme"]);
    let out = gatehouse(&app, &["keys", "list", "--tenant", "acme"]);
    let rows: Vec<Vec<String>> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().take(5).map(str::to_owned).collect())
        .collect();
    let summary: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[4].clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("biscuit".into(), "2".into(), "active".into()),
            ("biscuit".into(), "1".into(), "retired".into()),
            // One JWS key per algorithm in use: ES256 for JWT access tokens,
            // RS256 for the ID tokens of the authorization_code client.
            ("jws".into(), "4".into(), "active".into()),
            ("jws".into(), "3".into(), "active".into()),
            ("jws".into(), "2".into(), "retired".into()),
            ("jws".into(), "1".into(), "retired".into()),
        ]
    );
    let out = gatehouse(&app, &["keys", "rotate", "--tenant", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_contains(&out, "no tenant named \"nosuch\"");
}

/// The arguments of `gatehouse roles <command> --tenant acme <args>`.
fn roles_args<'a>(command: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    [&["roles", command, "--tenant", "acme"][..], args].concat()
}

#[actix_web::test]
async fn roles_with_inclusions_refuse_cycles_and_survive_tenant_apply() {
    // The file declares alice but not her roles: those are the CLI's.
    let no_roles = demo_yaml("acme").replace("    roles: [admin]\n", "");
    let app = spawn_app_with(|_| {}, Some(&no_roles)).await;
    let ok = |args: &[&str]| {
        let out = gatehouse(&app, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    ok(&roles_args(
        "set",
        &["--name", "reader", "--permission", "notes:read"],
    ));
    ok(&roles_args(
        "set",
        &[
            "--name",
            "editor",
            "--permission",
            "notes:write",
            "--include",
            "reader",
        ],
    ));
    // alice holds editor, by the CLI.
    ok(&roles_args(
        "assign",
        &["--user", "alice", "--role", "editor"],
    ));
    assert_eq!(
        ok(&roles_args("permissions", &["--user", "alice"])),
        "notes:read\nnotes:write\n"
    );

    // reader → editor → reader would be a cycle: refused, nothing written.
    let err = fails(
        &app,
        &roles_args("set", &["--name", "reader", "--include", "editor"]),
    );
    assert!(
        err.contains("error: role inclusion forms a cycle: editor → reader → editor"),
        "{err}"
    );
    let out = gatehouse(
        &app,
        &roles_args("set", &["--name", "x", "--permission", "Bad"]),
    );
    assert_eq!(
        stderr(&out),
        "error: invalid permission \"Bad\": write resource:action, e.g. users:manage\n"
    );
    // A role from the tenant file is changed in the file, not here.
    let out = gatehouse(&app, &roles_args("delete", &["--name", "admin"]));
    assert!(
        stderr(&out).contains("error: role admin: declared in the tenant file ")
            && stderr(&out)
                .contains("tenant.yaml; change it there (the file wins on its next apply)"),
        "{}",
        stderr(&out)
    );

    // Re-applying the tenant file leaves CLI roles alone…
    let path = app.write_tenant("tenant.yaml", &no_roles);
    succeeds(&app, &["tenants", "apply", path.to_str().unwrap()]);
    let list = ok(&roles_args("list", &[]));
    assert_eq!(
        list,
        "ROLE                     SOURCE PERMISSIONS                              INCLUDES\n\
         admin                    file   users:manage                             -\n\
         editor                   cli    notes:write                              reader\n\
         reader                   cli    notes:read                               -\n"
    );
    // …and a file may not take over a CLI role's name.
    let clash = demo_yaml("acme").replace(
        "  - { name: admin, permissions: [users:manage] }\n",
        "  - { name: admin, permissions: [users:manage] }\n  - { name: reader }\n",
    );
    let path = app.write_tenant("tenant.yaml", &clash);
    let err = fails(&app, &["tenants", "apply", path.to_str().unwrap()]);
    assert!(
        err.contains(
            "role reader was created with the CLI; delete it there (gatehouse roles delete) before declaring it in a file"
        ),
        "{err}"
    );
    // …and alice's roles, which the file does not declare.
    assert_eq!(
        ok(&roles_args("permissions", &["--user", "alice"])),
        "notes:read\nnotes:write\n"
    );
    ok(&roles_args("delete", &["--name", "editor"]));
    assert_eq!(
        ok(&roles_args("permissions", &["--user", "alice"])),
        "",
        "deleting a role takes it from its holders"
    );
    // Once the file declares her roles, the CLI may not change them.
    let path = app.write_tenant("tenant.yaml", &demo_yaml("acme"));
    succeeds(&app, &["tenants", "apply", path.to_str().unwrap()]);
    let err = fails(
        &app,
        &roles_args("assign", &["--user", "alice", "--role", "reader"]),
    );
    assert!(
        err.contains("error: the roles of user alice: declared in the tenant file ")
            && err.contains("tenant.yaml; change it there"),
        "{err}"
    );
    assert_eq!(
        ok(&roles_args("permissions", &["--user", "alice"])),
        "users:manage\n"
    );
}

#[actix_web::test]
async fn policies_check_names_line_and_column_and_list_shows_the_order() {
    let yaml = "slug: acme\nname: Acme\npolicies:\n  - name: notes\n    code: |\n      allow if resource_type(\"note\"), right(\"notes:read\");\n";
    let app = spawn_app_with(|_| {}, Some(yaml)).await;
    let dir = app.dir.path();
    std::fs::write(dir.join("good.dl"), "allow if right(\"notes:read\");\n").unwrap();
    std::fs::write(
        dir.join("bad.dl"),
        "// first line\nallow if right(\"notes:read\");\ndeny if ;\n",
    )
    .unwrap();
    let out = succeeds(&app, &["policies", "check", "good.dl"]);
    assert_eq!(stdout(&out), "good.dl: valid\n");
    let out = gatehouse(&app, &["policies", "check", "bad.dl"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: policy bad.dl: line 3, column "),
        "{err}"
    );

    let out = succeeds(&app, &["policies", "list", "--tenant", "acme"]);
    let text = stdout(&out);
    let order: Vec<&str> = text.lines().filter(|l| l.starts_with("# ")).collect();
    assert_eq!(
        order,
        [
            "# notes (tenant file)",
            "# self-service (built in)",
            "# user-managers (built in)",
            "# token-revokers (built in)"
        ]
    );
    assert!(text.contains("allow if resource_type(\"note\"), right(\"notes:read\");"));
    let out = gatehouse(&app, &["policies", "list", "--tenant", "nope"]);
    assert_eq!(out.status.code(), Some(1));
}

/// alice signs in with the `web` client; (access token, refresh token).
async fn alice_tokens(app: &TestApp) -> (String, String) {
    let grant = ["offline_access"];
    let body = crate::signin::signed_in_tokens(
        app,
        &crate::signin::browser(),
        "openid offline_access",
        &grant,
    )
    .await;
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh_status(app: &TestApp, token: &str) -> u16 {
    crate::tokens::refresh(app, crate::signin::WEB, token)
        .await
        .status()
        .as_u16()
}

#[actix_web::test]
async fn a_disabled_user_loses_sessions_tokens_and_sign_in_until_enabled() {
    let app = spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await;
    let (access, refresh) = alice_tokens(&app).await;
    let active = |t: String| {
        let app = &app;
        async move {
            crate::tokens::introspect(app, "acme", crate::signin::WEB, &t).await["active"] == true
        }
    };
    assert!(active(access.clone()).await);
    let out = succeeds(
        &app,
        &["users", "disable", "--tenant", "acme", "--user", "alice"],
    );
    assert!(
        stdout(&out).starts_with(
            "disabled user alice: 1 session(s) ended, 1 refresh token family(ies) revoked"
        ),
        "{}",
        stdout(&out)
    );
    assert_eq!(refresh_status(&app, &refresh).await, 400);
    // The CLI is another process: this server sees the ban on its next sync.
    let gone = retry(100, Duration::from_millis(50), || async {
        !active(access.clone()).await
    })
    .await;
    assert!(gone, "the access token dies with the account");
    // No sign-in while disabled: the login page answers with the form again.
    let b = crate::signin::browser();
    let url = app.url(&crate::signin::authorize_path("acme", "web", "openid", ""));
    let res = crate::signin::login_from(&app, &b, &url).await;
    assert_eq!(res.status(), 401);
    let out = gatehouse(
        &app,
        &["users", "disable", "--tenant", "acme", "--user", "alice"],
    );
    assert!(stderr(&out).contains("user alice is already disabled"));
    succeeds(
        &app,
        &["users", "enable", "--tenant", "acme", "--user", "alice"],
    );
    // Bans cover tokens issued up to their second (NumericDate): a token of
    // the same second as the ban would be banned too.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let (access, _) = alice_tokens(&app).await;
    assert!(active(access).await);
}

#[actix_web::test]
async fn a_suspended_tenant_answers_404_until_resumed() {
    let app = spawn_app_with(|_| {}, Some(&crate::signin::yaml("acme"))).await;
    assert_eq!(app.get("/t/acme").await.status(), 200);
    succeeds(&app, &["tenants", "suspend", "acme"]);
    let status_within = |want: u16| {
        let app = &app;
        retry(100, Duration::from_millis(50), move || async move {
            app.get("/t/acme").await.status() == want
        })
    };
    assert!(status_within(404).await, "suspended");
    let list = stdout(&gatehouse(&app, &["tenants", "list"]));
    assert!(
        list.contains("acme                     suspended"),
        "{list}"
    );
    succeeds(&app, &["tenants", "resume", "acme"]);
    assert!(status_within(200).await, "resumed");
}

#[actix_web::test]
async fn what_a_tenant_file_owns_the_cli_refuses_to_change_and_names_the_file() {
    let yaml = crate::signin::yaml("acme")
        .replace("name: Acme\n", "name: Acme\nstatus: active\n")
        .replace(
            "    password: alice-password-1\n",
            "    password: alice-password-1\n    status: active\n",
        );
    let app = spawn_app_with(|_| {}, Some(&yaml)).await;
    let refused = |args: &[&str], what: &str| {
        let out = gatehouse(&app, args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("error: {what}: declared in the tenant file "))
                && err.contains(
                    "tenants/tenant.yaml; change it there (the file wins on its next apply)"
                ),
            "{args:?}: {err}"
        );
    };
    refused(
        &[
            "clients",
            "delete",
            "--tenant",
            "acme",
            "--client-id",
            "web",
        ],
        "client web",
    );
    refused(
        &[
            "clients",
            "rotate-secret",
            "--tenant",
            "acme",
            "--client-id",
            "web",
        ],
        "client web",
    );
    refused(&["tenants", "suspend", "acme"], "the status of tenant acme");
    refused(
        &["users", "disable", "--tenant", "acme", "--user", "alice"],
        "the status of user alice",
    );
    // Nothing changed.
    assert_eq!(app.get("/t/acme").await.status(), 200);

    // The file suspends the tenant and disables alice; applying says so.
    let path = app.write_tenant(
        "tenant.yaml",
        &yaml
            .replace("status: active\nscopes", "status: suspended\nscopes")
            .replace("    status: active\n", "    status: disabled\n"),
    );
    let plans = crate::tenants_apply::apply(&app, &path).unwrap();
    let changes = crate::tenants_apply::changes(&plans);
    assert!(
        changes.contains(&"~ tenant status -> suspended".to_owned()),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"~ user alice (status)".to_owned()),
        "{changes:?}"
    );
    let suspended = retry(100, Duration::from_millis(50), || async {
        app.get("/t/acme").await.status() == 404
    })
    .await;
    assert!(suspended);
    refused(&["tenants", "resume", "acme"], "the status of tenant acme");
    // A bad status names its line.
    let err = crate::tenants_apply::refusal(
        &app,
        "tenant.yaml",
        &yaml.replace("status: active\nscopes", "status: paused\nscopes"),
    );
    assert!(
        err.ends_with("tenant.yaml:3: status must be active or suspended, not \"paused\""),
        "{err}"
    );
}
