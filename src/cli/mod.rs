//! The command line. `main.rs` only calls [`main`].

use crate::app::{self, Application};
use crate::clock::SystemClock;
use crate::config::{self, Config};
use crate::identity::password::PasswordHasher;
use crate::store::{self, Store};
use crate::tenancy::declarative;
use anyhow::Context;

mod clients;
mod keys;
mod lookup;
mod mail;
mod ownership;
mod policies;
mod roles;
mod users;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Gatehouse: a multi-tenant OAuth 2.1 / OpenID Connect identity server.
///
/// Configuration comes from config/gatehouse.yaml (or --config FILE), overridden
/// by GATEHOUSE_* environment variables with `__` between nested keys, e.g.
/// GATEHOUSE_SERVER__BIND=0.0.0.0:8080 or GATEHOUSE_DATABASE__URL=postgres://...
#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: config/gatehouse.yaml, if present]
    #[arg(short, long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: migrate, apply tenants/*.yaml, listen on server.bind.
    /// Stops gracefully on SIGTERM or SIGINT.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the configuration and print the effective values (secrets redacted).
    CheckConfig,
    /// Declarative tenant files.
    Tenants {
        #[command(subcommand)]
        command: TenantsCommand,
    },
    /// A tenant's signing keys (Biscuit root key, JWS key).
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// OAuth clients managed outside tenant files.
    Clients {
        #[command(subcommand)]
        command: clients::ClientsCommand,
    },
    /// Roles (with inclusions) outside tenant files, role assignments, and a
    /// user's effective permissions.
    Roles {
        #[command(subcommand)]
        command: roles::RolesCommand,
    },
    /// Authorization policies: check a policy file, list a tenant's.
    Policies {
        #[command(subcommand)]
        command: policies::PoliciesCommand,
    },
    /// Users: disable and enable.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Mail: send a test message with the configured settings.
    Mail {
        #[command(subcommand)]
        command: mail::MailCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Apply a tenant file, or every *.yaml file of a directory. Applying the
    /// same files twice changes nothing; an invalid file changes nothing at all.
    Apply {
        /// A tenant file or a directory of them.
        path: PathBuf,
        /// Print what would change without changing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the tenants in the database.
    List,
    /// Suspend a tenant: it answers 404 everywhere until resumed.
    Suspend { slug: String },
    /// Resume a suspended tenant.
    Resume { slug: String },
}

/// Parses the arguments and runs the command; the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(&config.logging);
    match run(cli.command, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config),
        Command::Migrate => migrate(&config),
        Command::CheckConfig => {
            print!("{}", serde_yaml::to_string(&config)?);
            eprintln!("configuration OK");
            Ok(())
        }
        Command::Tenants {
            command: TenantsCommand::Apply { path, dry_run },
        } => tenants_apply(&config, &path, dry_run),
        Command::Tenants {
            command: TenantsCommand::List,
        } => tenants_list(&config),
        Command::Keys { command } => keys::run(&config, command),
        Command::Clients { command } => clients::run(&config, command),
        Command::Roles { command } => roles::run(&config, command),
        Command::Policies { command } => policies::run(&config, command),
        Command::Users { command } => users::run(&config, command),
        Command::Mail { command } => mail::run(&config, command),
        Command::Tenants {
            command: TenantsCommand::Suspend { slug },
        } => tenants_status(&config, &slug, store::tenants::STATUS_SUSPENDED),
        Command::Tenants {
            command: TenantsCommand::Resume { slug },
        } => tenants_status(&config, &slug, store::tenants::STATUS_ACTIVE),
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await?;
        app.run_until_stopped().await?;
        tracing::info!("gatehouse stopped");
        Ok(())
    })
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = &config.database;
    let store = Store::connect(&db.url, 1, db.connect_timeout)
        .with_context(|| format!("database {}", db.url))?;
    let applied = store.migrate()?;
    if applied.is_empty() {
        println!("database is up to date");
    }
    for version in applied {
        println!("applied {version}");
    }
    Ok(())
}

fn tenants_apply(config: &Config, path: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    let hasher = PasswordHasher::new(&config.passwords)?;
    let specs = declarative::load_path(path, &app::parse_options(config))?;
    let plans = if dry_run {
        declarative::dry_run(&store, &specs, &hasher)?
    } else {
        let master_key = app::open_master_key(config, &store)?;
        let ctx = declarative::ApplyContext {
            hasher: &hasher,
            clock: &SystemClock,
            master_key: &master_key,
            actor: "cli",
        };
        declarative::apply(&store, &specs, &ctx)?
    };
    for plan in &plans {
        print!("{plan}");
    }
    if dry_run {
        println!("(dry run: nothing was changed)");
    }
    Ok(())
}

/// Suspends or resumes a tenant; every process sees it on its next sync
/// tick (`tenants.revocation_sync_interval`).
fn tenants_status(config: &Config, slug: &str, status: &str) -> anyhow::Result<()> {
    use crate::clock::Clock;
    let store = app::open_store(config)?;
    store.with_conn(|c| {
        store::write_tx(c, |c| {
            let row = store::tenants::find_by_slug(c, slug)?
                .ok_or_else(|| anyhow::anyhow!("no tenant named {slug:?}"))?;
            let t = row.tenant_id();
            if row.status_from_file {
                return Err(ownership::declared_in_file(
                    c,
                    &t,
                    &format!("the status of tenant {slug}"),
                ));
            }
            if row.status == status {
                anyhow::bail!("tenant {slug} is already {status}");
            }
            let now = SystemClock.db_now();
            store::tenants::set_status(c, &t, status, now)?;
            store::audit::append(
                c,
                &t,
                store::audit::AuditEvent {
                    actor: "cli",
                    action: if status == store::tenants::STATUS_ACTIVE {
                        "tenant.resumed"
                    } else {
                        "tenant.suspended"
                    },
                    target: slug,
                    detail: serde_json::json!({}),
                },
                now,
            )?;
            Ok(())
        })
    })?;
    println!("tenant {slug} is now {status}");
    Ok(())
}

fn tenants_list(config: &Config) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    let rows = store.with_conn(|c| {
        store::tenants::list(c)?
            .into_iter()
            .map(|t| {
                let users = store::users::count(c, &t.tenant_id())?;
                Ok::<_, store::StoreError>((t, users))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    println!(
        "{:<24} {:<10} {:>7} {:>6}  NAME",
        "SLUG", "STATUS", "VERSION", "USERS"
    );
    for (t, users) in rows {
        println!(
            "{:<24} {:<10} {:>7} {:>6}  {}",
            t.slug, t.status, t.config_version, users, t.name
        );
    }
    Ok(())
}
