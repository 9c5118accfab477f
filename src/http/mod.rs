//! actix-web handlers, by endpoint family. Handlers stay thin: extract, call a
//! service, map the result; errors become HTTP in `error.rs` only.

mod account;
mod account_codes;
mod account_security;
mod api_users;
mod assets;
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

use actix_web::body::MessageBody;
use actix_web::dev::{HttpServiceFactory, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, Resource, Responder, web};

pub use headers::security_headers;
pub use request_id::RequestId;
pub use state::AppState;
pub use tenant::Tenant;

/// Registers every route. Used by `serve` and by the tests. Endpoints are
/// resources so that another method is answered 405; `cfg.route` would answer
/// 404 (it moves the method guard onto the path).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(web::resource("/assets/{name}").route(web::get().to(assets::asset)))
        .route("/t/{tenant}", web::get().to(tenant::info))
        // Public metadata and keys: any origin may read them (CORS `*`).
        .service(public_get(
            "/t/{tenant}/.well-known/openid-configuration",
            discovery::metadata,
        ))
        .service(public_get(
            "/t/{tenant}/.well-known/oauth-authorization-server",
            discovery::metadata,
        ))
        .service(public_get(
            "/.well-known/oauth-authorization-server/t/{tenant}",
            discovery::metadata_inserted,
        ))
        .service(public_get("/t/{tenant}/jwks", discovery::jwks))
        .service(public_get(
            "/t/{tenant}/biscuit-keys",
            discovery::biscuit_keys,
        ))
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
        .route("/t/{tenant}/docs", web::get().to(discovery::docs))
        .service(
            web::resource("/t/{tenant}/branding/{name}").route(web::get().to(assets::branding)),
        )
        .route(
            "/t/{tenant}/revocations",
            web::get().to(discovery::revocation_list),
        )
        .service(web::resource("/t/{tenant}/authorize").route(web::get().to(authorize::authorize)))
        .service(web::resource("/t/{tenant}/login").route(web::post().to(authorize::login)))
        .service(web::resource("/t/{tenant}/consent").route(web::post().to(authorize::consent)))
        .service(
            web::resource("/t/{tenant}/login/mfa").route(web::post().to(authorize::second_factor)),
        )
        .service(web::resource("/t/{tenant}/account").route(web::get().to(account::show)))
        .service(
            web::resource("/t/{tenant}/account/totp").route(web::post().to(account::totp_begin)),
        )
        .service(
            web::resource("/t/{tenant}/account/totp/confirm")
                .route(web::post().to(account::totp_confirm)),
        )
        .service(
            web::resource("/t/{tenant}/account/email")
                .route(web::post().to(account_codes::email_begin)),
        )
        .service(
            web::resource("/t/{tenant}/account/sms")
                .route(web::post().to(account_codes::sms_begin)),
        )
        .service(
            web::resource("/t/{tenant}/account/code/confirm")
                .route(web::post().to(account_codes::confirm)),
        )
        .service(
            web::resource("/t/{tenant}/account/sessions/others")
                .route(web::post().to(account_security::sign_out_others)),
        )
        .service(
            web::resource("/t/{tenant}/account/apps/withdraw")
                .route(web::post().to(account_security::withdraw)),
        )
        .service(
            web::resource("/t/{tenant}/account/password")
                .route(web::post().to(account_security::change_password)),
        )
        .service(
            web::resource("/t/{tenant}/account/recovery")
                .route(web::post().to(account::recovery_new)),
        )
        .service(
            web::resource("/t/{tenant}/account/factors/remove")
                .route(web::post().to(account::factor_remove)),
        )
        // Endpoints a tenant's browser clients call from their own origins.
        .service(
            cors_endpoint("/t/{tenant}/userinfo")
                .route(web::get().to(userinfo::userinfo))
                .route(web::post().to(userinfo::userinfo)),
        )
        .service(cors_endpoint("/t/{tenant}/token").route(web::post().to(token::token)))
        .service(cors_endpoint("/t/{tenant}/revoke").route(web::post().to(revoke::revoke)))
        .service(
            web::resource("/t/{tenant}/logout")
                .route(web::get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post)),
        )
        .service(
            web::resource("/t/{tenant}/introspect").route(web::post().to(introspect::introspect)),
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

/// A GET resource any origin may read.
fn public_get<F, Args>(path: &str, handler: F) -> impl HttpServiceFactory + use<F, Args>
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .wrap(from_fn(cors::public))
        .route(web::get().to(handler))
}

/// A resource with the tenant's CORS rule and its preflight; the caller adds
/// the methods.
fn cors_endpoint(
    path: &str,
) -> Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::resource(path)
        .wrap(from_fn(cors::tenant_endpoint))
        .route(web::method(Method::OPTIONS).to(cors::preflight))
}
