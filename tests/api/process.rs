//! `gatehouse serve` as an operator starts it: a real OS process in a working
//! directory of its own, with the default configuration unless told
//! otherwise — the files it creates, how it starts, what it says.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

/// A running `gatehouse serve`; killed when dropped.
pub struct Served {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it with SIGTERM and waits for it to exit; its log.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "did not stop: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        };
        (status, self.log())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The command, run in `dir` on port 0 with fast password hashing, the
/// database of this test run (`GATEHOUSE_TEST_DATABASE_URL`) or SQLite under
/// `dir`, and `env` on top.
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("GATEHOUSE_TEST_DATABASE_URL")
        .env("GATEHOUSE_SERVER__BIND", "127.0.0.1:0")
        .env("GATEHOUSE_PASSWORDS__MEMORY_KIB", "64")
        .env("GATEHOUSE_PASSWORDS__ITERATIONS", "1")
        .env("GATEHOUSE_LOGGING__LEVEL", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts `gatehouse serve` and waits until it listens (or exits).
pub fn serve(dir: &Path, env: &[(&str, &str)]) -> Result<Served, String> {
    serve_args(dir, env, &["serve"])
}

pub fn serve_args(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Result<Served, String> {
    serve_from(dir, dir, env, args)
}

/// Like [`serve_args`], started in `cwd`, logging into `log_dir`.
pub fn serve_from(
    cwd: &Path,
    log_dir: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Result<Served, String> {
    let dir = cwd;
    let log = log_dir.join(format!("serve-{}.log", uuid::Uuid::new_v4().simple()));
    let out = std::fs::File::create(&log).unwrap();
    let err = out.try_clone().unwrap();
    let child = command(dir, env)
        .args(args)
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .unwrap();
    let mut served = Served {
        child,
        port: 0,
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = served.log();
        if let Some(port) = listening_port(&text) {
            served.port = port;
            // Serving (and handling signals) once it answers.
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && get(&served.url("/healthz")).0 == 200
            {
                return Ok(served);
            }
        }
        if let Some(status) = served.child.try_wait().unwrap() {
            return Err(format!("exited with {status}:\n{text}"));
        }
        if Instant::now() > deadline {
            return Err(format!("did not start:\n{text}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn listening_port(log: &str) -> Option<u16> {
    let line = log.lines().find(|l| l.contains("gatehouse is listening"))?;
    let at = line.find("port=")? + 5;
    line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// A blocking GET: status and body.
pub fn get(url: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://");
    let (host, path) = addr.split_once('/').unwrap_or((addr, ""));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    use std::io::Write;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[cfg(unix)]
#[test]
fn data_the_database_and_the_master_key_are_created_for_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Defaults: SQLite under ./data/, the master key in ./data/master.key.
    let served = serve(dir.path(), &[]).unwrap();
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/gatehouse.db"), 0o600);
    assert_eq!(mode("data/master.key"), 0o600);
    for wal in ["data/gatehouse.db-wal", "data/gatehouse.db-shm"] {
        if dir.path().join(wal).exists() {
            assert_eq!(mode(wal) & 0o077, 0, "{wal}");
        }
    }
    drop(served);
}

/// Counts the rows of `table` in a server's SQLite database.
fn rows_in(db: &Path, table: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl, sql_types::BigInt};
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut c = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut c)
        .unwrap()
        .n
}

#[test]
fn sigterm_with_live_tenants_stops_cleanly_and_removes_its_acks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tenants")).unwrap();
    for slug in ["alpha", "beta"] {
        std::fs::write(
            dir.path().join(format!("tenants/{slug}.yaml")),
            format!("slug: {slug}\nname: {slug}\n"),
        )
        .unwrap();
    }
    let served = serve(dir.path(), &[]).unwrap();
    for slug in ["alpha", "beta"] {
        assert_eq!(get(&served.url(&format!("/t/{slug}"))).0, 200);
    }
    let db = dir.path().join("data/gatehouse.db");
    assert_eq!(rows_in(&db, "revocation_acks"), 2, "one per live tenant");
    // The process's one heartbeat row, written by its first sync tick.
    let mut beating = false;
    for _ in 0..100 {
        beating = rows_in(&db, "sync_processes") == 1;
        if beating {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(beating, "no heartbeat row");
    let (status, log) = served.stop();
    assert!(status.success(), "{status}: {log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("gatehouse stopped"), "{log}");
    assert_eq!(rows_in(&db, "revocation_acks"), 0, "{log}");
    assert_eq!(rows_in(&db, "sync_processes"), 0, "{log}");
}

#[test]
fn a_missing_or_wrong_master_key_refuses_to_start_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tenants")).unwrap();
    std::fs::write(
        dir.path().join("tenants/alpha.yaml"),
        "slug: alpha\nname: Alpha\n",
    )
    .unwrap();
    let (status, log) = serve(dir.path(), &[]).unwrap().stop();
    assert!(status.success(), "{log}");

    // The key file is gone: no new key, no start.
    let key_file = dir.path().join("data/master.key");
    std::fs::remove_file(&key_file).unwrap();
    let err = serve(dir.path(), &[]).err().expect("must not start");
    assert!(
        err.contains(&format!("security.master_key_file {}", key_file.display()))
            && err.contains("restore that key"),
        "{err}"
    );
    assert!(!key_file.exists(), "no new key was made");

    // Another key, from the environment.
    let other = [(
        "GATEHOUSE_SECURITY__MASTER_KEY",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    )];
    let err = serve(dir.path(), &other).err().expect("must not start");
    assert!(
        err.contains(
            "the master key from security.master_key (in the config file or GATEHOUSE_SECURITY__MASTER_KEY) is not the key this database was set up with"
        ),
        "{err}"
    );
}

#[test]
fn relative_paths_in_the_config_file_follow_the_file_not_the_working_directory() {
    let root = tempfile::tempdir().unwrap();
    let install = root.path().join("srv/gatehouse");
    std::fs::create_dir_all(install.join("config")).unwrap();
    std::fs::create_dir_all(install.join("tenants")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/config/gatehouse.yaml"),
        install.join("config/gatehouse.yaml"),
    )
    .unwrap();
    std::fs::write(
        install.join("tenants/alpha.yaml"),
        "slug: alpha\nname: Alpha\n",
    )
    .unwrap();
    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let config = install.join("config/gatehouse.yaml");
    let served = serve_from(
        &elsewhere,
        root.path(),
        &[],
        &["--config", config.to_str().unwrap(), "serve"],
    )
    .unwrap();
    assert_eq!(get(&served.url("/t/alpha")).0, 200, "{}", served.log());
    assert!(install.join("data/gatehouse.db").exists());
    assert!(install.join("data/master.key").exists());
    assert!(
        !elsewhere.join("data").exists(),
        "nothing lands in the working directory"
    );
    let log = served.log();
    let tenants = install.join("tenants");
    assert!(
        log.contains(&format!("tenants_dir={}", tenants.display())),
        "{log}"
    );
}

#[test]
fn bind_accepts_a_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[("GATEHOUSE_SERVER__BIND", "localhost:0")]).unwrap();
    assert_eq!(get(&served.url("/healthz")).0, 200);
}
