//! Who may learn about a token at the introspection endpoint (RFC 7662 §4:
//! "the authorization server MUST determine whether the protected resource is
//! allowed to introspect the token"). One client must not read another's
//! tokens — their subject, scopes and rights — just by being confidential.

use crate::authz::rbac::Roles;
use crate::authz::rights::covers;
use crate::oauth::Client;
use std::collections::BTreeSet;

/// The permission that lets a client introspect every token of its tenant
/// (through its service roles): what a resource server is granted.
pub const INTROSPECT_PERMISSION: &str = "tokens:introspect";

/// What a caller may learn about: the tokens issued to it, the tokens meant
/// for it (its client id among their audiences), or — when its service roles
/// carry [`INTROSPECT_PERMISSION`] — every token of the tenant. Anyone else
/// is told `active: false`. Decided from a token's trusted facts, before any
/// narrowing block is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspector {
    client_id: String,
    every_token: bool,
}

impl Introspector {
    pub fn of(caller: &Client, roles: &Roles) -> Self {
        Self {
            client_id: caller.client_id.to_string(),
            every_token: roles
                .permissions_of(&caller.service_roles)
                .iter()
                .any(|p| covers(p, INTROSPECT_PERMISSION)),
        }
    }

    pub fn admits(&self, client_id: &str, audiences: &BTreeSet<String>) -> bool {
        self.every_token || client_id == self.client_id || audiences.contains(&self.client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::rbac::RoleDef;

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
        let aud: BTreeSet<String> = ["notes-api".to_owned()].into();
        let may = |id: &str, held: &[&str]| {
            Introspector::of(&client(id, held), &roles()).admits("web", &aud)
        };
        assert!(may("web", &[]));
        assert!(may("notes-api", &[]));
        assert!(may("rs", &["introspector"]));
        assert!(may("rs", &["all-tokens"]));
        // Another confidential client, with or without unrelated rights.
        assert!(!may("other", &[]));
        assert!(!may("other", &["reader"]));
        assert!(!may("other", &["missing"]));
    }
}
