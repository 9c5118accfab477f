use super::*;
use biscuit_auth::KeyPair;
use biscuit_auth::builder::BlockBuilder;
use std::time::Duration;

/// A token shaped as Gatehouse mints one, for tenant `acme`.
fn minted(root: &KeyPair, extra: &str) -> Biscuit {
    Biscuit::builder()
        .code(format!(
            r#"tenant("acme"); client("svc"); sub("u1"); scope("notes:read"); right("notes:read");
               expires_at(2099-01-01T00:00:00Z);
               check if time($t), $t < 2099-01-01T00:00:00Z; {extra}"#
        ))
        .unwrap()
        .root_key_id(0)
        .build(root)
        .unwrap()
}

fn verifier(root: &KeyPair) -> Verifier {
    let mut keys = BTreeMap::new();
    keys.insert(0, root.public());
    Verifier::new("acme").with_root_keys(&keys)
}

fn b64(t: &Biscuit) -> String {
    t.to_base64().unwrap()
}

#[test]
fn a_minted_token_verifies_and_states_its_facts() {
    let root = KeyPair::new();
    let v = verifier(&root).verify(&b64(&minted(&root, "")), &Request::scope("notes:read"));
    let facts = v.unwrap();
    assert_eq!(facts.tenant, "acme");
    assert_eq!(facts.client_id, "svc");
    assert_eq!(facts.subject.as_deref(), Some("u1"));
    assert_eq!(facts.scopes, ["notes:read".to_owned()].into());
    assert_eq!(facts.revocation_ids.len(), 1);
    assert!(!facts.narrowing.is_narrowed());
}

#[test]
fn each_refusal_is_the_coarse_error_it_should_be() {
    let root = KeyPair::new();
    let token = b64(&minted(&root, ""));
    let v = verifier(&root);
    let at = |t: &str, r: &Request<'_>| v.verify(t, r).map(|_| ());
    // Another key, another tenant, garbage.
    assert_eq!(
        verifier(&KeyPair::new())
            .verify(&token, &Request::scope("notes:read"))
            .map(|_| ()),
        Err(VerifyError::Invalid)
    );
    assert_eq!(
        Verifier::new("other")
            .with_root_keys(&[(0, root.public())].into())
            .verify(&token, &Request::scope("notes:read"))
            .map(|_| ()),
        Err(VerifyError::WrongTenant)
    );
    assert_eq!(
        at("not a token", &Request::scope("notes:read")),
        Err(VerifyError::Invalid)
    );
    // A scope or right the token lacks; after its expiry.
    assert_eq!(
        at(&token, &Request::scope("notes:write")),
        Err(VerifyError::Denied)
    );
    assert_eq!(
        at(&token, &Request::right("users:manage")),
        Err(VerifyError::Denied)
    );
    let late = SystemTime::UNIX_EPOCH + Duration::from_secs(4_102_444_800 + 1);
    assert_eq!(
        at(&token, &Request::scope("notes:read").at(late)),
        Err(VerifyError::Denied)
    );
    // Revoked by its id.
    let id = v
        .verify(&token, &Request::scope("notes:read"))
        .unwrap()
        .revocation_ids[0]
        .clone();
    assert_eq!(
        v.clone()
            .with_revoked([id])
            .verify(&token, &Request::scope("notes:read"))
            .map(|_| ()),
        Err(VerifyError::Revoked)
    );
}

#[test]
fn audiences_and_holder_blocks_narrow_what_a_token_serves() {
    let root = KeyPair::new();
    let v = verifier(&root);
    let for_api = b64(&minted(&root, r#"aud("api");"#));
    let read = Request::scope("notes:read");
    assert!(v.verify(&for_api, &read.clone().audience("api")).is_ok());
    assert_eq!(
        v.verify(&for_api, &read.clone().audience("other"))
            .map(|_| ()),
        Err(VerifyError::Denied)
    );
    // A holder's block: this one note only.
    let narrowed = minted(&root, "")
        .append(
            BlockBuilder::new()
                .code(r#"check if resource("n1");"#)
                .unwrap(),
        )
        .unwrap();
    let narrowed = b64(&narrowed);
    assert!(v.verify(&narrowed, &read.clone().resource("n1")).is_ok());
    assert_eq!(
        v.verify(&narrowed, &read.clone().resource("n2"))
            .map(|_| ()),
        Err(VerifyError::Denied)
    );
    // A request that names no resource does not meet the holder's check.
    assert_eq!(
        v.verify(&narrowed, &read).map(|_| ()),
        Err(VerifyError::Denied)
    );
    let facts = v.verify(&narrowed, &read.resource("n1")).unwrap();
    assert!(facts.narrowing.is_narrowed());
}
