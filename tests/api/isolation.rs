//! A tenant's data is never reachable through another tenant.

use crate::helpers::{demo_yaml, spawn_app_with};
use gatehouse::store::{self, StoreError};

#[actix_web::test]
async fn store_reads_are_scoped_to_the_tenant() {
    let app = spawn_app_with(|_| {}, None).await;
    app.write_tenant("a.yaml", &demo_yaml("tenant-a"));
    app.write_tenant("b.yaml", &demo_yaml("tenant-b"));
    crate::cli::apply_tenants(&app);

    let store = app.state.store.clone();
    store
        .run(|c| {
            let a = store::tenants::find_by_slug(c, "tenant-a")?
                .unwrap()
                .tenant_id();
            let b = store::tenants::find_by_slug(c, "tenant-b")?
                .unwrap()
                .tenant_id();
            assert_ne!(a, b);
            // Same username and same client_id in both tenants, different rows.
            let alice_a = store::users::find_by_username(c, &a, "alice")?.unwrap();
            let alice_b = store::users::find_by_username(c, &b, "alice")?.unwrap();
            assert_ne!(alice_a.id, alice_b.id);
            assert_eq!(alice_a.tenant_id, a.as_str());
            // B's user id is invisible through A.
            assert!(store::users::get(c, &a, &alice_b.id)?.is_none());
            assert!(store::users::get(c, &b, &alice_b.id)?.is_some());
            // Email look-up is case-insensitive and per tenant.
            let by_email = store::users::find_by_email(c, &a, "ALICE@example.COM")?.unwrap();
            assert_eq!(by_email.id, alice_a.id);
            // Roles resolved through A never include B's.
            assert_eq!(
                store::users::role_names(c, &a, &alice_b.id)?,
                Default::default()
            );
            let client_a = store::clients::find(c, &a, "demo-web")?.unwrap();
            let client_b = store::clients::find(c, &b, "demo-web")?.unwrap();
            assert_ne!(client_a.id, client_b.id);
            assert_eq!(store::clients::list(c, &a)?.len(), 1);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
}

#[actix_web::test]
async fn usernames_and_emails_are_unique_per_tenant() {
    let app = spawn_app_with(|_| {}, Some(&demo_yaml("acme"))).await;
    let store = app.state.store.clone();
    let err = store
        .run(|c| {
            let t = store::tenants::find_by_slug(c, "acme")?
                .unwrap()
                .tenant_id();
            let now = chrono::Utc::now().naive_utc();
            let row = store::users::UserRow {
                id: store::new_id(),
                tenant_id: t.to_string(),
                username: "alice2".into(),
                email: Some("Alice@Example.com".into()),
                email_normalized: Some(store::users::normalize_email("Alice@Example.com")),
                email_verified: false,
                display_name: None,
                password_hash: None,
                status: "active".into(),
                created_at: now,
                updated_at: now,
                roles_from_file: false,
                status_from_file: false,
            };
            store::users::insert(c, &t, &row)
        })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err:?}");
}
