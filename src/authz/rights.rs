//! The rights a token carries. Scopes name permissions; a token's rights are
//!
//! - for a user: the user's permissions ∩ the permissions of the scopes the user
//!   granted (which are already within what the client may ask for: a client
//!   can only be granted scopes it is registered for);
//! - for a client on its own behalf (client_credentials): the permissions of its
//!   service roles ∩ the permissions of the scopes granted to it.
//!
//! So a right reaches a token only when the holder has it *and* the consent
//! covers it: no request, however worded, widens either side.
//!
//! A permission is `resource:action`; either part may be `*`, meaning any
//! ("notes:*"). Intersecting keeps the narrower of two matching permissions.

use super::rbac::Roles;
use std::collections::{BTreeSet, HashMap};

/// A tenant's roles and the permissions of its scopes: everything needed to
/// compute a token's rights, held in the tenant's snapshot.
#[derive(Debug, Clone, Default)]
pub struct RightsModel {
    pub roles: Roles,
    /// Scope name → the permissions it carries. Scopes without an entry carry
    /// none (the OpenID Connect scopes, for instance).
    pub scopes: HashMap<String, BTreeSet<String>>,
}

impl RightsModel {
    /// The permissions the `granted` scopes carry together.
    pub fn of_scopes<'a>(&self, granted: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
        granted
            .into_iter()
            .filter_map(|s| self.scopes.get(s))
            .flatten()
            .cloned()
            .collect()
    }

    /// A token's rights for a holder of the `held` roles who was granted
    /// `granted` scopes.
    pub fn token_rights<'a>(
        &self,
        held: impl IntoIterator<Item = &'a String>,
        granted: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let carried = self.of_scopes(granted);
        if carried.is_empty() {
            return carried;
        }
        intersect(&self.roles.permissions_of(held), &carried)
    }
}

/// `pattern` covers `permission` when each part is equal or `*`.
pub fn covers(pattern: &str, permission: &str) -> bool {
    fn split(p: &str) -> (&str, &str) {
        p.split_once(':').unwrap_or((p, ""))
    }
    let ((pr, pa), (r, a)) = (split(pattern), split(permission));
    (pr == "*" || pr == r) && (pa == "*" || pa == a)
}

/// The permissions both sets allow, each at the narrower of the two forms:
/// `{notes:*} ∩ {notes:read, users:read}` = `{notes:read}`.
pub fn intersect(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for x in a {
        for y in b {
            if covers(x, y) {
                out.insert(y.clone());
            } else if covers(y, x) {
                out.insert(x.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::rbac::RoleDef;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn model() -> RightsModel {
        let role = |perms: &[&str], inc: &[&str]| RoleDef {
            permissions: set(perms),
            includes: set(inc),
        };
        RightsModel {
            roles: Roles(
                [
                    ("reader".to_owned(), role(&["notes:read"], &[])),
                    ("editor".to_owned(), role(&["notes:write"], &["reader"])),
                    ("admin".to_owned(), role(&["users:*"], &["editor"])),
                ]
                .into(),
            ),
            scopes: [
                ("notes".to_owned(), set(&["notes:read", "notes:write"])),
                ("notes:read".to_owned(), set(&["notes:read"])),
                ("admin".to_owned(), set(&["users:manage", "users:read"])),
            ]
            .into(),
        }
    }

    #[test]
    fn rights_are_held_and_granted() {
        let m = model();
        let reader = ["reader".to_owned()];
        // The scope carries notes:write, the user does not hold it.
        assert_eq!(
            m.token_rights(&reader, &set(&["notes"])),
            set(&["notes:read"])
        );
        // The user holds users:*, but no granted scope carries it.
        let admin = ["admin".to_owned()];
        assert_eq!(
            m.token_rights(&admin, &set(&["notes:read", "openid"])),
            set(&["notes:read"])
        );
        // A wildcard permission meets specific scope permissions.
        assert_eq!(
            m.token_rights(&admin, &set(&["admin"])),
            set(&["users:manage", "users:read"])
        );
        // Scopes that carry nothing, or a holder with nothing: no rights.
        assert!(
            m.token_rights(&admin, &set(&["openid", "email"]))
                .is_empty()
        );
        assert!(m.token_rights(&[], &set(&["notes", "admin"])).is_empty());
    }

    #[test]
    fn intersection_keeps_the_narrower_form() {
        assert_eq!(
            intersect(&set(&["notes:*"]), &set(&["notes:read", "users:read"])),
            set(&["notes:read"])
        );
        assert_eq!(intersect(&set(&["*:*"]), &set(&["a:b"])), set(&["a:b"]));
        assert_eq!(intersect(&set(&["a:*"]), &set(&["a:*"])), set(&["a:*"]));
        assert!(intersect(&set(&["a:b"]), &set(&["a:c", "b:b"])).is_empty());
        assert!(!covers("notes:read", "notes:*"));
    }
}
