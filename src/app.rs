//! Building the running server from a configuration; used by `serve` and by the
//! tests (which bind port 0).

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, MasterKey};
pub use crate::http::AppState;
use crate::identity::password::PasswordHasher;
use crate::store::Store;
use crate::tenancy::health::{Health, Severity};
use crate::tenancy::{LoadContext, Supervisor, SupervisorOptions, declarative};
use crate::tokens::evaluator::Evaluator;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, migrates, applies the tenant files, starts the
    /// tenant supervisor and binds the listener. Must run inside an actix System.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.server.bind)
            .with_context(|| format!("failed to bind {}", config.server.bind))?;
        Self::build_on(config, clock, listener).await
    }

    /// Builds on a listener bound by the caller (tests bind port 0 first so that
    /// the public URL can name the real port).
    pub async fn build_on(
        config: Config,
        clock: Arc<dyn Clock>,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        let health = Arc::new(Health::default());
        let prepared = {
            let (config, clock, health) = (config.clone(), clock.clone(), health.clone());
            web::block(move || prepare(&config, clock.as_ref(), &health))
                .await
                .context("start-up task was cancelled")??
        };
        let (store, passwords, master_key) = prepared;
        tracing::info!(
            database = %config.database.url.redacted(),
            tenants_dir = %config.tenants.dir.display(),
            master_key_file = %config
                .security
                .master_key_file
                .as_ref()
                .map_or_else(|| "-".to_owned(), |p| p.display().to_string()),
            "paths"
        );
        let tenants = Supervisor::start(
            store.clone(),
            supervisor_options(&config, &master_key, clock.clone(), health.clone()),
        );
        let state = web::Data::new(AppState {
            config: config.clone(),
            store,
            tenants,
            clock,
            passwords,
            master_key,
            evaluator: Evaluator::start(config.server.evaluation_threads)
                .context("starting the token evaluation threads")?,
            health,
            mailer: Arc::new(crate::mail::Mailer::new(&config.mail).context("mail settings")?),
            sms: crate::sms::from_config(&config.sms).context("sms settings")?,
        });
        crate::store::purge::spawn(
            state.store.clone(),
            state.clock.clone(),
            config.database.purge_interval,
        );
        let port = listener.local_addr()?.port();
        let server = {
            let state = state.clone();
            let mut server = HttpServer::new(move || {
                App::new()
                    .app_data(state.clone())
                    .app_data(web::PayloadConfig::new(64 * 1024))
                    .wrap(crate::http::security_headers())
                    .wrap(middleware::from_fn(crate::http::request_id::middleware))
                    .configure(crate::http::routes)
            })
            .shutdown_timeout(config.server.shutdown_timeout.as_secs())
            .listen(listener)?;
            if config.server.workers > 0 {
                server = server.workers(config.server.workers);
            }
            server.run()
        };
        tracing::info!(
            port,
            public_url = %config.server.public_url.as_str(),
            database = ?state.store.backend(),
            "gatehouse is listening"
        );
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that can stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Runs until SIGTERM/SIGINT (graceful: in-flight requests finish within
    /// `server.shutdown_timeout`) or until stopped through [`Self::handle`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let tenants = self.state.tenants.clone();
        // Off the async thread: one database write.
        let _ = actix_web::rt::task::spawn_blocking(move || tenants.shutdown()).await;
        served
    }
}

fn supervisor_options(
    config: &Config,
    master_key: &MasterKey,
    clock: Arc<dyn Clock>,
    health: Arc<Health>,
) -> SupervisorOptions {
    SupervisorOptions {
        load: LoadContext {
            public_url: config.server.public_url.clone(),
            master_key: master_key.clone(),
            grant_types: &crate::grants::SUPPORTED,
        },
        clock,
        idle_timeout: config.tenants.idle_timeout,
        reload_interval: config.tenants.reload_interval,
        revocation_sync_interval: config.tenants.revocation_sync_interval,
        shards: config.tenants.shards,
        health,
    }
}

/// The blocking part of start-up.
fn prepare(
    config: &Config,
    clock: &dyn Clock,
    health: &Health,
) -> anyhow::Result<(Store, PasswordHasher, MasterKey)> {
    let store = open_store(config)?;
    let passwords = PasswordHasher::new(&config.passwords)?;
    let master_key = open_master_key(config, &store)?;
    if config.tenants.apply_on_start {
        let ctx = declarative::ApplyContext {
            hasher: &passwords,
            clock,
            master_key: &master_key,
            actor: "startup",
        };
        apply_tenant_dir(config, &store, &ctx, health)?;
    }
    Ok((store, passwords, master_key))
}

/// The master key, checked against the database: the first server to use a
/// database stores the key's check value (`MasterKey::check_value`), and a
/// server started with another key refuses to start, naming where its key
/// came from — rather than starting and failing to open every tenant's keys.
/// A missing key file is created only for a database that has never seen a
/// key. A database from before check values were stored gets one once the
/// key opens one of its private keys.
pub fn open_master_key(config: &Config, store: &Store) -> anyhow::Result<MasterKey> {
    use crate::store::server_settings::{self, MASTER_KEY_CHECK};
    let source = MasterKey::source(&config.security);
    let (stored, existing_key) = store.with_conn(|c| {
        Ok::<_, crate::store::StoreError>((
            server_settings::get(c, MASTER_KEY_CHECK)?,
            crate::store::keys::any_active(c)?,
        ))
    })?;
    let fresh_database = stored.is_none() && existing_key.is_none();
    let key = MasterKey::resolve(&config.security, fresh_database).map_err(|e| {
        anyhow::anyhow!(
            "{e}; this database's private keys are sealed with a master key: \
             restore that key ({source}) — a new key cannot open them"
        )
    })?;
    let check = key.check_value().map_err(anyhow::Error::msg)?;
    let mismatch = || {
        anyhow::anyhow!(
            "the master key from {source} is not the key this database was set up with; \
             start with that key (a different key cannot open the tenants' private keys)"
        )
    };
    match stored {
        Some(s) if s != check => return Err(mismatch()),
        Some(_) => {}
        None => {
            if let Some(row) = &existing_key
                && !crate::tokens::key_rows::opens(&key, row)
            {
                return Err(mismatch());
            }
            let kept =
                store.with_conn(|c| server_settings::set_once(c, MASTER_KEY_CHECK, &check))?;
            if kept != check {
                return Err(mismatch());
            }
        }
    }
    Ok(key)
}

/// Opens the pool and, when configured, applies pending migrations.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let db = &config.database;
    let store = Store::connect(&db.url, db.pool_size, db.connect_timeout)
        .with_context(|| format!("database {}", db.url))?;
    if db.migrate_on_start {
        let applied = store.migrate().context("migrating the database")?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied database migrations");
        }
    }
    Ok(store)
}

/// How tenant files are parsed under this configuration.
pub fn parse_options(config: &Config) -> declarative::ParseOptions<'static> {
    declarative::ParseOptions {
        allow_plain_secrets: config.server.public_url.is_loopback(),
        env: &|k| std::env::var(k).ok(),
    }
}

/// Applies each tenant file on its own at start-up: a file that fails —
/// invalid, a `secret_env` variable unset, refused by the database — is
/// reported (log and `/readyz`) and its tenant left as it was; the others are
/// applied and served. (`gatehouse tenants apply` stays all-or-nothing.)
fn apply_tenant_dir(
    config: &Config,
    store: &Store,
    ctx: &declarative::ApplyContext<'_>,
    health: &Health,
) -> anyhow::Result<()> {
    let dir = &config.tenants.dir;
    if !dir.exists() {
        tracing::info!(dir = %dir.display(), "no tenant directory; nothing to apply");
        return Ok(());
    }
    let opts = parse_options(config);
    let mut slugs: std::collections::BTreeMap<String, std::path::PathBuf> = Default::default();
    for file in declarative::tenant_files(dir)? {
        let applied = declarative::load_file(&file, &opts).and_then(|spec| {
            if let Some(first) = slugs.get(spec.slug.as_str()) {
                return Err(declarative::ApplyError::Invalid {
                    file: file.clone(),
                    line: None,
                    message: format!(
                        "tenant {} is already defined in {}",
                        spec.slug,
                        first.display()
                    ),
                });
            }
            slugs.insert(spec.slug.to_string(), file.clone());
            declarative::apply(store, std::slice::from_ref(&spec), ctx)
        });
        let key = file.display().to_string();
        match applied {
            Ok(plans) => {
                health.clear(&key);
                for plan in plans {
                    tracing::info!(tenant = %plan.slug, changes = plan.changes.len(), "tenant file applied");
                }
            }
            Err(e) => {
                tracing::error!(file = %key, error = %e, "tenant file not applied; the tenant is served as it was");
                health.set(&key, Severity::Warning, format!("not applied: {e}"));
            }
        }
    }
    Ok(())
}
