//! The demo app's whole flow in headless Chromium, against two real
//! processes: a Gatehouse server (the workspace's `gatehouse` binary, with
//! the shipped demo tenant) and the demo app. A person signs in through the
//! backend-for-frontend, unticks a scope, sees the narrower rights, refreshes,
//! shares a note read-only (the link works for that note and no other), is
//! refused a write by AuthZEN, and signs out through Gatehouse. A screenshot
//! of the signed-in page is written to `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The build directory: this test runs from `{target}/debug/deps/`.
fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// The Gatehouse binary `cargo test --workspace` builds beside this test.
fn gatehouse_bin() -> PathBuf {
    let bin = std::env::var_os("GATEHOUSE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| build_dir().join("gatehouse"));
    assert!(
        bin.is_file(),
        "{} is missing: run the tests with `cargo test --workspace` (scripts/test.sh does), \
         which builds the gatehouse binary, or set GATEHOUSE_BIN",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_up(url: &str, child: &mut Proc, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!(
                "{url}: the process exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        let up = std::net::TcpStream::connect(
            url.trim_start_matches("http://").split('/').next().unwrap(),
        )
        .is_ok();
        if up {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "{url} did not come up: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn spawn(cmd: &mut Command, log: &Path) -> Proc {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    Proc(cmd.stdout(out).stderr(err).spawn().unwrap())
}

/// The database Gatehouse runs on: SQLite in the test's directory, or a new
/// PostgreSQL database when GATEHOUSE_TEST_DATABASE_URL names a server
/// (scripts/test.sh's second pass), dropped when the test ends.
struct Db {
    url: String,
    pg: Option<(String, String)>,
}

impl Db {
    fn new(dir: &Path) -> Self {
        match std::env::var("GATEHOUSE_TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!("gh_demo_flow_{}", std::process::id());
                admin_sql(&admin, &format!("DROP DATABASE IF EXISTS {name}")).unwrap();
                admin_sql(&admin, &format!("CREATE DATABASE {name}")).unwrap();
                let mut url = url::Url::parse(&admin).unwrap();
                url.set_path(&name);
                Db {
                    url: url.to_string(),
                    pg: Some((admin, name)),
                }
            }
            _ => Db {
                url: format!("sqlite://{}/g.db", dir.display()),
                pg: None,
            },
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            // Never panic in drop (a failing test is already unwinding).
            let _ = admin_sql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn admin_sql(admin_url: &str, sql: &str) -> Result<(), String> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::PgConnection::establish(admin_url).map_err(|e| e.to_string())?;
    diesel::sql_query(sql)
        .execute(&mut conn)
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(())
}

/// Gatehouse on `db` with the shipped demo tenant (and its logo), its URLs
/// moved from 127.0.0.1:3000 to where the demo app listens in this test.
fn start_gatehouse(dir: &Path, db: &Db, port: u16, demo_port: u16) -> Proc {
    let shipped_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tenants");
    let shipped = std::fs::read_to_string(shipped_dir.join("demo.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("tenants/demo")).unwrap();
    std::fs::copy(
        shipped_dir.join("demo/logo.svg"),
        dir.join("tenants/demo/logo.svg"),
    )
    .unwrap();
    std::fs::write(
        dir.join("tenants/demo.yaml"),
        shipped.replace("127.0.0.1:3000", &format!("127.0.0.1:{demo_port}")),
    )
    .unwrap();
    let log = dir.join("gatehouse.log");
    let mut cmd = Command::new(gatehouse_bin());
    cmd.current_dir(dir)
        .env_remove("GATEHOUSE_TEST_DATABASE_URL")
        .env("GATEHOUSE_SERVER__BIND", format!("127.0.0.1:{port}"))
        .env(
            "GATEHOUSE_SERVER__PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("GATEHOUSE_DATABASE__URL", &db.url)
        .env("GATEHOUSE_TENANTS__DIR", dir.join("tenants"))
        .env(
            "GATEHOUSE_SECURITY__MASTER_KEY_FILE",
            dir.join("master.key"),
        )
        .env("GATEHOUSE_LOGGING__LEVEL", "warn")
        .arg("serve");
    let mut p = spawn(&mut cmd, &log);
    wait_until_up(&format!("http://127.0.0.1:{port}"), &mut p, &log);
    p
}

fn start_demo_app(dir: &Path, port: u16, gatehouse_port: u16) -> Proc {
    let log = dir.join("demo-app.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demo-app"));
    cmd.env("DEMO_BIND", format!("127.0.0.1:{port}"))
        .env("DEMO_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env(
            "DEMO_ISSUER",
            format!("http://127.0.0.1:{gatehouse_port}/t/demo"),
        )
        .env("RUST_LOG", "warn");
    let mut p = spawn(&mut cmd, &log);
    wait_until_up(&format!("http://127.0.0.1:{port}"), &mut p, &log);
    p
}

struct Driver {
    _process: Proc,
    port: u16,
}

fn chromedriver() -> Driver {
    let mut child = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (scripts/test.sh installs chromium-driver)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("chromedriver printed its port")
            .unwrap();
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            break rest.trim_end_matches('.').parse::<u16>().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Driver {
        _process: Proc(child),
        port,
    }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-sync",
                "--window-size=1000,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The natural width of the image `css` once it has loaded (0 while it has
/// not, or when it failed), waiting up to five seconds.
async fn loaded_width(c: &Client, css: &str) -> u64 {
    let script = format!(
        "const i = document.querySelector({css:?}); return i && i.complete ? i.naturalWidth : 0;"
    );
    let mut width = 0;
    for _ in 0..50 {
        width = c
            .execute(&script, vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        if width > 0 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    width
}

/// The text of `css` once `ok` accepts it (the page after a form post may
/// not have replaced the old one yet).
async fn text_until(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{css}: still {now:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An attribute of `css`, waiting for the element (a form post's page may
/// still be loading).
async fn attr(c: &Client, css: &str, name: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr(name)
        .await
        .unwrap()
        .unwrap()
}

#[actix_web::test]
async fn a_person_uses_the_demo_app_through_its_backend() {
    let dir = tempfile::tempdir().unwrap();
    let (gh_port, demo_port) = (free_port(), free_port());
    let db = Db::new(dir.path());
    let gatehouse = start_gatehouse(dir.path(), &db, gh_port, demo_port);
    let _demo = start_demo_app(dir.path(), demo_port, gh_port);
    let demo = format!("http://127.0.0.1:{demo_port}");
    let driver = chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let c = browser(&driver, profile.path()).await;

    // Sign in through the app: Gatehouse's login and consent pages.
    c.goto(&format!("{demo}/")).await.unwrap();
    click(&c, "#sign-in").await;
    c.wait()
        .for_element(Locator::Css("#username"))
        .await
        .unwrap();
    assert_eq!(c.title().await.unwrap(), "Sign in — Demo Organisation");
    // The tenant's logo loads under the page's CSP (an image that failed
    // has no natural width).
    assert_eq!(loaded_width(&c, ".brand-logo").await, 64);
    let shot = build_dir().parent().unwrap().join("screenshots");
    std::fs::create_dir_all(&shot).unwrap();
    std::fs::write(shot.join("demo-login.png"), c.screenshot().await.unwrap()).unwrap();
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys("alice")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("alice-demo-password")
        .await
        .unwrap();
    click(&c, "button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("button[value=allow]"))
        .await
        .unwrap();
    // The app's own logo, from its origin, which the page's CSP names.
    assert_eq!(loaded_width(&c, "#app-logo").await, 64);
    click(&c, r#"label[for="scope-notes:write"]"#).await;
    click(&c, "button[value=allow]").await;

    // Back in the app, signed in; the token carries what was ticked.
    assert_eq!(text(&c, "#user-name").await, "Alice Admin");
    // The app links to the tenant's account page at Gatehouse.
    assert_eq!(
        attr(&c, "#account", "href").await,
        format!("http://127.0.0.1:{gh_port}/t/demo/account")
    );
    let scopes = text(&c, "#scopes").await;
    assert_eq!(
        scopes, "email notes:read offline_access openid profile",
        "notes:write unticked"
    );
    assert_eq!(text(&c, "#rights").await, "notes:read");
    // Nothing of the tokens reached the browser: only the HttpOnly cookie.
    let cookies = c.get_all_cookies().await.unwrap();
    let names: Vec<&str> = cookies.iter().map(|k| k.name()).collect();
    assert_eq!(names, ["demo_session"], "{cookies:?}");
    assert_eq!(cookies[0].http_only(), Some(true));
    let session = cookies[0].value().to_owned();
    assert_eq!(
        c.execute("return document.cookie", vec![]).await.unwrap(),
        ""
    );
    std::fs::write(
        shot.join("demo-app-signed-in.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();

    // Refresh: a new access token (and a rotated refresh token, server-side).
    let before = text(&c, "#token-fingerprint").await;
    click(&c, "#refresh").await;
    text_until(&c, "#refreshes", |t| t == "1").await;
    assert_ne!(text(&c, "#token-fingerprint").await, before);

    // AuthZEN refuses a write: the token has no notes:write.
    c.find(Locator::Css("#title"))
        .await
        .unwrap()
        .send_keys("Plans")
        .await
        .unwrap();
    click(&c, "#add").await;
    let flash = text_until(&c, ".flash", |t| t.starts_with("AuthZEN")).await;
    assert_eq!(
        flash,
        "AuthZEN said no: this token may not notes:write (was the scope unticked?)"
    );
    assert_eq!(
        c.find_all(Locator::Css("#notes li")).await.unwrap().len(),
        2
    );

    // Share the first note read-only: the link opens it, and only it.
    click(&c, "#notes li:first-child button.share").await;
    let link = attr(&c, "#shared-link", "href").await;
    c.goto(&link).await.unwrap();
    assert_eq!(text(&c, "#shared h2").await, "Welcome");
    let other = attr(&c, "#try-other", "href").await;
    c.goto(&other).await.unwrap();
    assert_eq!(text(&c, "#refused").await, "the token does not allow this");
    // The same narrowed token on the JSON API: 200 for its note, 401 for the other.
    let token = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .unwrap()
        .1
        .into_owned();
    let id = link
        .split("/shared/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let get = |path: String| http.get(format!("{demo}{path}")).bearer_auth(&token).send();
    assert_eq!(get(format!("/api/notes/{id}")).await.unwrap().status(), 200);
    let other_id = other
        .split("/shared/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let res = get(format!("/api/notes/{other_id}")).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"error": "the token does not allow this"})
    );

    // The browser-only page: the public client does the code flow with PKCE
    // in JavaScript, calls the token endpoint across origins (CORS) and the
    // notes API with its own token. Alice is still signed in to Gatehouse.
    c.goto(&format!("{demo}/spa")).await.unwrap();
    click(&c, "#spa-sign-in").await;
    c.wait()
        .for_element(Locator::Css("button[value=allow]"))
        .await
        .unwrap();
    click(&c, "button[value=allow]").await;
    let spa = text_until(&c, "#spa-result", |t| !t.is_empty()).await;
    assert!(
        spa.starts_with(
            "Signed in in the browser; scope: notes:read openid profile\nGET /api/notes → 200 [{"
        ),
        "{spa}"
    );

    // Sign out: through Gatehouse's logout and back to the app, signed out.
    c.goto(&format!("{demo}/")).await.unwrap();
    click(&c, "#sign-out").await;
    c.wait()
        .for_element(Locator::Css("#sign-in"))
        .await
        .unwrap();
    assert!(c.current_url().await.unwrap().as_str().starts_with(&demo));
    assert_eq!(text(&c, ".flash").await, "Signed out.");
    // The signed-in session is gone; the home page started a new, empty one.
    let after = c.get_named_cookie("demo_session").await.unwrap();
    assert_ne!(after.value(), session);
    c.close().await.unwrap();
    drop(gatehouse); // before its database
}
