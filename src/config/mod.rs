//! Configuration: `config/gatehouse.yaml` (or `--config FILE`) overridden by
//! `GATEHOUSE_*` environment variables, `__` separating nested keys
//! (`GATEHOUSE_SERVER__BIND`). Unknown keys and wrong types stop start-up with a
//! message naming the key and where the value came from.

mod load;
mod mail;
mod master_key;
mod model;
pub mod private_fs;
mod secret;
mod sms;

pub use load::{ConfigError, load};
pub use mail::{MailConfig, MailTransport, SmtpConfig};
pub use master_key::{KeyPurpose, MasterKey};
pub use model::{
    BindAddr, Config, DatabaseConfig, LogFormat, LoggingConfig, PasswordConfig, PublicUrl,
    SecurityConfig, ServerConfig, TenantsConfig,
};
pub use secret::SecretString;
pub use sms::{SmsConfig, SmsTransport, WebhookConfig};
