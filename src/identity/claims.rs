//! The user's standard claims a granted scope releases (OpenID Connect Core
//! §5.4): `profile` the name claims, `email` the address and whether it is
//! verified; `sub` always. Only claims Gatehouse holds are released.

use crate::store::users::UserRow;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The UserInfo response's claims (§5.3.2) for the granted `scopes`.
pub fn standard_claims(user: &UserRow, scopes: &BTreeSet<String>) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), user.id.clone().into());
    if scopes.contains("profile") {
        claims.insert("preferred_username".into(), user.username.clone().into());
        if let Some(name) = &user.display_name {
            claims.insert("name".into(), name.clone().into());
        }
        // §5.1: seconds since the epoch.
        claims.insert(
            "updated_at".into(),
            user.updated_at.and_utc().timestamp().into(),
        );
    }
    if scopes.contains("email")
        && let Some(email) = &user.email
    {
        claims.insert("email".into(), email.clone().into());
        claims.insert("email_verified".into(), user.email_verified.into());
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alice() -> UserRow {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        UserRow {
            id: "u1".into(),
            tenant_id: "t1".into(),
            username: "alice".into(),
            email: Some("alice@example.com".into()),
            email_normalized: Some("alice@example.com".into()),
            email_verified: false,
            display_name: Some("Alice".into()),
            password_hash: Some("$argon2id$secret".into()),
            status: "active".into(),
            created_at: at,
            updated_at: at,
            roles_from_file: false,
            status_from_file: false,
        }
    }

    fn scopes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_scope_releases_its_claims_and_nothing_else() {
        let user = alice();
        let claims = |s: &[&str]| Value::Object(standard_claims(&user, &scopes(s)));
        assert_eq!(claims(&["openid"]), json!({"sub": "u1"}));
        assert_eq!(
            claims(&["openid", "profile"]),
            json!({"sub": "u1", "preferred_username": "alice", "name": "Alice", "updated_at": 1_700_000_000})
        );
        assert_eq!(
            claims(&["openid", "email"]),
            json!({"sub": "u1", "email": "alice@example.com", "email_verified": false})
        );
        let no_email = UserRow {
            email: None,
            display_name: None,
            ..alice()
        };
        assert_eq!(
            Value::Object(standard_claims(&no_email, &scopes(&["email", "profile"]))),
            json!({"sub": "u1", "preferred_username": "alice", "updated_at": 1_700_000_000})
        );
    }
}
