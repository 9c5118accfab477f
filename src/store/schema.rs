//! Diesel table definitions, written by hand so that one definition serves both
//! backends: only portable SQL types (TEXT, BIGINT, BOOLEAN, TIMESTAMP) appear.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        status -> Text,
        config_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        jws_algorithm -> Text,
        revocation_epoch -> BigInt,
        id_token_alg -> Nullable<Text>,
        source_file -> Nullable<Text>,
        status_from_file -> Bool,
        default_locale -> Text,
        branding -> Text,
        mfa -> Text,
    }
}

diesel::table! {
    tenant_images (tenant_id, sha256) {
        tenant_id -> Text,
        sha256 -> Text,
        content_type -> Text,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(tenant_images -> tenants (tenant_id));

diesel::table! {
    users (id) {
        id -> Text,
        tenant_id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        email_normalized -> Nullable<Text>,
        email_verified -> Bool,
        display_name -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        roles_from_file -> Bool,
        status_from_file -> Bool,
    }
}

diesel::table! {
    scopes (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    roles (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        managed_by -> Text,
    }
}

diesel::table! {
    role_permissions (role_id, permission) {
        tenant_id -> Text,
        role_id -> Text,
        permission -> Text,
    }
}

diesel::table! {
    role_includes (role_id, included_role_id) {
        tenant_id -> Text,
        role_id -> Text,
        included_role_id -> Text,
    }
}

diesel::table! {
    scope_permissions (scope_id, permission) {
        tenant_id -> Text,
        scope_id -> Text,
        permission -> Text,
    }
}

diesel::table! {
    user_roles (user_id, role_id) {
        tenant_id -> Text,
        user_id -> Text,
        role_id -> Text,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        name -> Text,
        public -> Bool,
        secret_sha256 -> Nullable<Text>,
        redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_endpoint_auth_method -> Text,
        jwks -> Nullable<Text>,
        default_scopes -> Nullable<Text>,
        access_token_format -> Text,
        access_token_ttl_secs -> BigInt,
        refresh_token_ttl_secs -> BigInt,
        managed_by -> Text,
        first_party -> Bool,
        allow_plain_pkce -> Bool,
        refresh_grace_secs -> BigInt,
        post_logout_redirect_uris -> Text,
        allow_implicit -> Bool,
        service_roles -> Text,
        exchange_audiences -> Text,
        id_token_alg -> Nullable<Text>,
        allowed_origins -> Nullable<Text>,
        client_uri -> Nullable<Text>,
        logo_uri -> Nullable<Text>,
        policy_uri -> Nullable<Text>,
        tos_uri -> Nullable<Text>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        target -> Text,
        detail -> Text,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> Text,
        tenant_id -> Text,
        purpose -> Text,
        algorithm -> Text,
        generation -> BigInt,
        public_key -> Text,
        private_key -> Text,
        status -> Text,
        created_at -> Timestamp,
        publish_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revoked_tokens (tenant_id, revocation_id) {
        tenant_id -> Text,
        revocation_id -> Text,
        revoked_at -> Timestamp,
        expires_at -> Timestamp,
        epoch -> BigInt,
    }
}

diesel::table! {
    revocation_acks (tenant_id, instance_id) {
        tenant_id -> Text,
        instance_id -> Text,
        epoch -> BigInt,
        seen_at -> Timestamp,
        process_id -> Text,
    }
}

diesel::table! {
    sync_processes (process_id) {
        process_id -> Text,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    change_counters (shard) {
        shard -> Integer,
        n -> BigInt,
    }
}

diesel::table! {
    client_assertion_jtis (tenant_id, client_id, jti) {
        tenant_id -> Text,
        client_id -> Text,
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        token_sha256 -> Text,
        auth_time -> Timestamp,
        amr -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consents (tenant_id, user_id, client_id) {
        tenant_id -> Text,
        user_id -> Text,
        client_id -> Text,
        scopes -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authorization_codes (code_sha256) {
        code_sha256 -> Text,
        tenant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Text,
        redirect_uri -> Text,
        scopes -> Text,
        nonce -> Nullable<Text>,
        code_challenge -> Nullable<Text>,
        code_challenge_method -> Nullable<Text>,
        auth_time -> Timestamp,
        amr -> Text,
        state -> Text,
        family_id -> Nullable<Text>,
        access_revocation_id -> Nullable<Text>,
        access_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    refresh_families (id) {
        id -> Text,
        tenant_id -> Text,
        client_id -> Text,
        user_id -> Text,
        session_id -> Nullable<Text>,
        scopes -> Text,
        auth_time -> Timestamp,
        amr -> Text,
        state -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_sha256) {
        token_sha256 -> Text,
        tenant_id -> Text,
        family_id -> Text,
        state -> Text,
        rotated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> refresh_families (family_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(scopes -> tenants (tenant_id));
diesel::joinable!(roles -> tenants (tenant_id));
diesel::joinable!(role_permissions -> roles (role_id));
diesel::joinable!(scope_permissions -> scopes (scope_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(clients -> tenants (tenant_id));

diesel::table! {
    policies (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        position -> BigInt,
        code -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(policies -> tenants (tenant_id));

diesel::table! {
    token_bans (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        target -> Text,
        banned_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(token_bans -> tenants (tenant_id));

diesel::table! {
    mfa_factors (id) {
        id -> Text,
        tenant_id -> Text,
        user_id -> Text,
        kind -> Text,
        label -> Text,
        secret_sealed -> Nullable<Text>,
        last_used_step -> Nullable<BigInt>,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mfa_factors -> users (user_id));

diesel::table! {
    recovery_codes (factor_id, code_sha256) {
        factor_id -> Text,
        tenant_id -> Text,
        code_sha256 -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(recovery_codes -> mfa_factors (factor_id));

diesel::table! {
    mfa_codes (id) {
        id -> Text,
        factor_id -> Text,
        tenant_id -> Text,
        code_hmac -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mfa_codes -> mfa_factors (factor_id));
diesel::joinable!(revocation_acks -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tenant_images,
    server_settings,
    policies,
    token_bans,
    users,
    scopes,
    roles,
    role_permissions,
    role_includes,
    scope_permissions,
    user_roles,
    clients,
    audit_events,
    signing_keys,
    revoked_tokens,
    revocation_acks,
    sync_processes,
    change_counters,
    client_assertion_jtis,
    sessions,
    consents,
    authorization_codes,
    refresh_families,
    refresh_tokens,
    mfa_factors,
    recovery_codes,
    mfa_codes,
);

diesel::table! {
    server_settings (name) {
        name -> Text,
        value -> Text,
    }
}
