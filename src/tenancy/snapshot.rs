use crate::authz::policy::PolicySet;
use crate::authz::rights::RightsModel;
use crate::oauth::discovery::Metadata;
use crate::oauth::{Client, GrantType, STANDARD_SCOPES};
use crate::store::TenantId;
use crate::tokens::Issuer;
use crate::tokens::access::VerifiedTokens;
use crate::tokens::{JwsAlgorithm, KeyRing};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

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
    /// Shared with every tenant whose policies are the same
    /// (`authz::shared_policies`).
    pub policies: Arc<PolicySet>,
    /// `{issuer}/token`: the audience of client assertions (RFC 7523).
    pub token_endpoint: String,
    /// The grant types this server offers (`LoadContext::grant_types`).
    pub grant_types: &'static [GrantType],
    /// The discovery document, built on its first request ([`Self::metadata`]):
    /// most live tenants are never asked for it, and it is kilobytes.
    pub(super) metadata: OnceLock<Metadata>,
    /// Every client's allowed web origins: who may call the token,
    /// revocation and userinfo endpoints from browser code (CORS).
    pub cors_origins: std::collections::BTreeSet<String>,
    /// Access tokens that verified, for introspection and userinfo; starts
    /// empty with every snapshot.
    pub verified: VerifiedTokens,
    /// The pages' language when a request names none we have.
    pub default_locale: crate::i18n::Locale,
    /// The tenant's look on its pages.
    pub branding: crate::branding::Branding,
    /// Whom a second factor is asked of, and which kinds (`crate::mfa::policy`).
    pub mfa: crate::mfa::policy::MfaPolicy,
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

    /// What the tenant's pages show of it: its name, logo, colours, links.
    pub fn page_brand(&self) -> crate::branding::PageBrand {
        self.branding.for_pages(&self.slug, &self.name)
    }

    pub fn token_endpoint(&self) -> &str {
        &self.token_endpoint
    }

    /// The discovery document (RFC 8414 / OIDC Discovery) of the snapshot:
    /// its scopes, and the implicit flow advertised only while some client
    /// may use it.
    pub fn metadata(&self) -> &Metadata {
        self.metadata.get_or_init(|| {
            let supported = STANDARD_SCOPES
                .iter()
                .map(|s| s.to_string())
                .chain(self.scopes.iter().map(|(n, _)| n.clone()));
            let mut metadata = Metadata::new(&self.issuer, supported, self.grant_types);
            if self.clients.values().any(|c| c.allow_implicit) {
                metadata.response_types_supported.push("token".into());
                metadata.response_modes_supported.push("fragment".into());
            }
            metadata
        })
    }
}
