use super::Config;
use figment::Figment;
use figment::providers::{Env, Format, Yaml};
use std::path::{Path, PathBuf};

/// The file read when no `--config` is given. A missing default file is fine
/// (defaults apply); a missing explicit file is an error.
pub const DEFAULT_PATH: &str = "config/gatehouse.yaml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration:\n{0}")]
    Invalid(String),
    #[error("invalid configuration: {key}: {message}")]
    Rule { key: &'static str, message: String },
}

/// Loads the configuration from `path` (or [`DEFAULT_PATH`]) and the
/// `GATEHOUSE_*` environment, then checks the rules types cannot express.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let file = match path {
        Some(p) if !p.exists() => return Err(ConfigError::MissingFile(p.to_path_buf())),
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(DEFAULT_PATH),
    };
    let figment = Figment::new().merge(Yaml::file(&file)).merge(
        // GATEHOUSE_TEST_* variables belong to the test harness, not the server.
        Env::prefixed("GATEHOUSE_")
            .split("__")
            .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_")),
    );
    let mut config: Config = figment.extract().map_err(|e| describe(&e))?;
    validate(&config)?;
    let cwd = std::env::current_dir().map_err(|e| ConfigError::Rule {
        key: "(paths)",
        message: format!("cannot read the working directory: {e}"),
    })?;
    let file_dir = file
        .exists()
        .then(|| normalize(&cwd.join(&file)))
        .and_then(|f| f.parent().map(Path::to_path_buf));
    resolve_paths(&mut config, &figment, &cwd, file_dir.as_deref())?;
    read_password_file(&mut config)?;
    Ok(config)
}

/// Makes the configuration's relative paths absolute: a path written in the
/// config file (or a default, when a config file is in use) is relative to
/// that file's directory, so the server finds its data wherever it is
/// started from; a path from a `GATEHOUSE_*` variable is relative to the
/// working directory, like any path typed in a shell.
fn resolve_paths(
    config: &mut Config,
    figment: &Figment,
    cwd: &Path,
    file_dir: Option<&Path>,
) -> Result<(), ConfigError> {
    let base = |key: &str| -> PathBuf {
        let from_env = figment
            .find_metadata(key)
            .is_some_and(|m| m.name.contains("environment"));
        match (from_env, file_dir) {
            (false, Some(dir)) => dir.to_path_buf(),
            _ => cwd.to_path_buf(),
        }
    };
    let absolute = |key: &str, p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            normalize(&base(key).join(p))
        }
    };
    config.tenants.dir = absolute("tenants.dir", &config.tenants.dir);
    if let Some(f) = &config.security.master_key_file {
        config.security.master_key_file = Some(absolute("security.master_key_file", f));
    }
    if let Some(f) = &config.database.password_file {
        config.database.password_file = Some(absolute("database.password_file", f));
    }
    config.mail.file_dir = absolute("mail.file_dir", &config.mail.file_dir);
    if let Some(f) = &config.mail.smtp.password_file {
        config.mail.smtp.password_file = Some(absolute("mail.smtp.password_file", f));
    }
    if let Some(f) = &config.sms.webhook.secret_file {
        config.sms.webhook.secret_file = Some(absolute("sms.webhook.secret_file", f));
    }
    if let Some(db) = config.database.url.sqlite_path() {
        let abs = absolute("database.url", &db);
        config.database.url =
            crate::store::DatabaseUrl::parse(&format!("sqlite://{}", abs.display())).map_err(
                |e| ConfigError::Rule {
                    key: "database.url",
                    message: e.to_string(),
                },
            )?;
    }
    Ok(())
}

/// Puts the password from `database.password_file` into the URL.
fn read_password_file(config: &mut Config) -> Result<(), ConfigError> {
    let Some(path) = &config.database.password_file else {
        return Ok(());
    };
    let rule = |message: String| ConfigError::Rule {
        key: "database.password_file",
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| rule(format!("cannot read {}: {e}", path.display())))?;
    let password = text.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(rule(format!("{} is empty", path.display())));
    }
    config.database.url = config.database.url.with_password(password).map_err(rule)?;
    Ok(())
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// One line per problem, naming the key and where its value came from.
fn describe(error: &figment::Error) -> ConfigError {
    let lines: Vec<String> = error
        .clone()
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                "(top level)".to_owned()
            } else {
                e.path.join(".")
            };
            let origin = match &e.metadata {
                // Name the exact variable, e.g. GATEHOUSE_SERVER__WORKERS.
                Some(m) if m.name.contains("environment") => format!(
                    "environment variable GATEHOUSE_{}",
                    e.path.join("__").to_ascii_uppercase()
                ),
                Some(m) => match &m.source {
                    Some(src) => format!("{} {}", m.name, src),
                    None => m.name.to_string(),
                },
                None => "defaults".to_owned(),
            };
            format!("  - key `{key}` (from {origin}): {}", e.kind)
        })
        .collect();
    ConfigError::Invalid(lines.join("\n"))
}

fn validate(config: &Config) -> Result<(), ConfigError> {
    if config.database.pool_size == 0 {
        return Err(ConfigError::Rule {
            key: "database.pool_size",
            message: "must be at least 1".into(),
        });
    }
    if config.tenants.idle_timeout.is_zero() {
        return Err(ConfigError::Rule {
            key: "tenants.idle_timeout",
            message: "must be longer than zero".into(),
        });
    }
    let p = &config.passwords;
    argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, None).map_err(|e| {
        ConfigError::Rule {
            key: "passwords",
            message: format!("invalid argon2 parameters: {e}"),
        }
    })?;
    if config.security.master_key.is_none() && config.security.master_key_file.is_none() {
        return Err(ConfigError::Rule {
            key: "security.master_key",
            message: "set security.master_key or security.master_key_file".into(),
        });
    }
    super::mail::check(&config.mail)
        .map_err(|(key, message)| ConfigError::Rule { key, message })?;
    super::sms::check(&config.sms).map_err(|(key, message)| ConfigError::Rule { key, message })?;
    if let Some(key) = &config.security.master_key {
        super::MasterKey::decode(key.expose()).map_err(|message| ConfigError::Rule {
            key: "security.master_key",
            message,
        })?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    fn err_text(r: Result<Config, ConfigError>) -> String {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_without_a_file() {
        Jail::expect_with(|_jail| {
            let c = load(None).unwrap();
            assert_eq!(c.server.bind.to_string(), "127.0.0.1:8080");
            assert_eq!(c.server.public_url.as_str(), "http://127.0.0.1:8080");
            // No config file: relative paths are the working directory's.
            let cwd = std::env::current_dir().unwrap();
            assert_eq!(
                c.database.url.expose(),
                format!("sqlite://{}/data/gatehouse.db", cwd.display())
            );
            assert_eq!(c.tenants.dir, cwd.join("tenants"));
            Ok(())
        });
    }

    #[test]
    fn bind_takes_host_names_and_refuses_what_is_not_host_port() {
        Jail::expect_with(|jail| {
            jail.create_file("g.yaml", "server:\n  bind: localhost:9000\n")?;
            let c = load(Some(Path::new("g.yaml"))).unwrap();
            assert_eq!(c.server.bind.as_str(), "localhost:9000");
            for ok in ["0.0.0.0:80", "[::1]:8080", "id.internal:443"] {
                assert!(crate::config::BindAddr::parse(ok).is_ok(), "{ok}");
            }
            jail.create_file("bad.yaml", "server:\n  bind: localhost\n")?;
            let msg = err_text(load(Some(Path::new("bad.yaml"))));
            assert!(
                msg.contains("server.bind") && msg.contains("is not host:port"),
                "{msg}"
            );
            for bad in ["host:99999", "[::1:80", ":80", "a b:80"] {
                assert!(crate::config::BindAddr::parse(bad).is_err(), "{bad}");
            }
            Ok(())
        });
    }

    #[test]
    fn relative_paths_follow_the_file_that_wrote_them() {
        Jail::expect_with(|jail| {
            std::fs::create_dir_all(jail.directory().join("etc/gh")).unwrap();
            jail.create_file(
                "etc/gh/g.yaml",
                "tenants:\n  dir: ../../tenants\ndatabase:\n  url: sqlite://db/g.db\n",
            )?;
            jail.set_env("GATEHOUSE_SECURITY__MASTER_KEY_FILE", "keys/master.key");
            let c = load(Some(Path::new("etc/gh/g.yaml"))).unwrap();
            let root = std::env::current_dir().unwrap();
            assert_eq!(c.tenants.dir, root.join("tenants"));
            assert_eq!(
                c.database.url.expose(),
                format!("sqlite://{}/etc/gh/db/g.db", root.display())
            );
            // From a variable: the working directory's.
            assert_eq!(
                c.security.master_key_file,
                Some(root.join("keys/master.key"))
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        Jail::expect_with(|jail| {
            jail.create_file("g.yaml", "server:\n  bnd: 1.2.3.4:80\n")?;
            let msg = err_text(load(Some(Path::new("g.yaml"))));
            assert!(msg.contains("server.bnd"), "{msg}");
            assert!(msg.contains("g.yaml"), "{msg}");
            assert!(msg.contains("unknown field"), "{msg}");
            Ok(())
        });
    }

    #[test]
    fn wrong_type_names_key() {
        Jail::expect_with(|jail| {
            jail.create_file("g.yaml", "database:\n  pool_size: lots\n")?;
            let msg = err_text(load(Some(Path::new("g.yaml"))));
            assert!(msg.contains("database.pool_size"), "{msg}");
            assert!(msg.contains("g.yaml"), "{msg}");
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file() {
        Jail::expect_with(|jail| {
            jail.create_file("g.yaml", "server:\n  bind: 127.0.0.1:9000\n")?;
            jail.set_env("GATEHOUSE_SERVER__BIND", "127.0.0.1:9100");
            jail.set_env("GATEHOUSE_DATABASE__POOL_SIZE", "3");
            jail.set_env("GATEHOUSE_TEST_DATABASE_URL", "postgres://ignored/");
            let c = load(Some(Path::new("g.yaml"))).unwrap();
            assert_eq!(c.server.bind.to_string(), "127.0.0.1:9100");
            assert_eq!(c.database.pool_size, 3);
            Ok(())
        });
    }

    #[test]
    fn the_database_password_comes_from_its_file() {
        Jail::expect_with(|jail| {
            jail.create_file("pw", "s3cret/+@\n")?;
            jail.set_env("GATEHOUSE_DATABASE__URL", "postgres://gatehouse@db:5432/g");
            jail.set_env("GATEHOUSE_DATABASE__PASSWORD_FILE", "pw");
            let c = load(None).unwrap();
            assert_eq!(
                c.database.url.expose(),
                "postgres://gatehouse:s3cret%2F+%40@db:5432/g"
            );
            assert_eq!(
                c.database.url.redacted(),
                "postgres://gatehouse:REDACTED@db:5432/g"
            );
            assert!(!format!("{c:?}").contains("s3cret"));
            Ok(())
        });
    }

    #[test]
    fn a_password_file_needs_a_postgres_url_without_a_password() {
        Jail::expect_with(|jail| {
            jail.create_file("pw", "s3cret\n")?;
            jail.create_file("empty", "\n")?;
            jail.set_env("GATEHOUSE_DATABASE__PASSWORD_FILE", "pw");
            assert_eq!(
                err_text(load(None)),
                "invalid configuration: database.password_file: only a postgres:// database URL takes a password"
            );
            jail.set_env("GATEHOUSE_DATABASE__URL", "postgres://u:other@db/g");
            assert_eq!(
                err_text(load(None)),
                "invalid configuration: database.password_file: database.url has a password already; remove one of the two"
            );
            jail.set_env("GATEHOUSE_DATABASE__URL", "postgres://u@db/g");
            jail.set_env("GATEHOUSE_DATABASE__PASSWORD_FILE", "empty");
            let msg = err_text(load(None));
            assert!(msg.ends_with("/empty is empty"), "{msg}");
            jail.set_env("GATEHOUSE_DATABASE__PASSWORD_FILE", "missing");
            let msg = err_text(load(None));
            assert!(
                msg.starts_with("invalid configuration: database.password_file: cannot read /"),
                "{msg}"
            );
            Ok(())
        });
    }

    #[test]
    fn bad_env_value_names_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("GATEHOUSE_SERVER__WORKERS", "many");
            let msg = err_text(load(None));
            assert!(msg.contains("server.workers"), "{msg}");
            assert!(msg.contains("GATEHOUSE_SERVER__WORKERS"), "{msg}");
            Ok(())
        });
    }

    #[test]
    fn rules_name_the_key() {
        Jail::expect_with(|jail| {
            jail.create_file("g.yaml", "database:\n  pool_size: 0\n")?;
            let msg = err_text(load(Some(Path::new("g.yaml"))));
            assert!(
                msg.contains("database.pool_size: must be at least 1"),
                "{msg}"
            );
            Ok(())
        });
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        Jail::expect_with(|_jail| {
            let msg = err_text(load(Some(Path::new("nope.yaml"))));
            assert!(msg.contains("nope.yaml does not exist"), "{msg}");
            Ok(())
        });
    }
}
