//! `gatehouse keys`: list and rotate a tenant's signing keys.

use super::lookup::{read_tenant, tenant_id};
use crate::app;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, MasterKey};
use crate::store::audit::AuditEvent;
use crate::store::{self, DbConnection, write_tx};
use crate::tokens::key_rows;
use crate::tokens::keyring::KeyError;
use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the tenant's keys: active, and retired ones still published.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Replace the tenant's active keys. New tokens are signed with the new keys
    /// at once; the old public keys stay published (JWKS, biscuit-keys) and keep
    /// verifying until every token they signed has expired.
    Rotate {
        #[arg(long)]
        tenant: String,
    },
}

pub fn run(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    match command {
        KeysCommand::List { tenant } => {
            let rows = read_tenant(&store, &tenant, store::keys::list)?;
            println!(
                "{:<8} {:>10} {:<17} {:<8} {:<8}  PUBLISHED UNTIL",
                "PURPOSE", "GENERATION", "KID", "ALG", "STATUS"
            );
            for k in rows {
                let until = k
                    .publish_until
                    .map(|t| t.and_utc().to_rfc3339())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<8} {:>10} {:<17} {:<8} {:<8}  {until}",
                    k.purpose, k.generation, k.id, k.algorithm, k.status
                );
            }
            Ok(())
        }
        KeysCommand::Rotate { tenant } => {
            let master = crate::app::open_master_key(config, &store)?;
            let until = store.with_conn(|c| rotate(c, &tenant, &master, &SystemClock))?;
            println!(
                "rotated the keys of tenant {tenant}; the old keys stay published until {until}"
            );
            Ok(())
        }
    }
}

/// Retires the active keys (published until the longest access token lifetime
/// of the tenant's clients has passed, plus five minutes of clock skew) and
/// creates new ones, in one transaction.
fn rotate(
    c: &mut DbConnection,
    slug: &str,
    master: &MasterKey,
    clock: &dyn Clock,
) -> anyhow::Result<String> {
    let tenant = tenant_id(c, slug)?;
    let now = clock.db_now();
    let until = write_tx(c, |c| {
        let longest = store::clients::list(c, &tenant)?
            .iter()
            .map(|c| c.spec.access_token_ttl_secs)
            .max()
            .unwrap_or(3600);
        let until = now + chrono::Duration::seconds(longest) + chrono::Duration::minutes(5);
        key_rows::rotate(c, &tenant, master, now, until)?;
        store::tenants::bump_version(c, &tenant, now)?;
        store::audit::append(
            c,
            &tenant,
            AuditEvent {
                actor: "cli",
                action: "keys.rotated",
                target: slug,
                detail: serde_json::json!({ "old_keys_published_until": until.and_utc().to_rfc3339() }),
            },
            now,
        )?;
        Ok::<_, KeyError>(until)
    })
    .context("rotating keys")?;
    Ok(until.and_utc().to_rfc3339())
}
