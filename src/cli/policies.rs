//! `gatehouse policies`: check a policy file before it goes into a tenant file,
//! and list what a tenant's policies are (tenant files own them: `policies:`).

use super::lookup::read_tenant;
use crate::app;
use crate::authz::policy::{self, BUILTIN};
use crate::config::Config;
use crate::store;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PoliciesCommand {
    /// Check that a file of Biscuit Datalog is a valid policy; an error names
    /// its line and column. Needs no database.
    Check {
        /// The file (`-` for standard input).
        file: PathBuf,
    },
    /// Print a tenant's policies in evaluation order, the built-in ones last.
    List {
        #[arg(long)]
        tenant: String,
    },
}

pub fn run(config: &Config, command: PoliciesCommand) -> anyhow::Result<()> {
    match command {
        PoliciesCommand::Check { file } => {
            let code = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            let name = file.display().to_string();
            policy::validate(&name, &code)?;
            println!("{name}: valid");
            Ok(())
        }
        PoliciesCommand::List { tenant } => {
            let store = app::open_store(config)?;
            let rows = read_tenant(&store, &tenant, store::policies::list)?;
            for row in &rows {
                println!("# {} (tenant file)\n{}\n", row.name, row.code.trim_end());
            }
            for (name, code) in BUILTIN {
                println!("# {name} (built in)\n{code}\n");
            }
            Ok(())
        }
    }
}
