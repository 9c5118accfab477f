//! `gatehouse clients`: clients created outside tenant files. Tenant files
//! leave these alone (they are `managed_by = cli`). Secrets are generated with
//! 256 bits of entropy, stored as SHA-256, and printed once.

use super::lookup::{read_tenant, tenant_id};
use crate::app;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::oauth::registration::{ClientBuilder, ClientDecl, ClientSecret, Known, Origin};
use crate::oauth::{AuthMethod, ClientId, GrantType, RedirectUri, ScopeName};
use crate::store::audit::AuditEvent;
use crate::store::clients::MANAGED_BY_CLI;
use crate::store::{self, DbConnection, TenantId, write_tx};
use crate::tenancy::declarative::stored_client;
use crate::tokens::AccessTokenFormat;
use anyhow::{anyhow, bail};
use base64::Engine;
use clap::Subcommand;
use std::collections::BTreeSet;

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List the tenant's clients.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Create a client and print its secret (once).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        name: Option<String>,
        /// A public client (no secret; PKCE).
        #[arg(long)]
        public: bool,
        /// Allowed grant type; repeat for several.
        #[arg(long = "grant-type", required = true)]
        grant_types: Vec<String>,
        /// Allowed scope; repeat for several.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Registered redirect URI; repeat for several.
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// client_secret_basic (default), client_secret_post, or none (public).
        #[arg(long)]
        auth_method: Option<String>,
        /// biscuit (default) or jwt (RFC 9068).
        #[arg(long, default_value = "biscuit")]
        access_token_format: String,
        /// Access token lifetime, e.g. 15m or 1h.
        #[arg(long, default_value = "1h")]
        access_token_ttl: String,
        /// A role the client holds for its own client_credentials tokens;
        /// repeat for several (confidential clients only).
        #[arg(long = "service-role")]
        service_roles: Vec<String>,
    },
    /// Replace a confidential client's secret and print the new one (once).
    RotateSecret {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
    },
    /// Delete a client.
    Delete {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        client_id: String,
    },
}

/// A new client secret: 256 random bits, base64url.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256_hex(secret: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes()))
}

pub fn run(config: &Config, command: ClientsCommand) -> anyhow::Result<()> {
    let store = app::open_store(config)?;
    let clock = SystemClock;
    match command {
        ClientsCommand::List { tenant } => {
            let rows = read_tenant(&store, &tenant, store::clients::list)?;
            println!(
                "{:<24} {:<12} {:<20} {:<8}  GRANT TYPES",
                "CLIENT ID", "TYPE", "AUTH METHOD", "SOURCE"
            );
            for r in rows {
                let kind = if r.spec.public {
                    "public"
                } else {
                    "confidential"
                };
                let grants = r.spec.grant_types.join(",");
                println!(
                    "{:<24} {:<12} {:<20} {:<8}  {grants}",
                    r.client_id, kind, r.spec.token_endpoint_auth_method, r.managed_by
                );
            }
            Ok(())
        }
        ClientsCommand::Create {
            tenant,
            client_id,
            name,
            public,
            grant_types,
            scopes,
            redirect_uris,
            auth_method,
            access_token_format,
            access_token_ttl,
            service_roles,
        } => {
            let draft = Draft {
                id: ClientId::parse(&client_id).map_err(anyhow::Error::msg)?,
                name,
                public,
                auth_method: auth_method
                    .map(|m| {
                        AuthMethod::parse(&m).ok_or_else(|| anyhow!("unknown auth method {m}"))
                    })
                    .transpose()?,
                grant_types: grant_types
                    .iter()
                    .map(|g| GrantType::parse(g).ok_or_else(|| anyhow!("unknown grant type {g}")))
                    .collect::<anyhow::Result<_>>()?,
                scopes: scopes
                    .iter()
                    .map(|s| ScopeName::parse(s).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()?,
                redirect_uris: redirect_uris
                    .iter()
                    .map(|u| RedirectUri::parse(u).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()?,
                access_token_format: AccessTokenFormat::parse(&access_token_format)
                    .ok_or_else(|| anyhow!("--access-token-format is biscuit or jwt"))?,
                access_token_ttl: (
                    humantime::parse_duration(&access_token_ttl)?,
                    access_token_ttl,
                ),
                service_roles,
            };
            let secret = store.with_conn(|c| create(c, &tenant, draft, &clock))?;
            println!("client_id: {client_id}");
            if let Some(secret) = secret {
                println!("client_secret: {secret}");
                eprintln!("The secret is shown once; only its SHA-256 is stored.");
            }
            Ok(())
        }
        ClientsCommand::RotateSecret { tenant, client_id } => {
            let secret = generate_secret();
            let hash = sha256_hex(&secret);
            store.with_conn(|c| {
                change(
                    c,
                    &tenant,
                    &client_id,
                    "client.secret_rotated",
                    &clock,
                    |c, t| {
                        let row = store::clients::find(c, t, &client_id)?
                            .ok_or_else(|| anyhow!("no client {client_id:?} in tenant {tenant}"))?;
                        if row.managed_by == store::clients::MANAGED_BY_FILE {
                            return Err(super::ownership::declared_in_file(
                                c,
                                t,
                                &format!("client {client_id}"),
                            ));
                        }
                        if row.spec.public || row.spec.secret_sha256.is_none() {
                            bail!("client {client_id} has no secret to rotate");
                        }
                        store::clients::set_secret(c, t, &client_id, &hash, clock.db_now())?;
                        Ok(())
                    },
                )
            })?;
            println!("client_secret: {secret}");
            eprintln!("The old secret stops working within the server's reload interval.");
            Ok(())
        }
        ClientsCommand::Delete { tenant, client_id } => {
            store.with_conn(|c| {
                change(c, &tenant, &client_id, "client.deleted", &clock, |c, t| {
                    let row = store::clients::find(c, t, &client_id)?
                        .ok_or_else(|| anyhow!("no client {client_id:?} in tenant {tenant}"))?;
                    if row.managed_by == store::clients::MANAGED_BY_FILE {
                        return Err(super::ownership::declared_in_file(
                            c,
                            t,
                            &format!("client {client_id}"),
                        ));
                    }
                    store::clients::delete(c, t, &client_id)?;
                    Ok(())
                })
            })?;
            println!("deleted client {client_id}");
            Ok(())
        }
    }
}

/// `clients create`'s arguments, parsed but not yet checked against the
/// rules (the builder's job) or the tenant (its scopes and roles).
struct Draft {
    id: ClientId,
    name: Option<String>,
    public: bool,
    auth_method: Option<AuthMethod>,
    grant_types: Vec<GrantType>,
    scopes: Vec<ScopeName>,
    redirect_uris: Vec<RedirectUri>,
    access_token_format: AccessTokenFormat,
    /// The lifetime and how it was written.
    access_token_ttl: (std::time::Duration, String),
    service_roles: Vec<String>,
}

/// Builds the client with the tenant's scopes and roles, as a tenant file's
/// client is built, and inserts it; its new secret, if it has one.
fn create(
    c: &mut DbConnection,
    tenant: &str,
    draft: Draft,
    clock: &dyn Clock,
) -> anyhow::Result<Option<String>> {
    let client_id = draft.id.to_string();
    let mut secret = None;
    change(c, tenant, &client_id, "client.created", clock, |c, t| {
        let scopes = store::scopes::list(c, t)?
            .into_iter()
            .map(|s| s.name)
            .collect();
        let roles = store::roles::list(c, t)?
            .into_iter()
            .map(|r| r.row.name)
            .collect();
        let decl = build(draft, &scopes, &roles, &mut secret).map_err(anyhow::Error::msg)?;
        if store::clients::find(c, t, &client_id)?.is_some() {
            bail!("client {client_id} already exists in tenant {tenant}");
        }
        let spec = stored_client(&decl);
        store::clients::insert(c, t, &client_id, &spec, MANAGED_BY_CLI, clock.db_now())?;
        Ok(())
    })?;
    Ok(secret)
}

fn build(
    d: Draft,
    scopes: &BTreeSet<String>,
    roles: &BTreeSet<String>,
    secret: &mut Option<String>,
) -> Result<ClientDecl, String> {
    let known = Known {
        scopes,
        roles,
        origin: Origin::Tenant,
    };
    let mut b = ClientBuilder::new(d.id, d.public, known);
    for r in &d.service_roles {
        b.service_role(r)?;
    }
    b.auth_method(d.auth_method)?;
    if b.takes_secret() {
        let plain = generate_secret();
        b.secret(ClientSecret::Sha256(sha256_hex(&plain)))?;
        *secret = Some(plain);
    }
    for g in d.grant_types {
        b.grant(g)?;
    }
    for u in d.redirect_uris {
        b.redirect_uri(u);
    }
    for s in d.scopes {
        b.scope(s)?;
    }
    b.access_token_format(d.access_token_format);
    let (ttl, written) = d.access_token_ttl;
    b.access_token_ttl(Some(ttl))
        .map_err(|m| format!("--access-token-ttl {written} {m}"))?;
    if let Some(name) = d.name {
        b.name(&name);
    }
    // The CLI takes no JWK Set: such clients are declared in tenant files.
    b.build().map_err(|m| match d.auth_method {
        Some(AuthMethod::PrivateKeyJwt) => {
            format!("{m} (declare private_key_jwt clients in a tenant file, with their jwks)")
        }
        _ => m,
    })
}

/// Runs `f` in one transaction with a config version bump and an audit event.
pub(super) fn change(
    c: &mut DbConnection,
    tenant: &str,
    client_id: &str,
    action: &str,
    clock: &dyn Clock,
    f: impl FnOnce(&mut DbConnection, &TenantId) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    write_tx(c, |c| {
        let t = tenant_id(c, tenant)?;
        f(c, &t)?;
        let now = clock.db_now();
        store::tenants::bump_version(c, &t, now)?;
        store::audit::append(
            c,
            &t,
            AuditEvent {
                actor: "cli",
                action,
                target: client_id,
                detail: serde_json::json!({}),
            },
            now,
        )?;
        Ok(())
    })
}
