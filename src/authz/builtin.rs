//! The policies every tenant starts with, and the guard no policy can lift.
//! Plain Datalog text: a tenant file's policies read the same way.

/// The policies every tenant starts with (evaluated after the tenant's own).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "self-service",
        r#"// A user may read their own user record with a token granted the
// profile or account scope, change it with the account scope, and delete it
// with the account scope through a first-party client only — never through a
// third-party relying party's token.
allow if action("users:read"), resource_type("user"), resource($id), sub($id),
    scope($s), ["profile", "account"].contains($s);
allow if action("users:update"), resource_type("user"), resource($id), sub($id),
    scope("account");
allow if action("users:delete"), resource_type("user"), resource($id), sub($id),
    scope("account"), client($c), first_party_client($c);"#,
    ),
    (
        "user-managers",
        r#"// A holder of users:manage may manage every user of the tenant.
allow if action($a), $a.starts_with("users:"), resource_type("user"),
    right("users:manage");"#,
    ),
    (
        "token-revokers",
        r#"// A holder of tokens:revoke may ban the tenant's tokens.
allow if action("tokens:revoke"), resource_type("tokens"), right("tokens:revoke");"#,
    ),
];

/// Nobody crosses tenants: always checked, whatever the policies say.
pub(super) const TENANT_GUARD: &str = "check if tenant($t), resource_tenant($t);";
