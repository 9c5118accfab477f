//! Narrows a Gatehouse Biscuit access token offline by appending a block —
//! what any holder can do before passing a token on (docs/delegation.md).
//!
//! ```sh
//! cargo run --example attenuate -- http://127.0.0.1:8080/t/demo "$TOKEN" \
//!     'check if resource("note-42");'
//! ```
//!
//! Prints the narrower token. The issuer's `biscuit-keys` document provides the
//! root public keys the token is parsed (and its signatures checked) with.

use biscuit_auth::builder::BlockBuilder;
use biscuit_auth::{Algorithm, Biscuit, PublicKey};

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, issuer, token, block] = args.as_slice() else {
        eprintln!("usage: attenuate <issuer> <token> <datalog block>");
        std::process::exit(2);
    };
    let keys: serde_json::Value = reqwest::get(format!("{issuer}/biscuit-keys"))
        .await?
        .json()
        .await?;
    let keys: Vec<(u32, PublicKey)> = keys["keys"]
        .as_array()
        .ok_or("no keys in the biscuit-keys document")?
        .iter()
        .filter_map(|k| {
            let id = u32::try_from(k["root_key_id"].as_u64()?).ok()?;
            let key =
                PublicKey::from_bytes_hex(k["public_key"].as_str()?, Algorithm::Ed25519).ok()?;
            Some((id, key))
        })
        .collect();
    let biscuit = Biscuit::from_base64(token.trim(), |id: Option<u32>| {
        keys.iter()
            .find(|(k, _)| Some(*k) == id)
            .map(|(_, key)| *key)
            .ok_or(biscuit_auth::error::Format::UnknownPublicKey)
    })?;
    let narrower = biscuit.append(BlockBuilder::new().code(block)?)?;
    println!("{}", narrower.to_base64()?);
    Ok(())
}
