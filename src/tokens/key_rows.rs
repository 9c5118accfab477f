//! A tenant's stored keys: created (sealed with the master key) when missing,
//! rotated, and checked against the master key. `keyring` opens them.

use super::keyring::{JwsAlgorithm, KeyError, aad, needed_algorithms};
use super::seal;
use crate::config::{KeyPurpose, MasterKey};
use crate::store::keys::{self as key_store, KeyRow, PURPOSE_BISCUIT, PURPOSE_JWS};
use crate::store::{DbConnection, TenantId};
use biscuit_auth::{Algorithm as BiscuitAlgorithm, KeyPair};
use chrono::NaiveDateTime;
use josekit::jwk::KeyPair as _;
use josekit::jws::{ES256, EdDSA, RS256};
use std::collections::BTreeSet;

fn new_kid() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
}

/// Whether `master` opens the sealed private key of `row`.
pub fn opens(master: &MasterKey, row: &KeyRow) -> bool {
    let tenant = TenantId::from_db(row.tenant_id.clone());
    seal::open(
        master,
        KeyPurpose::SigningKeys,
        &aad(&tenant, &row.id),
        &row.private_key,
    )
    .is_ok()
}

/// A fresh Biscuit root key row (Ed25519).
pub fn new_biscuit_key(
    tenant: &TenantId,
    generation: i64,
    master: &MasterKey,
    now: NaiveDateTime,
) -> Result<KeyRow, KeyError> {
    let kp = KeyPair::new_with_algorithm(BiscuitAlgorithm::Ed25519);
    let kid = new_kid();
    let sealed = seal::seal(
        master,
        KeyPurpose::SigningKeys,
        &aad(tenant, &kid),
        &kp.private().to_bytes(),
    )?;
    Ok(KeyRow {
        id: kid,
        tenant_id: tenant.to_string(),
        purpose: PURPOSE_BISCUIT.into(),
        algorithm: "Ed25519".into(),
        generation,
        public_key: kp.public().to_bytes_hex(),
        private_key: sealed,
        status: key_store::STATUS_ACTIVE.into(),
        created_at: now,
        publish_until: None,
    })
}

/// A fresh JWS key row of `algorithm`.
pub fn new_jws_key(
    tenant: &TenantId,
    algorithm: JwsAlgorithm,
    generation: i64,
    master: &MasterKey,
    now: NaiveDateTime,
) -> Result<KeyRow, KeyError> {
    let kid = new_kid();
    let (der, mut jwk) = match algorithm {
        JwsAlgorithm::ES256 => {
            let kp = ES256.generate_key_pair().map_err(KeyError::jose)?;
            (kp.to_der_private_key(), kp.to_jwk_public_key())
        }
        JwsAlgorithm::RS256 => {
            let kp = RS256.generate_key_pair(2048).map_err(KeyError::jose)?;
            (kp.to_der_private_key(), kp.to_jwk_public_key())
        }
        JwsAlgorithm::EdDSA => {
            let kp = EdDSA
                .generate_key_pair(josekit::jwk::alg::ed::EdCurve::Ed25519)
                .map_err(KeyError::jose)?;
            (kp.to_der_private_key(), kp.to_jwk_public_key())
        }
    };
    jwk.set_key_id(&kid);
    jwk.set_algorithm(algorithm.as_str());
    jwk.set_key_use("sig");
    let der = zeroize::Zeroizing::new(der);
    let sealed = seal::seal(master, KeyPurpose::SigningKeys, &aad(tenant, &kid), &der)?;
    Ok(KeyRow {
        id: kid,
        tenant_id: tenant.to_string(),
        purpose: PURPOSE_JWS.into(),
        algorithm: algorithm.as_str().into(),
        generation,
        public_key: jwk.to_string(),
        private_key: sealed,
        status: key_store::STATUS_ACTIVE.into(),
        created_at: now,
        publish_until: None,
    })
}

/// Creates the active keys a tenant lacks — a Biscuit root key and a JWS key
/// of each `needed` algorithm — and retires active JWS keys of algorithms no
/// longer needed (they keep verifying for a day). Call inside a write
/// transaction. Returns true when a key was created.
pub fn ensure_keys(
    conn: &mut DbConnection,
    tenant: &TenantId,
    needed: &BTreeSet<JwsAlgorithm>,
    master: &MasterKey,
    now: NaiveDateTime,
) -> Result<bool, KeyError> {
    let mut created = false;
    if key_store::active(conn, tenant, PURPOSE_BISCUIT)?.is_none() {
        let generation = key_store::max_generation(conn, tenant, PURPOSE_BISCUIT)? + 1;
        key_store::insert(
            conn,
            tenant,
            &new_biscuit_key(tenant, generation, master, now)?,
        )?;
        created = true;
    }
    let active = key_store::active_all(conn, tenant, PURPOSE_JWS)?;
    for row in &active {
        let wanted = JwsAlgorithm::parse(&row.algorithm).is_some_and(|a| needed.contains(&a));
        if !wanted {
            key_store::retire(conn, tenant, &row.id, now + chrono::Duration::days(1))?;
        }
    }
    for algorithm in needed {
        if active.iter().any(|r| r.algorithm == algorithm.as_str()) {
            continue;
        }
        let generation = key_store::max_generation(conn, tenant, PURPOSE_JWS)? + 1;
        key_store::insert(
            conn,
            tenant,
            &new_jws_key(tenant, *algorithm, generation, master, now)?,
        )?;
        created = true;
    }
    Ok(created)
}

/// [`ensure_keys`] for what the tenant's rows, as now written, need
/// ([`needed_algorithms`]). Call inside a write transaction.
pub fn ensure_tenant_keys(
    conn: &mut DbConnection,
    tenant: &TenantId,
    master: &MasterKey,
    now: NaiveDateTime,
) -> Result<bool, KeyError> {
    let row = crate::store::tenants::find(conn, tenant)?.ok_or(KeyError::Missing("tenant"))?;
    let clients = crate::store::clients::list(conn, tenant)?;
    let needed = needed_algorithms(&row, &clients)?;
    ensure_keys(conn, tenant, &needed, master, now)
}

/// Replaces the active keys with new ones. The retired keys stay published and
/// keep verifying until `publish_until` (now + the longest token lifetime).
pub fn rotate(
    conn: &mut DbConnection,
    tenant: &TenantId,
    master: &MasterKey,
    now: NaiveDateTime,
    publish_until: NaiveDateTime,
) -> Result<(), KeyError> {
    for purpose in [PURPOSE_BISCUIT, PURPOSE_JWS] {
        key_store::retire_active(conn, tenant, purpose, publish_until)?;
    }
    ensure_tenant_keys(conn, tenant, master, now)?;
    Ok(())
}
