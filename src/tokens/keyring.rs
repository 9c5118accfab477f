//! A tenant's keys in memory: the active Biscuit root key and JWS signer, and
//! every public key that must still verify (active + retired-but-published).

use super::seal::{self, SealError};
use crate::config::{KeyPurpose, MasterKey};
use crate::store::keys::{self as key_store, KeyRow, PURPOSE_BISCUIT, PURPOSE_JWS};
use crate::store::{StoreError, TenantId};
use biscuit_auth::{Algorithm as BiscuitAlgorithm, KeyPair, PrivateKey, PublicKey};
use josekit::jwk::Jwk;
use josekit::jws::{ES256, EdDSA, JwsSigner, JwsVerifier, RS256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The JWS algorithms a tenant can sign ID tokens and JWT access tokens with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum JwsAlgorithm {
    ES256,
    RS256,
    EdDSA,
}

impl JwsAlgorithm {
    pub const ALL: [JwsAlgorithm; 3] = [
        JwsAlgorithm::ES256,
        JwsAlgorithm::RS256,
        JwsAlgorithm::EdDSA,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlgorithm::ES256 => "ES256",
            JwsAlgorithm::RS256 => "RS256",
            JwsAlgorithm::EdDSA => "EdDSA",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// The algorithm of a client's ID tokens: its own
    /// `id_token_signed_response_alg`, else the tenant's default, else RS256
    /// (OpenID Connect Dynamic Registration §2; Discovery §3 requires RS256).
    pub fn for_id_tokens(client: Option<&str>, tenant: Option<&str>) -> Self {
        client
            .or(tenant)
            .and_then(Self::parse)
            .unwrap_or(JwsAlgorithm::RS256)
    }

    /// A verifier for a public JWK of this algorithm.
    pub fn verifier(self, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, KeyError> {
        let v: Box<dyn JwsVerifier> = match self {
            JwsAlgorithm::ES256 => Box::new(ES256.verifier_from_jwk(jwk).map_err(KeyError::jose)?),
            JwsAlgorithm::RS256 => Box::new(RS256.verifier_from_jwk(jwk).map_err(KeyError::jose)?),
            JwsAlgorithm::EdDSA => Box::new(EdDSA.verifier_from_jwk(jwk).map_err(KeyError::jose)?),
        };
        Ok(v)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("key material is invalid: {0}")]
    Invalid(String),
    #[error("the tenant has no active {0} key")]
    Missing(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KeyError {
    pub(super) fn jose(e: josekit::JoseError) -> Self {
        KeyError::Invalid(e.to_string())
    }
}

impl From<diesel::result::Error> for KeyError {
    fn from(e: diesel::result::Error) -> Self {
        KeyError::Store(e.into())
    }
}

/// The JWS keys a tenant needs: one of its `signing_algorithm` (JWT access
/// tokens) and one for each algorithm a client that receives ID tokens
/// (authorization_code) signs them with. RSA keys take tens of milliseconds
/// to generate, so a tenant without such clients has none.
pub fn needed_algorithms(
    tenant: &crate::store::tenants::TenantRow,
    clients: &[crate::store::clients::ClientRow],
) -> Result<BTreeSet<JwsAlgorithm>, StoreError> {
    let mut out = BTreeSet::new();
    out.insert(JwsAlgorithm::parse(&tenant.jws_algorithm).unwrap_or(JwsAlgorithm::ES256));
    for c in clients {
        let spec = &c.spec;
        if spec.grant_types.iter().any(|g| g == "authorization_code") {
            out.insert(JwsAlgorithm::for_id_tokens(
                spec.id_token_alg.as_deref(),
                tenant.id_token_alg.as_deref(),
            ));
        }
    }
    Ok(out)
}

/// The signing half of an active JWS key.
pub struct JwsKey {
    pub kid: String,
    pub algorithm: JwsAlgorithm,
    pub signer: Box<dyn JwsSigner>,
}

/// A tenant's keys, opened. Debug shows no key material.
pub struct KeyRing {
    biscuit_generation: u32,
    biscuit: KeyPair,
    biscuit_public: BTreeMap<u32, PublicKey>,
    /// The active JWS key of JWT access tokens (the tenant's
    /// `signing_algorithm`), and of each other algorithm the tenant needs.
    jws: JwsKey,
    jws_others: BTreeMap<JwsAlgorithm, JwsKey>,
    jws_verifiers: HashMap<String, (JwsAlgorithm, Box<dyn JwsVerifier>)>,
    jwks: serde_json::Value,
    biscuit_keys: serde_json::Value,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("biscuit_generation", &self.biscuit_generation)
            .field("jws_kid", &self.jws.kid)
            .finish_non_exhaustive()
    }
}

/// The associated data a sealed signing key is bound to: its tenant and id.
pub(super) fn aad(tenant: &TenantId, kid: &str) -> String {
    format!("gatehouse/{tenant}/{kid}")
}

impl KeyRing {
    /// Opens the published keys of a tenant (see `store::keys::published`);
    /// JWT access tokens are signed with the key of `access_algorithm`.
    pub fn open(
        tenant: &TenantId,
        rows: &[KeyRow],
        master: &MasterKey,
        access_algorithm: JwsAlgorithm,
    ) -> Result<Self, KeyError> {
        let mut biscuit = None;
        let mut biscuit_public = BTreeMap::new();
        let mut jws = BTreeMap::new();
        let mut jws_verifiers = HashMap::new();
        let mut jwks = Vec::new();
        let mut biscuit_keys = Vec::new();
        let unseal = |row: &KeyRow| {
            seal::open(
                master,
                KeyPurpose::SigningKeys,
                &aad(tenant, &row.id),
                &row.private_key,
            )
        };
        for row in rows {
            let active = row.status == key_store::STATUS_ACTIVE;
            let generation = u32::try_from(row.generation)
                .map_err(|_| KeyError::Invalid("generation out of range".into()))?;
            match row.purpose.as_str() {
                PURPOSE_BISCUIT => {
                    let public =
                        PublicKey::from_bytes_hex(&row.public_key, BiscuitAlgorithm::Ed25519)
                            .map_err(|e| KeyError::Invalid(e.to_string()))?;
                    biscuit_public.insert(generation, public);
                    biscuit_keys.push(serde_json::json!({
                        "root_key_id": generation,
                        "algorithm": "ed25519",
                        "public_key": row.public_key,
                        "status": row.status,
                        "valid_until": row.publish_until.map(|t| t.and_utc().to_rfc3339()),
                    }));
                    if active {
                        let bytes = unseal(row)?;
                        let private = PrivateKey::from_bytes(&bytes, BiscuitAlgorithm::Ed25519)
                            .map_err(|e| KeyError::Invalid(e.to_string()))?;
                        biscuit = Some((generation, KeyPair::from(&private)));
                    }
                }
                PURPOSE_JWS => {
                    let algorithm = JwsAlgorithm::parse(&row.algorithm)
                        .ok_or_else(|| KeyError::Invalid(format!("algorithm {}", row.algorithm)))?;
                    let jwk = Jwk::from_bytes(row.public_key.as_bytes()).map_err(KeyError::jose)?;
                    jws_verifiers.insert(row.id.clone(), (algorithm, algorithm.verifier(&jwk)?));
                    jwks.push(serde_json::Value::Object(jwk.as_ref().clone()));
                    if active {
                        let der = unseal(row)?;
                        let mut signer: Box<dyn JwsSigner> = match algorithm {
                            JwsAlgorithm::ES256 => {
                                Box::new(ES256.signer_from_der(&*der).map_err(KeyError::jose)?)
                            }
                            JwsAlgorithm::RS256 => {
                                Box::new(RS256.signer_from_der(&*der).map_err(KeyError::jose)?)
                            }
                            JwsAlgorithm::EdDSA => {
                                Box::new(EdDSA.signer_from_der(&*der).map_err(KeyError::jose)?)
                            }
                        };
                        let _ = &mut signer;
                        jws.insert(
                            algorithm,
                            JwsKey {
                                kid: row.id.clone(),
                                algorithm,
                                signer,
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        let (biscuit_generation, biscuit) = biscuit.ok_or(KeyError::Missing("biscuit"))?;
        let access = jws
            .remove(&access_algorithm)
            .ok_or(KeyError::Missing("jws"))?;
        Ok(Self {
            biscuit_generation,
            biscuit,
            biscuit_public,
            jws: access,
            jws_others: jws,
            jws_verifiers,
            jwks: serde_json::json!({ "keys": jwks }),
            biscuit_keys: serde_json::json!({ "keys": biscuit_keys }),
        })
    }

    /// The active Biscuit root key and its `root_key_id`.
    pub fn biscuit_signer(&self) -> (u32, &KeyPair) {
        (self.biscuit_generation, &self.biscuit)
    }

    /// The public root key for a token's `root_key_id`, if it still verifies.
    pub fn biscuit_public(&self, root_key_id: Option<u32>) -> Option<PublicKey> {
        self.biscuit_public.get(&root_key_id?).copied()
    }

    /// Every Biscuit public key that verifies, by root key id.
    pub fn biscuit_public_keys(&self) -> &BTreeMap<u32, PublicKey> {
        &self.biscuit_public
    }

    /// The key of JWT access tokens.
    pub fn jws(&self) -> &JwsKey {
        &self.jws
    }

    /// The active key of `algorithm`, if the tenant has one.
    pub fn jws_for(&self, algorithm: JwsAlgorithm) -> Option<&JwsKey> {
        if self.jws.algorithm == algorithm {
            Some(&self.jws)
        } else {
            self.jws_others.get(&algorithm)
        }
    }

    /// The verifier for a JWS `kid`, if that key is published.
    pub fn jws_verifier(&self, kid: &str) -> Option<&dyn JwsVerifier> {
        self.jws_verifiers.get(kid).map(|(_, v)| v.as_ref())
    }

    /// The public JWK Set document (RFC 7517 §5).
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// The Biscuit public keys document.
    pub fn biscuit_keys(&self) -> &serde_json::Value {
        &self.biscuit_keys
    }
}

/// Shared, immutable.
pub type SharedKeyRing = Arc<KeyRing>;
