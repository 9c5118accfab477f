//! Building the running server from a configuration; used by `serve` and by the
//! tests (which bind port 0).

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, MasterKey};
use crate::identity::password::PasswordHasher;
use crate::store::Store;
use crate::tenancy::{LoadContext, Supervisor, SupervisorOptions, declarative};
use crate::tokens::evaluator::Evaluator;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Everything handlers share.
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub tenants: Supervisor,
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
    pub master_key: MasterKey,
    /// Where narrowed tokens are evaluated (off the HTTP workers).
    pub evaluator: Evaluator,
}

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
        let listener = TcpListener::bind(config.server.bind)
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
        let prepared = {
            let config = config.clone();
            let clock = clock.clone();
            web::block(move || prepare(&config, clock.as_ref()))
                .await
                .context("start-up task was cancelled")??
        };
        let (store, passwords, master_key) = prepared;
        let tenants = Supervisor::start(
            store.clone(),
            supervisor_options(&config, &master_key, clock.clone()),
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
        });
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
) -> SupervisorOptions {
    SupervisorOptions {
        load: LoadContext {
            public_url: config.server.public_url.clone(),
            master_key: master_key.clone(),
        },
        clock,
        idle_timeout: config.tenants.idle_timeout,
        reload_interval: config.tenants.reload_interval,
        revocation_sync_interval: config.tenants.revocation_sync_interval,
        shards: config.tenants.shards,
    }
}

/// The blocking part of start-up.
fn prepare(
    config: &Config,
    clock: &dyn Clock,
) -> anyhow::Result<(Store, PasswordHasher, MasterKey)> {
    let store = open_store(config)?;
    let passwords = PasswordHasher::new(&config.passwords)?;
    let master_key = MasterKey::resolve(&config.security, true).map_err(anyhow::Error::msg)?;
    if config.tenants.apply_on_start {
        let ctx = declarative::ApplyContext {
            hasher: &passwords,
            clock,
            master_key: &master_key,
            actor: "startup",
        };
        apply_tenant_dir(config, &store, &ctx)?;
    }
    Ok((store, passwords, master_key))
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

fn apply_tenant_dir(
    config: &Config,
    store: &Store,
    ctx: &declarative::ApplyContext<'_>,
) -> anyhow::Result<()> {
    let dir = &config.tenants.dir;
    if !dir.exists() {
        tracing::info!(dir = %dir.display(), "no tenant directory; nothing to apply");
        return Ok(());
    }
    let specs = declarative::load_path(dir, &parse_options(config))?;
    let plans = declarative::apply(store, &specs, ctx)?;
    for plan in plans {
        tracing::info!(tenant = %plan.slug, changes = plan.changes.len(), "tenant file applied");
    }
    Ok(())
}

/// How long readiness waits for a connection.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);
