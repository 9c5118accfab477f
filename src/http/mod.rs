//! actix-web handlers, by endpoint family. Handlers stay thin: extract, call a
//! service, map the result; errors become HTTP in `error.rs` only.

pub mod error;
mod health;
pub(crate) mod request_id;
mod tenant;

use actix_web::web;

pub use request_id::RequestId;
pub use tenant::Tenant;

/// Registers every route. Used by `serve` and by the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/t/{tenant}", web::get().to(tenant::info))
        .default_service(web::to(error::not_found));
}
