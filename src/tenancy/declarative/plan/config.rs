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
    let mut fields = Vec::new();
    if a.name != b.name {
        fields.push("name");
    }
    if a.public != b.public {
        fields.push("public");
    }
    if a.secret_sha256 != b.secret_sha256 {
        fields.push("secret");
    }
    if a.redirect_uris != b.redirect_uris {
        fields.push("redirect_uris");
    }
    if a.grant_types != b.grant_types {
        fields.push("grant_types");
    }
    if a.scopes != b.scopes {
        fields.push("scopes");
    }
    if a.token_endpoint_auth_method != b.token_endpoint_auth_method {
        fields.push("token_endpoint_auth_method");
    }
    if a.jwks != b.jwks {
        fields.push("jwks");
    }
    if a.default_scopes != b.default_scopes {
        fields.push("default_scopes");
    }
    if a.access_token_format != b.access_token_format {
        fields.push("access_token_format");
    }
    if a.access_token_ttl_secs != b.access_token_ttl_secs {
        fields.push("access_token_ttl");
    }
    if a.refresh_token_ttl_secs != b.refresh_token_ttl_secs {
        fields.push("refresh_token_ttl");
    }
    if a.first_party != b.first_party {
        fields.push("first_party");
    }
    if a.allow_plain_pkce != b.allow_plain_pkce {
        fields.push("allow_plain_pkce");
    }
    if a.refresh_grace_secs != b.refresh_grace_secs {
        fields.push("refresh_grace_period");
    }
    if a.post_logout_redirect_uris != b.post_logout_redirect_uris {
        fields.push("post_logout_redirect_uris");
    }
    if a.allow_implicit != b.allow_implicit {
        fields.push("allow_implicit");
    }
    if a.service_roles != b.service_roles {
        fields.push("service_roles");
    }
    if a.exchange_audiences != b.exchange_audiences {
        fields.push("token_exchange_audiences");
    }
    fields
}
