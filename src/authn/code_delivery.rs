//! Sending a one-time code (docs/mfa.md): made and stored by
//! `mfa::factors::issue_code`, then mailed through the one `Mailer` or
//! texted through the `SmsSender`, in the page's language; forgotten again
//! when it cannot be sent (a failed send is logged and said on the page,
//! never a 500).

use super::step::Deps;
use crate::i18n::Text;
use crate::mfa::factors::{self, Issued};
use crate::store::{self, StoreError};
use crate::tenancy::TenantSnapshot;

/// What sending did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Sent to this address or number (masked, for the page).
    To(String),
    /// Enough codes are alive already.
    TooMany,
    /// No address, the factor is gone or locked, or the message could not
    /// be sent: the page says so.
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

/// Where a code of a factor goes.
enum Channel {
    Mail(String),
    Text(String),
}

/// Sends a new code of the user's factor `factor_id` (kind `email` or
/// `sms`) to its address or number.
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
            let Some(row) = store::mfa_factors::get(c, &tenant, &user, &factor)? else {
                return Ok(None);
            };
            let channel = match row.kind.as_str() {
                factors::SMS => Channel::Text(factors::phone_of(&master, &tenant, &row)?),
                _ => match store::users::get(c, &tenant, &user)?.and_then(|u| u.email) {
                    Some(address) => Channel::Mail(address),
                    None => return Ok(None),
                },
            };
            let issued = factors::issue_code(c, &master, &tenant, &user, &factor, now)?;
            Ok::<_, StoreError>(Some((channel, issued)))
        })
        .await?;
    let (channel, id, code) = match issued {
        None | Some((_, Issued::Refused)) => return Ok(Sent::Failed),
        Some((_, Issued::TooMany)) => return Ok(Sent::TooMany),
        Some((channel, Issued::Code { id, code })) => (channel, id, code),
    };
    let t = Text::new(deps.locale);
    let name = snapshot.page_brand().name;
    let sent = match &channel {
        Channel::Mail(address) => {
            let mail = crate::mail::templates::sign_in_code(&t, &name, &code);
            let sent = deps
                .mailer
                .send(address, &mail)
                .await
                .map_err(|e| e.to_string());
            sent.map(|()| crate::identity::email::masked(address))
        }
        Channel::Text(number) => {
            let sms = crate::sms::Sms {
                to: number.clone(),
                text: t.with(
                    "sms-code",
                    &[("tenant", name.as_str()), ("code", code.as_str())],
                ),
                tenant: snapshot.slug.to_string(),
            };
            let sent = deps.sms.send(&sms).await.map_err(|e| e.to_string());
            sent.map(|()| crate::sms::masked(number))
        }
    };
    match sent {
        Ok(to) => Ok(Sent::To(to)),
        Err(e) => {
            tracing::warn!(tenant = %snapshot.slug, error = %e, "a one-time code could not be sent");
            let tenant = snapshot.id.clone();
            deps.store
                .run(move |c| store::mfa_factors::delete_code(c, &tenant, &id))
                .await?;
            Ok(Sent::Failed)
        }
    }
}
