//! What every handler shares: built once by `app`, handed to actix as app data.

use crate::authn::flow;
use crate::clock::Clock;
use crate::config::{Config, MasterKey};
use crate::identity::password::PasswordHasher;
use crate::store::Store;
use crate::tenancy::Supervisor;
use crate::tenancy::health::Health;
use crate::tokens::evaluator::Evaluator;
use std::sync::Arc;

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
    /// Tenants that cannot be served or files that could not be applied.
    pub health: Arc<Health>,
    /// Sends mail (`mail.*`); built at start, so bad settings refuse to start.
    pub mailer: Arc<crate::mail::Mailer>,
    /// Sends text messages (`sms.*`).
    pub sms: Arc<dyn crate::sms::SmsSender>,
}

impl AppState {
    /// What the sign-in steps (`authn::flow`) use.
    pub fn flow(&self) -> flow::Deps<'_> {
        flow::Deps {
            store: &self.store,
            clock: self.clock.as_ref(),
            passwords: &self.passwords,
            master_key: &self.master_key,
            session_ttl: self.config.security.session_ttl,
            mailer: &self.mailer,
            sms: self.sms.as_ref(),
            locale: crate::i18n::Locale::default(),
        }
    }

    /// [`AppState::flow`] for a page in `locale` (mail it sends speaks it).
    pub fn flow_in(&self, locale: crate::i18n::Locale) -> flow::Deps<'_> {
        flow::Deps {
            locale,
            ..self.flow()
        }
    }
}
