use crate::helpers::{TestApp, demo_yaml, spawn_app_with};
use gatehouse::app::parse_options;
use gatehouse::clock::SystemClock;
use gatehouse::config::SecretString;
use gatehouse::store::{self, StoreError};
use gatehouse::tenancy::declarative::{self, ApplyError, Plan};
use std::path::Path;

pub fn apply(app: &TestApp, path: &Path) -> Result<Vec<Plan>, ApplyError> {
    let specs = declarative::load_path(path, &parse_options(&app.config))?;
    let ctx = declarative::ApplyContext {
        hasher: &app.state.passwords,
        clock: &SystemClock,
        master_key: &app.state.master_key,
        actor: "test",
    };
    declarative::apply(&app.state.store, &specs, &ctx)
}

/// Writes `yaml` as the tenant file `file` and applies it, which must fail:
/// the error.
pub fn refusal(app: &TestApp, file: &str, yaml: &str) -> String {
    let path = app.write_tenant(file, yaml);
    apply(app, &path).unwrap_err().to_string()
}

pub fn changes(plans: &[Plan]) -> Vec<String> {
    plans
        .iter()
        .flat_map(|p| p.changes.iter().map(ToString::to_string))
        .collect()
}

/// (config_version, audit events, scopes, clients, roles, users) of a tenant.
fn census(app: &TestApp, slug: &str) -> (i64, usize, usize, usize, usize, usize) {
    let slug = slug.to_owned();
    app.state
        .store
        .with_conn(|c| {
            let t = store::tenants::find_by_slug(c, &slug)?.unwrap();
            let id = t.tenant_id();
            Ok::<_, StoreError>((
                t.config_version,
                store::audit::list(c, &id)?.len(),
                store::scopes::list(c, &id)?.len(),
                store::clients::list(c, &id)?.len(),
                store::roles::list(c, &id)?.len(),
                store::users::list(c, &id)?.len(),
            ))
        })
        .unwrap()
}

fn tenant_exists(app: &TestApp, slug: &str) -> bool {
    let slug = slug.to_owned();
    app.state
        .store
        .with_conn(|c| store::tenants::find_by_slug(c, &slug))
        .unwrap()
        .is_some()
}

#[actix_web::test]
async fn applying_the_same_file_twice_changes_nothing() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    assert_eq!(census(&app, "acme"), (1, 1, 1, 1, 1, 1));
    let moved = counter_total(&app);
    let plans = apply(&app, &app.tenants_dir()).unwrap();
    assert_eq!(plans.len(), 1);
    assert!(plans[0].is_empty(), "{:?}", changes(&plans));
    assert_eq!(census(&app, "acme"), (1, 1, 1, 1, 1, 1));
    assert_eq!(counter_total(&app), moved, "no process is asked to look");
}

/// The sum of the change counters (`store::changes`): how often processes
/// were told that a tenant changed.
fn counter_total(app: &TestApp) -> i64 {
    app.state
        .store
        .with_conn(|c| Ok::<_, StoreError>(store::changes::all(c)?.iter().sum()))
        .unwrap()
}

#[actix_web::test]
async fn secrets_are_stored_hashed() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let (client, user) = app.in_acme(|c, t| {
        Ok::<_, StoreError>((
            store::clients::find(c, t, "demo-web")?.unwrap(),
            store::users::find_by_username(c, t, "alice")?.unwrap(),
        ))
    });
    let expected = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"change-me"));
    assert_eq!(
        client.spec.secret_sha256.as_deref(),
        Some(expected.as_str())
    );
    let hash = user.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        app.state
            .passwords
            .verify(&SecretString::new("change-me"), &hash)
            .unwrap()
    );
}

#[actix_web::test]
async fn changed_fields_are_updated() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let changed = demo_yaml("acme")
        .replace("Read your notes", "Read all your notes")
        .replace(
            "permissions: [users:manage]",
            "permissions: [users:manage, users:read]",
        )
        .replace("http://127.0.0.1:3000/callback", "http://127.0.0.1:4000/cb")
        .replace("alice@example.com", "alice@example.org")
        .replace("password: change-me", "password: new-password");
    let path = app.write_tenant("tenant.yaml", &changed);
    let moved = counter_total(&app);
    let plans = apply(&app, &path).unwrap();
    assert_eq!(counter_total(&app), moved + 1, "one counter moved, once");
    assert_eq!(
        changes(&plans),
        vec![
            "~ scope notes:read (description)",
            "~ role admin",
            "~ client demo-web (redirect_uris)",
            "~ user alice (email, password)",
        ]
    );
    assert_eq!(census(&app, "acme"), (2, 2, 1, 1, 1, 1));
    let (scope, role, client, user) = app.in_acme(|c, t| {
        Ok::<_, StoreError>((
            store::scopes::list(c, t)?.remove(0),
            store::roles::list(c, t)?.remove(0),
            store::clients::find(c, t, "demo-web")?.unwrap(),
            store::users::find_by_username(c, t, "alice")?.unwrap(),
        ))
    });
    assert_eq!(scope.description, "Read all your notes");
    assert_eq!(
        role.permissions.into_iter().collect::<Vec<_>>(),
        vec!["users:manage", "users:read"]
    );
    assert_eq!(*client.spec.redirect_uris, vec!["http://127.0.0.1:4000/cb"]);
    assert_eq!(user.email.as_deref(), Some("alice@example.org"));
    assert!(
        app.state
            .passwords
            .verify(
                &SecretString::new("new-password"),
                user.password_hash.as_deref().unwrap()
            )
            .unwrap()
    );
    // And applying the new file again is a no-op.
    assert!(apply(&app, &path).unwrap()[0].is_empty());
}

#[actix_web::test]
async fn configuration_removed_from_the_file_is_removed_but_users_stay() {
    let with_bob = format!(
        "{}  - username: bob\n    email: bob@example.com\n",
        demo_yaml("acme")
    );
    let app = spawn_app_with(|_| {}, Some(&with_bob)).await;
    assert_eq!(census(&app, "acme"), (1, 1, 1, 1, 1, 2));
    let stripped = "slug: acme\nname: Demo Organisation\nusers:\n  - username: alice\n";
    let path = app.write_tenant("tenant.yaml", stripped);
    let plans = apply(&app, &path).unwrap();
    assert_eq!(
        changes(&plans),
        vec![
            "- scope notes:read",
            "- role admin",
            "- client demo-web",
            // alice's roles are no longer the file's.
            "~ user alice (ownership)"
        ]
    );
    assert_eq!(census(&app, "acme"), (2, 2, 0, 0, 0, 2));
    // alice lost the role with the role itself; bob was never deleted.
    let roles = app.in_acme(|c, t| {
        let alice = store::users::find_by_username(c, t, "alice")?.unwrap();
        assert!(store::users::find_by_username(c, t, "bob")?.is_some());
        store::users::role_names(c, t, &alice.id)
    });
    assert!(roles.is_empty());
}

/// Writes `files` (name, YAML) into the tenants directory of `app` and applies
/// it all, which must fail with an error ending in `error_end` and write
/// nothing: acme's census is unchanged and tenant newco was not created.
fn assert_refused_unchanged(app: &TestApp, files: &[(&str, String)], error_end: &str) {
    let before = census(app, "acme");
    for (file, yaml) in files {
        app.write_tenant(file, yaml);
    }
    let err = apply(app, &app.tenants_dir()).unwrap_err().to_string();
    assert!(err.ends_with(error_end), "{err}");
    assert_eq!(census(app, "acme"), before);
    assert!(!tenant_exists(app, "newco"));
}

#[actix_web::test]
async fn an_invalid_file_leaves_the_database_unchanged() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    // A valid change to acme, a valid new tenant, and one broken file.
    let renamed = demo_yaml("acme").replace("Demo Organisation", "Renamed");
    let broken = demo_yaml("broken").replace("roles: [admin]", "roles: [ghost]");
    let files = [
        ("tenant.yaml", renamed),
        ("b-new.yaml", demo_yaml("newco")),
        ("c-broken.yaml", broken),
    ];
    assert_refused_unchanged(
        &app,
        &files,
        "c-broken.yaml:19: user alice has role ghost, which is not declared under roles",
    );
}

#[actix_web::test]
async fn a_conflict_found_while_writing_rolls_back_every_file() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    // alice is not listed any more (so she stays); alice2 takes her email.
    let alice2 = demo_yaml("acme").replace("username: alice", "username: alice2");
    let files = [("a-new.yaml", demo_yaml("newco")), ("tenant.yaml", alice2)];
    assert_refused_unchanged(
        &app,
        &files,
        "tenant.yaml: user alice2: email alice@example.com already belongs to another user of this tenant",
    );
}

#[actix_web::test]
async fn server_refuses_plain_demo_secrets_off_loopback() {
    // The file is refused (and named by /readyz); the server runs without it.
    let app = crate::helpers::spawn_app_with(
        |c| c.server.public_url = crate::helpers::public_url("https://id.example.com"),
        Some(&demo_yaml("demo")),
    )
    .await;
    assert_eq!(app.get("/t/demo").await.status(), 404);
    let ready: serde_json::Value = app.get_json("/readyz").await;
    let warning = ready["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("tenant.yaml:11: plain `secret` values are refused because server.public_url is not a loopback address; use secret_sha256 or secret_env"),
        "{ready}"
    );
    assert_eq!(ready["status"], "ready");
}

/// alice's effective permissions in `slug`.
fn alice_permissions(app: &TestApp, slug: &str) -> Vec<String> {
    let slug = slug.to_owned();
    app.state
        .store
        .with_conn(|c| {
            let id = store::tenants::find_by_slug(c, &slug)?.unwrap().tenant_id();
            let alice = store::users::find_by_username(c, &id, "alice")?.unwrap();
            store::roles::user_permissions(c, &id, &alice.id)
        })
        .unwrap()
        .into_iter()
        .collect()
}

#[actix_web::test]
async fn role_inclusions_apply_change_and_reapply_as_nothing() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    assert_eq!(alice_permissions(&app, "acme"), ["users:manage"]);
    let composite = demo_yaml("acme").replace(
        "  - { name: admin, permissions: [users:manage] }\n",
        "  - { name: admin, permissions: [users:manage], includes: [editor] }\n  - { name: editor, permissions: [notes:write], includes: [reader] }\n  - { name: reader, permissions: [notes:read] }\n",
    );
    let path = app.write_tenant("tenant.yaml", &composite);
    let plans = apply(&app, &path).unwrap();
    assert_eq!(
        changes(&plans),
        ["~ role admin", "+ role editor", "+ role reader"]
    );
    assert_eq!(
        alice_permissions(&app, "acme"),
        ["notes:read", "notes:write", "users:manage"]
    );
    assert!(changes(&apply(&app, &path).unwrap()).is_empty());

    // Dropping the inclusion is an update of admin; editor keeps its own.
    let flat = composite.replace(", includes: [editor]", "");
    let path = app.write_tenant("tenant.yaml", &flat);
    assert_eq!(changes(&apply(&app, &path).unwrap()), ["~ role admin"]);
    assert_eq!(alice_permissions(&app, "acme"), ["users:manage"]);

    // A cycle is refused before anything is written.
    let before = census(&app, "acme");
    let cyclic = composite.replace(
        "{ name: reader, permissions: [notes:read] }",
        "{ name: reader, permissions: [notes:read], includes: [admin] }",
    );
    let err = refusal(&app, "tenant.yaml", &cyclic);
    assert!(
        err.ends_with(":6: role inclusion forms a cycle: admin → editor → reader → admin"),
        "{err}"
    );
    assert_eq!(census(&app, "acme"), before);
}

#[actix_web::test]
async fn a_password_too_short_is_refused_with_its_line() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let short = demo_yaml("acme").replace("password: change-me", "password: short");
    let err = refusal(&app, "tenant.yaml", &short);
    assert!(
        err.ends_with(
            "tenant.yaml:18: user alice: the password must be at least 8 characters long"
        ),
        "{err}"
    );
}

#[actix_web::test]
async fn default_locale_is_a_language_the_pages_speak() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let russian = demo_yaml("acme").replacen(
        "name: Demo Organisation\n",
        "name: Demo Organisation\ndefault_locale: ru\n",
        1,
    );
    let path = app.write_tenant("tenant.yaml", &russian);
    let plans = apply(&app, &path).unwrap();
    assert_eq!(changes(&plans), ["~ tenant default_locale -> ru"]);
    assert!(apply(&app, &path).unwrap()[0].is_empty(), "applied once");

    let german = russian.replace("default_locale: ru", "default_locale: de");
    let err = refusal(&app, "tenant.yaml", &german);
    assert!(
        err.ends_with(
            "tenant.yaml:3: default_locale \"de\" is not a language the pages speak (en, ru)"
        ),
        "{err}"
    );
}
