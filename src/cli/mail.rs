//! `gatehouse mail test`: sends one message through the configured mail
//! settings, so an operator sees at once whether they work (and where a
//! file-transport message lands).

use super::lookup::read_tenant;
use crate::app;
use crate::config::{Config, MailTransport};
use crate::i18n::{Locale, Text};
use crate::mail::{Mailer, templates};
use anyhow::anyhow;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test message to an address with the configured settings.
    Test {
        /// Where to send it.
        #[arg(long)]
        to: String,
        /// Name this tenant in the message (its display name); default: none.
        #[arg(long)]
        tenant: Option<String>,
        /// The message's language: en or ru.
        #[arg(long, default_value = "en")]
        language: String,
    },
}

pub fn run(config: &Config, command: MailCommand) -> anyhow::Result<()> {
    let MailCommand::Test {
        to,
        tenant,
        language,
    } = command;
    let locale = Locale::exact(&language)
        .ok_or_else(|| anyhow!("--language {language:?}: use one of {}", Locale::known()))?;
    let name = match &tenant {
        Some(slug) => {
            let store = app::open_store(config)?;
            read_tenant(&store, slug, |c, id| {
                let row = crate::store::tenants::find(c, id)?;
                Ok(row.map(|r| {
                    crate::branding::Branding::from_stored(&r.branding)
                        .unwrap_or_default()
                        .for_pages(&r.slug, &r.name)
                        .name
                }))
            })?
            .unwrap_or_else(|| slug.clone())
        }
        None => "Gatehouse".to_owned(),
    };
    let message = templates::test_message(&Text::new(locale), &name);
    actix_web::rt::System::new()
        .block_on(async { Mailer::new(&config.mail)?.send(&to, &message).await })?;
    match config.mail.transport {
        MailTransport::File => println!("wrote the message to {}", config.mail.file_dir.display()),
        MailTransport::Smtp => println!("sent the message to {to}"),
    }
    Ok(())
}
