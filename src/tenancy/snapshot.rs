use crate::authz::policy::PolicySet;
use crate::authz::rights::RightsModel;
use crate::oauth::Client;
use crate::oauth::discovery::Metadata;
use crate::store::TenantId;
use crate::tokens::Issuer;
use crate::tokens::access::VerifiedTokens;
use crate::tokens::{JwsAlgorithm, KeyRing};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// What a tenant's request handlers read: immutable, replaced whole by the
/// tenant's actor when the tenant's configuration version moves.
#[derive(Debug)]
pub struct TenantSnapshot {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub config_version: i64,
    /// `{public_url}/t/{slug}`, exactly.
    pub issuer: String,
    pub jws_algorithm: JwsAlgorithm,
    pub keys: Arc<KeyRing>,
    pub clients: HashMap<String, Arc<Client>>,
    /// The tenant's own scopes with their descriptions.
    pub scopes: Vec<(String, String)>,
    /// Roles and the permissions scopes carry: a token's rights come from here.
    pub rights: RightsModel,
    /// The tenant's authorization policies and the built-in ones, parsed.
    pub policies: PolicySet,
    /// The discovery document (RFC 8414 / OIDC Discovery), built once.
    pub metadata: Metadata,
    /// Every client's allowed web origins: who may call the token,
    /// revocation and userinfo endpoints from browser code (CORS).
    pub cors_origins: std::collections::BTreeSet<String>,
    /// Access tokens that verified, for introspection and userinfo; starts
    /// empty with every snapshot.
    pub verified: VerifiedTokens,
}

impl TenantSnapshot {
    pub fn client(&self, client_id: &str) -> Option<Arc<Client>> {
        self.clients.get(client_id).cloned()
    }

    /// This tenant as the issuer of its tokens: what `tokens::minter` mints
    /// with and `tokens::access` checks against.
    pub fn token_issuer(&self) -> Issuer<'_> {
        Issuer {
            keys: &self.keys,
            tenant: &self.slug,
            issuer: &self.issuer,
        }
    }

    pub fn token_endpoint(&self) -> &str {
        &self.metadata.token_endpoint
    }
}
