//! Shared by the examples that narrow a real token: parses it with the root
//! public keys of its issuer's `biscuit-keys` document, as any holder can.

use biscuit_auth::{Algorithm, Biscuit, PublicKey};

/// `token` (base64) parsed, its signatures checked, with the keys that
/// `{issuer}/biscuit-keys` publishes.
pub async fn parse_with_issuer_keys(
    issuer: &str,
    token: &str,
) -> Result<Biscuit, Box<dyn std::error::Error>> {
    let doc: serde_json::Value = reqwest::get(format!("{issuer}/biscuit-keys"))
        .await?
        .json()
        .await?;
    let keys: Vec<(u32, PublicKey)> = doc["keys"]
        .as_array()
        .ok_or("no keys in the biscuit-keys document")?
        .iter()
        .filter_map(|k| {
            let id = u32::try_from(k["root_key_id"].as_u64()?).ok()?;
            let hex = k["public_key"].as_str()?;
            Some((id, PublicKey::from_bytes_hex(hex, Algorithm::Ed25519).ok()?))
        })
        .collect();
    let biscuit = Biscuit::from_base64(token.trim(), |id: Option<u32>| {
        keys.iter()
            .find(|(k, _)| Some(*k) == id)
            .map(|(_, key)| *key)
            .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
    })?;
    Ok(biscuit)
}
