//! "Share read-only": the user's access token narrowed offline — no call to
//! Gatehouse — by appending a Biscuit block that only adds checks: the right
//! `notes:read` only, the one note, ten minutes. Whoever holds the link can
//! read that note until then and do nothing else; the checks travel in the
//! token, so every verifier enforces them.

use crate::keys::Keys;
use biscuit_auth::builder::BlockBuilder;
use chrono::{DateTime, SecondsFormat, Utc};

/// How long a shared link works.
pub const LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The Datalog block that narrows a token to reading note `id` until `until`.
pub fn block(id: &str, until: DateTime<Utc>) -> String {
    let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
    format!(
        "check if required_right(\"notes:read\");\n\
         check if resource({id:?});\n\
         check if time($t), $t < {until};\n"
    )
}

/// `token` narrowed to reading note `id` for [`LIFETIME`] from `now`.
pub async fn narrow(
    keys: &Keys,
    token: &str,
    id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let verifier = keys.verifier().await?;
    let biscuit = verifier.parse_token(token)?;
    let narrower = biscuit.append(BlockBuilder::new().code(block(id, now + LIFETIME))?)?;
    Ok(narrower.to_base64()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_names_the_right_the_note_and_the_end() {
        let at = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            block("note-7", at),
            "check if required_right(\"notes:read\");\n\
             check if resource(\"note-7\");\n\
             check if time($t), $t < 2026-12-04T10:00:00Z;\n"
        );
        // It parses as a Biscuit block.
        BlockBuilder::new().code(block("note-7", at)).unwrap();
    }
}
