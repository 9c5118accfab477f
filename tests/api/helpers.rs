use diesel::{Connection, PgConnection, RunQueryDsl};
use gatehouse::app::{AppState, Application};
use gatehouse::clock::{Clock, SystemClock};
use gatehouse::config::{Config, PasswordConfig, PublicUrl, SecretString};
use gatehouse::store::DatabaseUrl;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// The master key of test servers and of the CLI runs against their databases.
/// base64: an all-digit hex key would be read as a number from the environment.
pub const TEST_MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A fresh database for one test, dropped afterwards.
pub enum TestDb {
    Sqlite {
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
    /// Another test server's database; dropped by that server's TestDb.
    Shared {
        url: String,
    },
}

impl TestDb {
    pub fn new(dir: &Path) -> Self {
        match std::env::var("GATEHOUSE_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("gh_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url: url.to_string(),
                }
            }
            _ => TestDb::Sqlite {
                url: format!("sqlite://{}", dir.join("gatehouse.db").display()),
            },
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url } | TestDb::Postgres { url, .. } | TestDb::Shared { url } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. }) || self.url().starts_with("postgres")
    }

    /// Makes the database stop answering: PostgreSQL refuses new connections and
    /// drops existing ones; for SQLite (which cannot go away under an open
    /// connection) the schema the server relies on is dropped.
    pub fn break_it(&self) {
        match self {
            TestDb::Postgres {
                admin_url, name, ..
            } => {
                let mut admin = PgConnection::establish(admin_url).unwrap();
                diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
                    .execute(&mut admin)
                    .unwrap();
                diesel::sql_query(format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ))
                .execute(&mut admin)
                .unwrap();
            }
            TestDb::Shared { .. } => panic!("break the owning server's database"),
            TestDb::Sqlite { url } => {
                let path = url.trim_start_matches("sqlite://");
                let mut c = diesel::SqliteConnection::establish(path).unwrap();
                diesel::sql_query("DROP TABLE tenants")
                    .execute(&mut c)
                    .unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// Settings for a test server: port 0, fast argon2, one worker, an empty
/// tenants directory under `dir`.
pub fn test_config(dir: &Path, db: &TestDb) -> Config {
    let mut c = Config::default();
    c.server.bind = "127.0.0.1:0".parse().unwrap();
    c.server.workers = 2;
    c.server.shutdown_timeout = Duration::from_secs(1);
    c.database.url = DatabaseUrl::parse(db.url()).unwrap();
    c.database.pool_size = 8;
    c.tenants.dir = dir.join("tenants");
    c.mail.file_dir = dir.join("mail");
    c.tenants.shards = 2;
    c.tenants.reload_interval = Duration::from_millis(200);
    c.security.master_key = Some(SecretString::new(TEST_MASTER_KEY));
    c.security.master_key_file = None;
    c.passwords = PasswordConfig {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
        min_length: 8,
    };
    c
}

pub struct TestApp {
    pub address: String,
    pub state: actix_web::web::Data<AppState>,
    pub client: reqwest::Client,
    pub config: Config,
    pub dir: TempDir,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the server must release its connections first.
    pub db: TestDb,
}

impl TestApp {
    /// Runs `f` with a connection and the id of tenant `acme`.
    pub fn in_acme<T>(
        &self,
        f: impl FnOnce(
            &mut gatehouse::store::DbConnection,
            &gatehouse::store::TenantId,
        ) -> Result<T, gatehouse::store::StoreError>,
    ) -> T {
        use gatehouse::store;
        self.state
            .store
            .with_conn(|c| {
                let t = store::tenants::find_by_slug(c, "acme")?
                    .unwrap()
                    .tenant_id();
                f(c, &t)
            })
            .unwrap()
    }

    /// The id of user `username` of tenant `acme`.
    pub fn acme_user_id(&self, username: &str) -> String {
        self.in_acme(|c, t| {
            Ok(gatehouse::store::users::find_by_username(c, t, username)?
                .unwrap()
                .id)
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET `path` with one extra request header.
    pub async fn get_with(&self, path: &str, header: &str, value: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(header, value)
            .send()
            .await
            .unwrap()
    }

    /// GET `path` with `token` as the bearer access token.
    pub async fn get_bearer(&self, path: &str, token: &str) -> reqwest::Response {
        let req = self.client.get(self.url(path)).bearer_auth(token);
        req.send().await.unwrap()
    }

    /// GET `path`, its body as JSON (whatever the status).
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.unwrap()
    }

    pub fn tenants_dir(&self) -> PathBuf {
        self.config.tenants.dir.clone()
    }

    /// Writes a tenant file into the tenants directory.
    pub fn write_tenant(&self, file: &str, yaml: &str) -> PathBuf {
        let dir = self.tenants_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(file);
        std::fs::write(&path, yaml).unwrap();
        path
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// Starts a server with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, None).await
}

/// Starts a server after `tweak` adjusts the configuration; `tenant_yaml`, if
/// given, is written to the tenants directory first (applied at start-up).
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config), tenant_yaml: Option<&str>) -> TestApp {
    spawn_app_at(tweak, tenant_yaml, Arc::new(SystemClock)).await
}

/// Like [`spawn_app_with`], with the server reading time from `clock`.
pub async fn spawn_app_at(
    tweak: impl FnOnce(&mut Config),
    tenant_yaml: Option<&str>,
    clock: Arc<dyn Clock>,
) -> TestApp {
    spawn(tweak, tenant_yaml, clock, None).await
}

/// A server whose public URL (and so every issuer) is its real address.
pub async fn spawn_app_real_url(tenant_yaml: &str, clock: Arc<dyn Clock>) -> TestApp {
    spawn_app_real_url_with(|_| {}, tenant_yaml, clock).await
}

/// [`spawn_app_real_url`] after `tweak` adjusts the configuration (and
/// may write files beside the tenant file).
pub async fn spawn_app_real_url_with(
    tweak: impl FnOnce(&mut Config),
    tenant_yaml: &str,
    clock: Arc<dyn Clock>,
) -> TestApp {
    spawn(tweak, Some(tenant_yaml), clock, Some("http")).await
}

/// A server whose public URL is `https://` + its real address, as if a TLS
/// proxy stood in front (clients that insist on https map it back to http).
pub async fn spawn_app_behind_tls(tenant_yaml: &str) -> TestApp {
    spawn(
        |_| {},
        Some(tenant_yaml),
        Arc::new(SystemClock),
        Some("https"),
    )
    .await
}

async fn spawn(
    tweak: impl FnOnce(&mut Config),
    tenant_yaml: Option<&str>,
    clock: Arc<dyn Clock>,
    real_url: Option<&str>,
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(dir.path());
    let mut config = test_config(dir.path(), &db);
    tweak(&mut config);
    if let Some(yaml) = tenant_yaml {
        std::fs::create_dir_all(&config.tenants.dir).unwrap();
        std::fs::write(config.tenants.dir.join("tenant.yaml"), yaml).unwrap();
    }
    let listener = std::net::TcpListener::bind(&config.server.bind).unwrap();
    if let Some(scheme) = real_url {
        // The issuer names the real port, as OpenID Connect libraries require.
        let port = listener.local_addr().unwrap().port();
        config.server.public_url = public_url(&format!("{scheme}://127.0.0.1:{port}"));
    }
    start(config, clock, listener, dir, db).await
}

/// Runs a server on `listener` in the background.
async fn start(
    config: Config,
    clock: Arc<dyn Clock>,
    listener: std::net::TcpListener,
    dir: TempDir,
    db: TestDb,
) -> TestApp {
    let app = Application::build_on(config.clone(), clock, listener)
        .await
        .expect("server builds");
    let port = app.port();
    let state = app.state();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        state,
        client: reqwest::Client::new(),
        config,
        dir,
        handle,
        db,
    }
}

pub fn public_url(raw: &str) -> PublicUrl {
    PublicUrl::parse(raw).unwrap()
}

/// The documented example tenant, with a given slug.
pub fn demo_yaml(slug: &str) -> String {
    // The same file as the unit tests' GOOD tenant (src/tenancy/declarative/file).
    include_str!("../fixtures/demo-tenant.yaml").replacen(
        "slug: demo\n",
        &format!("slug: {slug}\n"),
        1,
    )
}

/// Polls `f` every 20 ms until it is true or `timeout` passes.
pub async fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    f()
}

/// Calls `f` up to `tries` times, `pause` apart, until it answers true; whether
/// it did. For conditions that need a request (so cannot use [`eventually`]).
pub async fn retry<F: std::future::Future<Output = bool>>(
    tries: usize,
    pause: Duration,
    mut f: impl FnMut() -> F,
) -> bool {
    for _ in 0..tries {
        if f().await {
            return true;
        }
        actix_web::rt::time::sleep(pause).await;
    }
    false
}

/// The `location` header of a redirect.
pub fn location_of(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Asserts that `res` answers `status` with a page whose text contains `text`.
pub async fn assert_page(res: reqwest::Response, status: u16, text: &str) {
    assert_eq!(res.status(), status);
    let body = res.text().await.unwrap();
    assert!(body.contains(text), "{body}");
}

/// A problem+json answer (RFC 9457): its status and body; asserts the content type.
pub async fn problem(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

/// The `detail` of a problem body.
pub fn detail(problem: &serde_json::Value) -> &str {
    problem["detail"].as_str().unwrap()
}

/// The claims of a JWT, unverified.
pub fn jwt_claims(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

/// `token` (a Biscuit) with a block of `code` appended by its holder; `keys`
/// is the tenant's biscuit-keys document.
pub fn append(token: &str, keys: &serde_json::Value, code: &str) -> String {
    use biscuit_auth::{Algorithm, Biscuit, PublicKey, builder::BlockBuilder};
    let key = PublicKey::from_bytes_hex(
        keys["keys"][0]["public_key"].as_str().unwrap(),
        Algorithm::Ed25519,
    )
    .unwrap();
    let biscuit = Biscuit::from_base64(token, key).unwrap();
    let block = BlockBuilder::new().code(code).unwrap();
    biscuit.append(block).unwrap().to_base64().unwrap()
}

/// Asserts that `v` accepts `token` for `request` on resource `note-42` and
/// denies it on `note-7`: what a token narrowed to note-42 must do.
pub fn assert_only_note_42(
    v: &gatehouse::verify::Verifier,
    token: &str,
    request: gatehouse::verify::Request,
) {
    assert!(
        v.verify(token, &request.clone().resource("note-42"))
            .is_ok()
    );
    assert_eq!(
        v.verify(token, &request.resource("note-7")).unwrap_err(),
        gatehouse::verify::VerifyError::Denied
    );
}

/// A second server process on `first`'s database (as a launcher worker or a
/// replica would be), with its own tenant actors and caches.
pub async fn spawn_second(first: &TestApp) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::Shared {
        url: first.db.url().to_owned(),
    };
    let mut config = first.config.clone();
    config.server.bind = "127.0.0.1:0".parse().unwrap();
    config.tenants.apply_on_start = false;
    let listener = std::net::TcpListener::bind(&config.server.bind).unwrap();
    start(config, Arc::new(SystemClock), listener, dir, db).await
}
