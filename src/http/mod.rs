//! actix-web handlers, by endpoint family. Handlers stay thin: extract, call a
//! service, map the result; errors become HTTP in `error.rs` only.

mod api_users;
mod authorize;
mod authzen;
mod bans;
mod bearer;
mod client_call;
mod cors;
mod discovery;
pub mod error;
mod evaluate;
mod form;
mod headers;
mod health;
mod introspect;
mod logout;
pub(crate) mod pages;
pub(crate) mod request_id;
mod revoke;
mod state;
mod tenant;
mod token;
mod userinfo;

use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;

pub use headers::security_headers;
pub use request_id::RequestId;
pub use state::AppState;
pub use tenant::Tenant;

/// Registers every route. Used by `serve` and by the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/t/{tenant}", web::get().to(tenant::info))
        .service(
            web::resource("/t/{tenant}/.well-known/openid-configuration")
                .wrap(from_fn(cors::public))
                .route(web::get().to(discovery::metadata)),
        )
        .service(
            web::resource("/t/{tenant}/.well-known/oauth-authorization-server")
                .wrap(from_fn(cors::public))
                .route(web::get().to(discovery::metadata)),
        )
        .service(
            web::resource("/.well-known/oauth-authorization-server/t/{tenant}")
                .wrap(from_fn(cors::public))
                .route(web::get().to(discovery::metadata_inserted)),
        )
        .route(
            "/t/{tenant}/.well-known/authzen-configuration",
            web::get().to(authzen::metadata),
        )
        .service(
            web::resource("/t/{tenant}/access/v1/evaluation")
                .route(web::post().to(authzen::evaluation)),
        )
        .service(
            web::resource("/t/{tenant}/access/v1/evaluations")
                .route(web::post().to(authzen::evaluations)),
        )
        .service(
            web::resource("/t/{tenant}/jwks")
                .wrap(from_fn(cors::public))
                .route(web::get().to(discovery::jwks)),
        )
        .service(
            web::resource("/t/{tenant}/biscuit-keys")
                .wrap(from_fn(cors::public))
                .route(web::get().to(discovery::biscuit_keys)),
        )
        .route("/t/{tenant}/docs", web::get().to(discovery::docs))
        .route(
            "/t/{tenant}/revocations",
            web::get().to(discovery::revocation_list),
        )
        .service(web::resource("/t/{tenant}/authorize").route(web::get().to(authorize::authorize)))
        .service(web::resource("/t/{tenant}/login").route(web::post().to(authorize::login)))
        .service(web::resource("/t/{tenant}/consent").route(web::post().to(authorize::consent)))
        .service(
            web::resource("/t/{tenant}/userinfo")
                .wrap(from_fn(cors::tenant_endpoint))
                .route(web::get().to(userinfo::userinfo))
                .route(web::post().to(userinfo::userinfo))
                .route(web::method(Method::OPTIONS).to(cors::preflight)),
        )
        .service(
            web::resource("/t/{tenant}/logout")
                .route(web::get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post)),
        )
        .service(
            web::resource("/t/{tenant}/token")
                .wrap(from_fn(cors::tenant_endpoint))
                .route(web::post().to(token::token))
                .route(web::method(Method::OPTIONS).to(cors::preflight)),
        )
        .service(
            web::resource("/t/{tenant}/introspect").route(web::post().to(introspect::introspect)),
        )
        .service(
            web::resource("/t/{tenant}/revoke")
                .wrap(from_fn(cors::tenant_endpoint))
                .route(web::post().to(revoke::revoke))
                .route(web::method(Method::OPTIONS).to(cors::preflight)),
        )
        .service(web::resource("/t/{tenant}/api/bans").route(web::post().to(bans::ban)))
        .service(
            web::resource("/t/{tenant}/api/users/{id}")
                .route(web::get().to(api_users::get))
                .route(web::patch().to(api_users::patch))
                .route(web::delete().to(api_users::delete)),
        )
        .default_service(web::to(error::not_found));
}
