use super::SecretString;
use crate::store::DatabaseUrl;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::path::PathBuf;
use std::time::Duration;

/// The whole configuration. Every section has defaults, so an empty file (or no
/// file) gives a server on 127.0.0.1:8080 with SQLite under `./data/`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub tenants: TenantsConfig,
    pub security: SecurityConfig,
    pub passwords: PasswordConfig,
    pub logging: LoggingConfig,
    pub mail: super::MailConfig,
    pub sms: super::SmsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on: `host:port`, the host an IP address or a name
    /// (`localhost:9000`, `[::1]:8080`).
    pub bind: BindAddr,
    /// The externally visible base URL; issuers are `{public_url}/t/{tenant}`.
    pub public_url: PublicUrl,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// How long in-flight requests get to finish on SIGTERM/SIGINT.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Threads that evaluate narrowed access tokens (Biscuits with appended
    /// blocks), off the HTTP workers; 0 means half the CPU cores, at least one.
    pub evaluation_threads: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: BindAddr("127.0.0.1:8080".into()),
            public_url: PublicUrl::default(),
            workers: 0,
            shutdown_timeout: Duration::from_secs(30),
            evaluation_threads: 0,
        }
    }
}

/// `host:port` to listen on; the host may be a name, resolved when binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddr(String);

impl BindAddr {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (host, port) = raw
            .rsplit_once(':')
            .ok_or_else(|| format!("{raw:?} is not host:port"))?;
        port.parse::<u16>()
            .map_err(|_| format!("{raw:?}: the port must be a number from 0 to 65535"))?;
        let host_ok = if let Some(inner) = host.strip_prefix('[') {
            inner
                .strip_suffix(']')
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
        } else {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        };
        if !host_ok {
            return Err(format!(
                "{raw:?}: the host must be an IP address ([v6] in brackets) or a host name"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for BindAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl std::fmt::Display for BindAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::net::ToSocketAddrs for BindAddr {
    type Iter = std::vec::IntoIter<std::net::SocketAddr>;
    fn to_socket_addrs(&self) -> std::io::Result<Self::Iter> {
        self.0.as_str().to_socket_addrs()
    }
}

impl Serialize for BindAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for BindAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://…`.
    #[serde(
        serialize_with = "serialize_db_url",
        deserialize_with = "deserialize_db_url"
    )]
    pub url: DatabaseUrl,
    /// A file holding the password of a `postgres://` URL written without
    /// one (a Docker or Kubernetes secret), so that the password appears in
    /// no environment variable or config file. Trailing newlines are dropped.
    pub password_file: Option<PathBuf>,
    /// Connections in the pool. On SQLite, requests use one connection on a
    /// database thread (`store::sqlite_thread`); the pool serves start-up,
    /// health checks and the CLI.
    pub pool_size: u32,
    /// How long to wait for a connection before failing a request.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Apply pending migrations when the server starts.
    pub migrate_on_start: bool,
    /// How often each process deletes revocation and client-assertion rows
    /// whose tokens expired (`store::purge`).
    #[serde(with = "humantime_serde")]
    pub purge_interval: Duration,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: default_database_url(),
            password_file: None,
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            migrate_on_start: true,
            purge_interval: Duration::from_secs(600),
        }
    }
}

fn default_database_url() -> DatabaseUrl {
    match DatabaseUrl::parse("sqlite://data/gatehouse.db") {
        Ok(url) => url,
        Err(_) => unreachable!("the default database URL is valid"),
    }
}

fn serialize_db_url<S: Serializer>(url: &DatabaseUrl, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&url.redacted())
}

fn deserialize_db_url<'de, D: Deserializer<'de>>(d: D) -> Result<DatabaseUrl, D::Error> {
    let raw = String::deserialize(d)?;
    DatabaseUrl::parse(&raw).map_err(serde::de::Error::custom)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TenantsConfig {
    /// Directory of declarative tenant files (`*.yaml`).
    pub dir: PathBuf,
    /// Apply the tenant files when the server starts.
    pub apply_on_start: bool,
    /// Stop a tenant's actor after this long without requests.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// How often the process reads the configuration versions of all its
    /// live tenants and reloads those that moved: the fallback for a change
    /// that moved no change counter (a process of an earlier version). A
    /// change by a current process is noticed at the next revocation sync
    /// tick (`revocation_sync_interval`), or at once on PostgreSQL.
    #[serde(with = "humantime_serde")]
    pub reload_interval: Duration,
    /// How often the process reads revocations and bans recorded by other
    /// processes (one sync for all its live tenants, `tenancy::sync`): the
    /// longest a revoked access token still passes in another process.
    #[serde(with = "humantime_serde")]
    pub revocation_sync_interval: Duration,
    /// How long a ban call waits for every process holding the tenant to
    /// apply the ban before answering (it answers as soon as all have).
    #[serde(with = "humantime_serde")]
    pub ban_confirm_timeout: Duration,
    /// Arbiter threads that host tenant actors; 0 means one per CPU core.
    pub shards: usize,
}

impl Default for TenantsConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("tenants"),
            apply_on_start: true,
            idle_timeout: Duration::from_secs(15 * 60),
            reload_interval: Duration::from_secs(60),
            revocation_sync_interval: Duration::from_millis(250),
            ban_confirm_timeout: Duration::from_secs(5),
            shards: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// How long a browser sign-in lasts.
    #[serde(with = "humantime_serde")]
    pub session_ttl: Duration,
    /// Master key (32 bytes, base64 or hex) that encrypts private keys at rest.
    pub master_key: Option<SecretString>,
    /// File holding the master key; created with a fresh random key if missing.
    /// Ignored when `master_key` is set.
    pub master_key_file: Option<PathBuf>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(12 * 3600),
            master_key: None,
            master_key_file: Some(PathBuf::from("data/master.key")),
        }
    }
}

/// argon2id parameters for user passwords.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Shortest password accepted when one is set.
    pub min_length: usize,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        // OWASP's argon2id recommendation.
        Self {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
            min_length: 8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `gatehouse=debug,actix_web=info`.
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// The public base URL: absolute http(s), no query or fragment, kept without a
/// trailing slash so that issuers compare exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    raw: String,
    loopback: bool,
    https: bool,
}

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("not an absolute URL: {e}"))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(format!("scheme must be http or https, not {other}")),
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err("must not have a query or fragment".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry credentials".into());
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err("must have a host".into()),
        };
        let raw = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self {
            raw,
            loopback,
            https,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// True when the host is localhost or a loopback address.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The issuer of a tenant: `{public_url}/t/{slug}`.
    pub fn issuer(&self, slug: &str) -> String {
        format!("{}/t/{}", self.raw, slug)
    }
}

impl Default for PublicUrl {
    fn default() -> Self {
        Self {
            raw: "http://127.0.0.1:8080".into(),
            loopback: true,
            https: false,
        }
    }
}

impl Serialize for PublicUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for PublicUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        PublicUrl::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_normalised() {
        let u = PublicUrl::parse("https://id.example.com/").unwrap();
        assert_eq!(u.as_str(), "https://id.example.com");
        assert_eq!(u.issuer("acme"), "https://id.example.com/t/acme");
        assert!(!u.is_loopback());
        assert!(u.is_https());
        assert!(
            PublicUrl::parse("http://localhost:8080")
                .unwrap()
                .is_loopback()
        );
        assert!(PublicUrl::parse("http://[::1]:8080").unwrap().is_loopback());
        assert!(PublicUrl::parse("ftp://x").is_err());
        assert!(PublicUrl::parse("https://x/?a=b").is_err());
        assert!(PublicUrl::parse("/relative").is_err());
    }
}
