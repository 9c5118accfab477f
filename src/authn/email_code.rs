//! Sending a one-time code by mail (docs/mfa.md): made and stored by
//! `mfa::factors::issue_code`, mailed through the one `Mailer` in the page's
//! language, forgotten again when the mail cannot be sent (a failed send is
//! logged and said on the page, never a 500).

use super::step::Deps;
use crate::i18n::Text;
use crate::mfa::factors::{self, Issued};
use crate::store::{self, StoreError};
use crate::tenancy::TenantSnapshot;

/// What sending did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Mailed to this address (masked, for the page).
    To(String),
    /// Enough codes are alive already.
    TooMany,
    /// The user has no address, the factor is gone or locked, or the mail
    /// could not be sent: the page says so.
    Failed,
}

impl Sent {
    /// The page's message when no code went out: a catalogue key.
    pub fn error(&self) -> Option<&'static str> {
        match self {
            Sent::To(_) => None,
            Sent::TooMany => Some("mfa-error-too-many-codes"),
            Sent::Failed => Some("mfa-error-not-sent"),
        }
    }

    pub fn to(&self) -> Option<String> {
        match self {
            Sent::To(a) => Some(a.clone()),
            _ => None,
        }
    }
}

/// Mails a new code of the user's factor `factor_id` to their address.
pub async fn send(
    deps: Deps<'_>,
    snapshot: &TenantSnapshot,
    user_id: &str,
    factor_id: &str,
) -> Result<Sent, StoreError> {
    let (tenant, user, factor) = (
        snapshot.id.clone(),
        user_id.to_owned(),
        factor_id.to_owned(),
    );
    let (master, now) = (deps.master_key.clone(), deps.clock.db_now());
    let issued = deps
        .store
        .run(move |c| {
            let Some(address) = store::users::get(c, &tenant, &user)?.and_then(|u| u.email) else {
                return Ok(None);
            };
            let issued = factors::issue_code(c, &master, &tenant, &user, &factor, now)?;
            Ok::<_, StoreError>(Some((address, issued)))
        })
        .await?;
    let (address, id, code) = match issued {
        None | Some((_, Issued::Refused)) => return Ok(Sent::Failed),
        Some((_, Issued::TooMany)) => return Ok(Sent::TooMany),
        Some((address, Issued::Code { id, code })) => (address, id, code),
    };
    let t = Text::new(deps.locale);
    let mail = crate::mail::templates::sign_in_code(&t, &snapshot.page_brand().name, &code);
    match deps.mailer.send(&address, &mail).await {
        Ok(()) => Ok(Sent::To(crate::identity::email::masked(&address))),
        Err(e) => {
            tracing::warn!(tenant = %snapshot.slug, error = %e, "a one-time code could not be mailed");
            let tenant = snapshot.id.clone();
            deps.store
                .run(move |c| store::mfa_factors::delete_code(c, &tenant, &id))
                .await?;
            Ok(Sent::Failed)
        }
    }
}
