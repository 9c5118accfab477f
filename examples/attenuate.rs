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

#[path = "common/issuer_token.rs"]
mod issuer_token;

use biscuit_auth::builder::BlockBuilder;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, issuer, token, block] = args.as_slice() else {
        eprintln!("usage: attenuate <issuer> <token> <datalog block>");
        std::process::exit(2);
    };
    let biscuit = issuer_token::parse_with_issuer_keys(issuer, token).await?;
    let narrower = biscuit.append(BlockBuilder::new().code(block)?)?;
    println!("{}", narrower.to_base64()?);
    Ok(())
}
