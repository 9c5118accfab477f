//! The app's settings, from `DEMO_*` environment variables; the defaults fit
//! `gatehouse serve` with the shipped demo tenant on this machine.

use anyhow::{Context, bail};

#[derive(Clone)]
pub struct Config {
    /// Where the app listens (`DEMO_BIND`, 127.0.0.1:3000).
    pub bind: String,
    /// The URL browsers reach the app at (`DEMO_PUBLIC_URL`,
    /// http://127.0.0.1:3000): the redirect URIs the demo tenant registers.
    pub public_url: String,
    /// The tenant's issuer (`DEMO_ISSUER`, http://127.0.0.1:8080/t/demo).
    pub issuer: String,
    /// The tenant's slug, the issuer's last path segment.
    pub tenant: String,
    /// The confidential client this app is (`DEMO_CLIENT_ID`, demo-web).
    pub client_id: String,
    /// Its secret (`DEMO_CLIENT_SECRET`; the demo tenant's well-known one).
    pub client_secret: String,
    /// The public client the browser-only page uses (`DEMO_SPA_CLIENT_ID`).
    pub spa_client_id: String,
    /// Refresh the access token when it expires within this many seconds
    /// (`DEMO_REFRESH_BEFORE_SECS`, 30).
    pub refresh_before_secs: i64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"REDACTED")
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The settings from the environment; a `DEMO_*` variable the app does
    /// not read stops it (a misspelt one would otherwise be ignored).
    pub fn from_env() -> anyhow::Result<Self> {
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("DEMO_") && !Self::VARIABLES.contains(&k.as_ref()) {
                bail!(
                    "unknown setting {k}; the app reads {}",
                    Self::VARIABLES.join(", ")
                );
            }
        }
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Every variable the app reads (docker-compose.yml may set no other).
    pub const VARIABLES: [&str; 7] = [
        "DEMO_BIND",
        "DEMO_PUBLIC_URL",
        "DEMO_ISSUER",
        "DEMO_CLIENT_ID",
        "DEMO_CLIENT_SECRET",
        "DEMO_SPA_CLIENT_ID",
        "DEMO_REFRESH_BEFORE_SECS",
    ];

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let or = |k: &str, d: &str| get(k).unwrap_or_else(|| d.to_owned());
        let issuer = or("DEMO_ISSUER", "http://127.0.0.1:8080/t/demo")
            .trim_end_matches('/')
            .to_owned();
        let parsed = url::Url::parse(&issuer).context("DEMO_ISSUER is not a URL")?;
        let tenant = match parsed.path_segments().and_then(|mut s| s.next_back()) {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => bail!("DEMO_ISSUER {issuer} names no tenant (…/t/TENANT)"),
        };
        let refresh_before_secs = or("DEMO_REFRESH_BEFORE_SECS", "30")
            .parse()
            .context("DEMO_REFRESH_BEFORE_SECS is not a number of seconds")?;
        Ok(Self {
            bind: or("DEMO_BIND", "127.0.0.1:3000"),
            public_url: or("DEMO_PUBLIC_URL", "http://127.0.0.1:3000")
                .trim_end_matches('/')
                .to_owned(),
            issuer,
            tenant,
            client_id: or("DEMO_CLIENT_ID", "demo-web"),
            client_secret: or("DEMO_CLIENT_SECRET", "demo-web-secret-change-me"),
            spa_client_id: or("DEMO_SPA_CLIENT_ID", "demo-spa"),
            refresh_before_secs,
        })
    }

    /// Cookies get `Secure` when the app is served over HTTPS.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn defaults_fit_the_demo_tenant() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.issuer, "http://127.0.0.1:8080/t/demo");
        assert_eq!(c.tenant, "demo");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!format!("{c:?}").contains("demo-web-secret"));
    }

    /// docker-compose.yml's demo-app service: its image's and its own
    /// variables are ones the app reads, and they meet the demo tenant (its
    /// redirect URI) and the ports the gatehouse service publishes.
    #[test]
    fn the_compose_service_is_a_configuration_the_app_reads() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let read = |f: &str| std::fs::read_to_string(format!("{root}/{f}")).unwrap();
        let compose: serde_yaml::Value = serde_yaml::from_str(&read("docker-compose.yml")).unwrap();
        let service = &compose["services"]["demo-app"];
        let mut env: std::collections::BTreeMap<String, String> = service["environment"]
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_owned(),
                    v.as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let dockerfile = read("Dockerfile");
        let stage = dockerfile.split("AS demo-app").nth(1).unwrap();
        for line in stage.lines().filter_map(|l| l.strip_prefix("ENV ")) {
            let (k, v) = line.split_once('=').unwrap();
            env.entry(k.to_owned()).or_insert_with(|| v.to_owned());
        }
        for k in env.keys() {
            assert!(
                Config::VARIABLES.contains(&k.as_str()),
                "the app does not read {k}"
            );
        }
        let c = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        assert_eq!(service["network_mode"].as_str(), Some("service:gatehouse"));
        let ports: Vec<&str> = compose["services"]["gatehouse"]["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let public = url::Url::parse(&c.public_url).unwrap();
        let bind_port = c.bind.rsplit(':').next().unwrap();
        let published = format!("127.0.0.1:{}:{bind_port}", public.port().unwrap());
        assert!(
            ports.contains(&published.as_str()),
            "{published} in {ports:?}"
        );
        let issuer = url::Url::parse(&c.issuer).unwrap();
        assert!(
            ports.contains(&format!("127.0.0.1:{}:8080", issuer.port().unwrap()).as_str()),
            "the issuer is the port Gatehouse publishes: {ports:?}"
        );
        let tenant: serde_yaml::Value = serde_yaml::from_str(&read("tenants/demo.yaml")).unwrap();
        let web = tenant["clients"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|cl| cl["client_id"].as_str() == Some(c.client_id.as_str()))
            .unwrap();
        assert_eq!(
            web["redirect_uris"][0].as_str(),
            Some(format!("{}/callback", c.public_url).as_str())
        );
        assert_eq!(
            web["post_logout_redirect_uris"][0].as_str(),
            Some(format!("{}/", c.public_url).as_str())
        );
        assert_eq!(web["secret"].as_str(), Some(c.client_secret.as_str()));
    }

    #[test]
    fn the_tenant_comes_from_the_issuer() {
        let c = Config::from_lookup(|k| {
            (k == "DEMO_ISSUER").then(|| "https://id.example.com/t/acme/".to_owned())
        })
        .unwrap();
        assert_eq!(
            (c.issuer.as_str(), c.tenant.as_str()),
            ("https://id.example.com/t/acme", "acme")
        );
        let bad = Config::from_lookup(|k| (k == "DEMO_ISSUER").then(|| "nonsense".to_owned()));
        assert_eq!(bad.unwrap_err().to_string(), "DEMO_ISSUER is not a URL");
    }
}
