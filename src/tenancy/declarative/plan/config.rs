//! Scopes, roles and clients: the file's exactly, except what the CLI made.

use super::Change;
use super::existing::Existing;
use crate::store::clients::ClientSpec;
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{TenantSpec, stored_client};

pub(super) fn plan_scopes(spec: &TenantSpec, existing: &Existing, changes: &mut Vec<Change>) {
    for (name, s) in &spec.scopes {
        match existing.scopes.get(name.as_str()) {
            None => changes.push(Change::CreateScope {
                name: name.to_string(),
                description: s.description.clone(),
                permissions: s.permissions.clone(),
            }),
            Some((d, p)) if *d != s.description || *p != s.permissions => {
                let mut fields = Vec::new();
                if *d != s.description {
                    fields.push("description");
                }
                if *p != s.permissions {
                    fields.push("permissions");
                }
                changes.push(Change::UpdateScope {
                    name: name.to_string(),
                    description: s.description.clone(),
                    permissions: s.permissions.clone(),
                    fields,
                })
            }
            Some(_) => {}
        }
    }
    for name in existing.scopes.keys() {
        if !spec.scopes.keys().any(|s| s.as_str() == name) {
            changes.push(Change::DeleteScope { name: name.clone() });
        }
    }
}

pub(super) fn plan_roles(
    spec: &TenantSpec,
    existing: &Existing,
    changes: &mut Vec<Change>,
) -> Result<(), ApplyError> {
    for (name, r) in &spec.roles {
        if existing.cli_roles.contains(name) {
            return Err(ApplyError::Conflict {
                file: spec.source.clone(),
                message: format!(
                    "role {name} was created with the CLI; delete it there (gatehouse roles delete) before declaring it in a file"
                ),
            });
        }
        match existing.roles.get(name) {
            None => changes.push(Change::CreateRole {
                name: name.clone(),
                description: r.description.clone(),
                permissions: r.permissions.clone(),
                includes: r.includes.clone(),
            }),
            Some((id, description, permissions, includes))
                if *description != r.description
                    || *permissions != r.permissions
                    || *includes != r.includes =>
            {
                changes.push(Change::UpdateRole {
                    id: id.clone(),
                    name: name.clone(),
                    description: r.description.clone(),
                    permissions: r.permissions.clone(),
                    includes: r.includes.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for (name, (id, ..)) in &existing.roles {
        if !spec.roles.contains_key(name) && !existing.cli_roles.contains(name) {
            changes.push(Change::DeleteRole {
                id: id.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

pub(super) fn plan_clients(spec: &TenantSpec, existing: &Existing, changes: &mut Vec<Change>) {
    for (id, c) in &spec.clients {
        let wanted = stored_client(c);
        match existing.clients.get(id.as_str()) {
            None => changes.push(Change::CreateClient {
                client_id: id.to_string(),
                spec: wanted,
            }),
            Some(current) if *current != wanted => {
                let fields = client_fields(current, &wanted);
                changes.push(Change::UpdateClient {
                    client_id: id.to_string(),
                    spec: wanted,
                    fields,
                })
            }
            Some(_) => {}
        }
    }
    for client_id in existing.clients.keys() {
        if existing.cli_clients.contains(client_id) {
            continue;
        }
        if !spec.clients.keys().any(|c| c.as_str() == client_id) {
            changes.push(Change::DeleteClient {
                client_id: client_id.clone(),
            });
        }
    }
}

pub(super) fn client_fields(a: &ClientSpec, b: &ClientSpec) -> Vec<&'static str> {
    // Every field of ClientSpec, by the name the tenant file gives it.
    let differs = [
        ("name", a.name != b.name),
        ("public", a.public != b.public),
        ("secret", a.secret_sha256 != b.secret_sha256),
        ("redirect_uris", a.redirect_uris != b.redirect_uris),
        ("grant_types", a.grant_types != b.grant_types),
        ("scopes", a.scopes != b.scopes),
        (
            "token_endpoint_auth_method",
            a.token_endpoint_auth_method != b.token_endpoint_auth_method,
        ),
        ("jwks", a.jwks != b.jwks),
        ("default_scopes", a.default_scopes != b.default_scopes),
        (
            "access_token_format",
            a.access_token_format != b.access_token_format,
        ),
        (
            "access_token_ttl",
            a.access_token_ttl_secs != b.access_token_ttl_secs,
        ),
        (
            "refresh_token_ttl",
            a.refresh_token_ttl_secs != b.refresh_token_ttl_secs,
        ),
        ("first_party", a.first_party != b.first_party),
        ("allow_plain_pkce", a.allow_plain_pkce != b.allow_plain_pkce),
        (
            "refresh_grace_period",
            a.refresh_grace_secs != b.refresh_grace_secs,
        ),
        (
            "post_logout_redirect_uris",
            a.post_logout_redirect_uris != b.post_logout_redirect_uris,
        ),
        ("allow_implicit", a.allow_implicit != b.allow_implicit),
        ("service_roles", a.service_roles != b.service_roles),
        (
            "token_exchange_audiences",
            a.exchange_audiences != b.exchange_audiences,
        ),
        (
            "id_token_signed_response_alg",
            a.id_token_alg != b.id_token_alg,
        ),
        ("allowed_origins", a.allowed_origins != b.allowed_origins),
        ("client_uri", a.client_uri != b.client_uri),
        ("logo_uri", a.logo_uri != b.logo_uri),
        ("policy_uri", a.policy_uri != b.policy_uri),
        ("tos_uri", a.tos_uri != b.tos_uri),
    ];
    differs
        .into_iter()
        .filter(|(_, d)| *d)
        .map(|(field, _)| field)
        .collect()
}
