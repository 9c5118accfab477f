//! Who may learn about a token at the introspection endpoint (RFC 7662 §4:
//! "the authorization server MUST determine whether the protected resource is
//! allowed to introspect the token"). One client must not read another's
//! tokens — their subject, scopes and rights — just by being confidential.

use super::access::TokenFacts;
use crate::authz::rbac::Roles;
use crate::authz::rights::covers;
use crate::oauth::Client;

/// The permission that lets a client introspect every token of its tenant
/// (through its service roles): what a resource server is granted.
pub const INTROSPECT_PERMISSION: &str = "tokens:introspect";

/// The client the token was issued to, a client the token is meant for (its
/// client id among the token's audiences), or a client whose service roles
/// carry [`INTROSPECT_PERMISSION`]. Anyone else is told `active: false`.
pub fn may_introspect(caller: &Client, token: &TokenFacts, roles: &Roles) -> bool {
    let id = caller.client_id.as_str();
    token.client_id == id
        || token.audiences.contains(id)
        || roles
            .permissions_of(&caller.service_roles)
            .iter()
            .any(|p| covers(p, INTROSPECT_PERMISSION))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::rbac::RoleDef;
    use crate::tokens::access::AccessTokenFormat;

    fn token(client: &str, audiences: &[&str]) -> TokenFacts {
        TokenFacts {
            client_id: client.into(),
            subject: Some("alice".into()),
            scopes: Default::default(),
            rights: Default::default(),
            audiences: audiences.iter().map(|a| a.to_string()).collect(),
            actors: Vec::new(),
            issued_at: None,
            expires_at: None,
            expiry_readable: true,
            revocation_id: String::new(),
            format: AccessTokenFormat::Biscuit,
            blocks: 1,
        }
    }

    fn roles() -> Roles {
        let role = |p: &str| RoleDef {
            permissions: [p.to_owned()].into(),
            includes: Default::default(),
        };
        Roles(
            [
                ("introspector".to_owned(), role("tokens:introspect")),
                ("all-tokens".to_owned(), role("tokens:*")),
                ("reader".to_owned(), role("notes:read")),
            ]
            .into(),
        )
    }

    fn client(id: &str, roles: &[&str]) -> Client {
        let mut c = Client::for_tests(id);
        c.service_roles = roles.iter().map(|r| r.to_string()).collect();
        c
    }

    #[test]
    fn own_tokens_audience_tokens_and_granted_introspectors_only() {
        let t = token("web", &["notes-api"]);
        assert!(may_introspect(&client("web", &[]), &t, &roles()));
        assert!(may_introspect(&client("notes-api", &[]), &t, &roles()));
        assert!(may_introspect(
            &client("rs", &["introspector"]),
            &t,
            &roles()
        ));
        assert!(may_introspect(&client("rs", &["all-tokens"]), &t, &roles()));
        // Another confidential client, with or without unrelated rights.
        assert!(!may_introspect(&client("other", &[]), &t, &roles()));
        assert!(!may_introspect(&client("other", &["reader"]), &t, &roles()));
        assert!(!may_introspect(
            &client("other", &["missing"]),
            &t,
            &roles()
        ));
    }
}
