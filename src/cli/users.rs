//! `gatehouse users disable|enable`: a disabled user cannot sign in, and loses
//! their sessions, refresh tokens, codes and access tokens at once
//! (`identity::accounts`).

use super::lookup::tenant_id;
use super::ownership::declared_in_file;
use crate::app;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::identity::{UserStatus, accounts};
use crate::store::{self, write_tx};
use anyhow::{anyhow, bail};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Disable a user: no sign-in; sessions, refresh tokens, codes and access
    /// tokens end now.
    Disable {
        #[arg(long)]
        tenant: String,
        /// Username.
        #[arg(long)]
        user: String,
    },
    /// Enable a disabled user again (they sign in anew).
    Enable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: String,
    },
}

pub fn run(config: &Config, command: UsersCommand) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    let clock = SystemClock;
    let (tenant, user, disable) = match command {
        UsersCommand::Disable { tenant, user } => (tenant, user, true),
        UsersCommand::Enable { tenant, user } => (tenant, user, false),
    };
    let done = store.with_conn(|c| {
        write_tx(c, |c| {
            let t = tenant_id(c, &tenant)?;
            let u = store::users::find_by_username(c, &t, &user.to_lowercase())?
                .ok_or_else(|| anyhow!("no user {user} in tenant {tenant}"))?;
            if u.status_from_file {
                return Err(declared_in_file(c, &t, &format!("the status of user {user}")));
            }
            let now = clock.db_now();
            // A status nobody knows (a hand-edited row) is set either way.
            match (disable, UserStatus::parse(&u.status)) {
                (true, Some(UserStatus::Disabled)) => bail!("user {user} is already disabled"),
                (false, Some(UserStatus::Active)) => bail!("user {user} is not disabled"),
                (true, _) => {
                    let d = accounts::disable_in_tx(c, &t, &u.id, "cli", now, || clock.db_now())?;
                    Ok(format!(
                        "disabled user {user}: {} session(s) ended, {} refresh token family(ies) revoked, access tokens banned",
                        d.sessions_ended, d.refresh_families_revoked
                    ))
                }
                (false, _) => {
                    accounts::enable_in_tx(c, &t, &u.id, "cli", now)?;
                    Ok(format!("enabled user {user}"))
                }
            }
        })
    })?;
    println!("{done}");
    Ok(())
}
