//! Building a tenant's snapshot from the database in two halves: [`read`] the
//! rows (keys created if missing), inside `Store::run`; then [`build`] them —
//! unseal keys, check clients, compile policies — outside it.

use super::snapshot::{TenantSnapshot, TenantStatus};
use crate::authz::rights::RightsModel;
use crate::config::{MasterKey, PublicUrl};
use crate::oauth::{AuthMethod, Client, ClientId, GrantType, RedirectUri, scope};
use crate::store::clients::ClientRow;
use crate::store::tenants::{STATUS_ACTIVE, TenantRow};
use crate::store::{self, DbConnection, StoreError, write_tx};
use crate::tokens::key_rows;
use crate::tokens::keyring::{self, KeyError};
use crate::tokens::{AccessTokenFormat, JwsAlgorithm, KeyRing};
use chrono::NaiveDateTime;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// What loading needs besides the database.
#[derive(Debug, Clone)]
pub struct LoadContext {
    pub public_url: PublicUrl,
    pub master_key: MasterKey,
    /// The grant types the token endpoint implements (`grants::SUPPORTED`),
    /// for discovery.
    pub grant_types: &'static [GrantType],
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("tenant keys: {0}")]
    Keys(#[from] KeyError),
    #[error("stored policy is invalid: {0}")]
    Policy(#[from] crate::authz::policy::PolicyError),
    #[error("stored client {client_id} is invalid: {reason}")]
    Client { client_id: String, reason: String },
}

/// A tenant's rows, read in one go; [`build`] turns them into a snapshot.
pub struct Stored {
    row: TenantRow,
    algorithm: JwsAlgorithm,
    keys: Vec<store::keys::KeyRow>,
    clients: Vec<ClientRow>,
    scopes: Vec<(String, String)>,
    rights: RightsModel,
    policies: Vec<store::policies::PolicyRow>,
}

impl Stored {
    pub fn tenant_id(&self) -> store::TenantId {
        self.row.tenant_id()
    }
}

/// The database half of loading: only reads, and creates keys the tenant
/// lacks (tenant files create them, so that is rare).
pub fn read(
    conn: &mut DbConnection,
    row: TenantRow,
    ctx: &LoadContext,
    now: NaiveDateTime,
) -> Result<Stored, LoadError> {
    let tenant = row.tenant_id();
    let algorithm = JwsAlgorithm::parse(&row.jws_algorithm).unwrap_or(JwsAlgorithm::ES256);
    let clients = store::clients::list(conn, &tenant)?;
    let needed = keyring::needed_algorithms(&row, &clients)?;
    let mut keys = store::keys::published(conn, &tenant, now)?;
    if !has_active_keys(&keys, &needed) {
        // Tenant files create keys when they are applied; a tenant or client
        // created otherwise gets them on first load. A concurrent creator in
        // another process loses on the unique generation index and reads.
        let created = write_tx(conn, |c| {
            key_rows::ensure_keys(c, &tenant, &needed, &ctx.master_key, now)
        });
        match created {
            Ok(_) => {}
            Err(KeyError::Store(e)) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
        keys = store::keys::published(conn, &tenant, now)?;
    }
    let mut scopes = Vec::new();
    let mut carried = HashMap::new();
    for (s, permissions) in store::scopes::with_permissions(conn, &tenant)? {
        if !permissions.is_empty() {
            carried.insert(s.name.clone(), permissions);
        }
        scopes.push((s.name, s.description));
    }
    Ok(Stored {
        algorithm,
        keys,
        clients,
        scopes,
        rights: RightsModel {
            roles: store::roles::graph(conn, &tenant)?,
            scopes: carried,
        },
        policies: store::policies::list(conn, &tenant)?,
        row,
    })
}

/// The CPU half of loading, no database: opens the keys, checks the clients,
/// compiles the policies. Keep it off SQLite's database thread.
pub fn build(stored: Stored, ctx: &LoadContext) -> Result<TenantSnapshot, LoadError> {
    let Stored {
        row,
        algorithm,
        keys,
        clients: client_rows,
        scopes,
        rights,
        policies,
    } = stored;
    let tenant = row.tenant_id();
    let keys = KeyRing::open(&tenant, &keys, &ctx.master_key, algorithm)?;
    let mut clients = HashMap::new();
    for c in client_rows {
        let client = client_from_row(&c, row.id_token_alg.as_deref()).map_err(|reason| {
            LoadError::Client {
                client_id: c.client_id.clone(),
                reason,
            }
        })?;
        clients.insert(c.client_id.clone(), Arc::new(client));
    }
    let cors_origins = clients
        .values()
        .flat_map(|c| c.allowed_origins.iter().cloned())
        .collect();
    let first_party: Vec<&str> = clients
        .values()
        .filter(|c| c.first_party)
        .map(|c| c.client_id.as_str())
        .collect();
    let policies = crate::authz::shared_policies::for_tenant(
        policies.iter().map(|p| (p.name.as_str(), p.code.as_str())),
        &first_party,
    )?;
    let issuer = ctx.public_url.issuer(&row.slug);
    let token_endpoint = format!("{issuer}/token");
    Ok(TenantSnapshot {
        id: tenant,
        slug: row.slug,
        name: row.name,
        status: if row.status == STATUS_ACTIVE {
            TenantStatus::Active
        } else {
            TenantStatus::Suspended
        },
        config_version: row.config_version,
        issuer,
        jws_algorithm: algorithm,
        keys: Arc::new(keys),
        clients,
        scopes,
        rights,
        policies,
        token_endpoint,
        grant_types: ctx.grant_types,
        metadata: Default::default(),
        cors_origins,
        verified: Default::default(),
        // A value no catalogue has (written by a newer version) is English.
        default_locale: crate::i18n::Locale::exact(&row.default_locale).unwrap_or_default(),
        // Stored by a newer version in a form this one cannot read: the
        // pages show the tenant unbranded rather than not at all.
        branding: crate::branding::Branding::from_stored(&row.branding).unwrap_or_default(),
        // A value this version cannot read is replaced by the next apply.
        mfa: crate::mfa::policy::MfaPolicy::from_stored(&row.mfa).unwrap_or_default(),
    })
}

/// Builds on the blocking pool (policies can take milliseconds to compile).
pub async fn build_off_thread(
    stored: Stored,
    ctx: LoadContext,
) -> Result<TenantSnapshot, LoadError> {
    actix_web::web::block(move || build(stored, &ctx))
        .await
        .map_err(|_| LoadError::Store(StoreError::Cancelled))?
}

fn has_active_keys(
    rows: &[store::keys::KeyRow],
    needed: &std::collections::BTreeSet<JwsAlgorithm>,
) -> bool {
    let active = |purpose: &str, algorithm: Option<&str>| {
        rows.iter().any(|r| {
            r.purpose == purpose
                && r.status == store::keys::STATUS_ACTIVE
                && algorithm.is_none_or(|a| r.algorithm == a)
        })
    };
    active(store::keys::PURPOSE_BISCUIT, None)
        && needed
            .iter()
            .all(|a| active(store::keys::PURPOSE_JWS, Some(a.as_str())))
}

/// Decodes a stored client into the protocol's view of it; `tenant_id_token_alg`
/// is the tenant's default algorithm for ID tokens.
pub fn client_from_row(
    row: &ClientRow,
    tenant_id_token_alg: Option<&str>,
) -> Result<Client, String> {
    let spec = &row.spec;
    let secret_sha256 = match &spec.secret_sha256 {
        Some(h) => Some(
            hex::decode(h)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or("secret_sha256 is not 32 bytes of hex")?,
        ),
        None => None,
    };
    let jwks = spec
        .jwks
        .as_deref()
        .map(|j| josekit::jwk::JwkSet::from_bytes(j.as_bytes()).map_err(|e| e.to_string()))
        .transpose()?;
    let scopes: BTreeSet<String> = spec.scopes.iter().cloned().collect();
    let default_scopes = match &*spec.default_scopes {
        Some(d) => d.iter().cloned().collect(),
        None => scope::default_scopes(&scopes),
    };
    let redirect_uris: Vec<RedirectUri> = spec
        .redirect_uris
        .iter()
        .map(|u| RedirectUri::parse(u))
        .collect::<Result<_, _>>()?;
    let allowed_origins = crate::oauth::cors::allowed_origins(
        spec.allowed_origins.as_deref(),
        spec.public,
        &redirect_uris,
    );
    Ok(Client {
        client_id: ClientId::parse(&row.client_id)?,
        name: spec.name.clone(),
        public: spec.public,
        secret_sha256,
        auth_method: AuthMethod::parse(&spec.token_endpoint_auth_method)
            .ok_or("unknown token_endpoint_auth_method")?,
        jwks,
        redirect_uris,
        allowed_origins,
        grant_types: spec
            .grant_types
            .iter()
            .map(|g| GrantType::parse(g).ok_or(format!("unknown grant type {g}")))
            .collect::<Result<_, _>>()?,
        scopes,
        default_scopes,
        access_token_format: AccessTokenFormat::parse(&spec.access_token_format)
            .ok_or("unknown access_token_format")?,
        access_token_ttl: Duration::from_secs(
            u64::try_from(spec.access_token_ttl_secs).unwrap_or(0),
        ),
        refresh_token_ttl: Duration::from_secs(
            u64::try_from(spec.refresh_token_ttl_secs).unwrap_or(0),
        ),
        first_party: spec.first_party,
        allow_plain_pkce: spec.allow_plain_pkce,
        refresh_grace: Duration::from_secs(u64::try_from(spec.refresh_grace_secs).unwrap_or(0)),
        post_logout_redirect_uris: spec
            .post_logout_redirect_uris
            .iter()
            .map(|u| RedirectUri::parse(u))
            .collect::<Result<_, _>>()?,
        allow_implicit: spec.allow_implicit,
        service_roles: spec.service_roles.iter().cloned().collect(),
        id_token_alg: JwsAlgorithm::for_id_tokens(
            spec.id_token_alg.as_deref(),
            tenant_id_token_alg,
        ),
        exchange_audiences: spec.exchange_audiences.iter().cloned().collect(),
        links: crate::oauth::ClientLinks::from_stored([
            spec.client_uri.as_deref(),
            spec.logo_uri.as_deref(),
            spec.policy_uri.as_deref(),
            spec.tos_uri.as_deref(),
        ]),
    })
}
