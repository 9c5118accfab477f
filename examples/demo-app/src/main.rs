//! Notes, the Gatehouse demo app: a backend-for-frontend (see README.md).
//!
//! ```sh
//! cargo run -p demo-app        # http://127.0.0.1:3000, against http://127.0.0.1:8080/t/demo
//! ```

mod authzen;
mod bff;
mod config;
mod keys;
mod notes;
mod oidc;
mod pages;
mod routes;
mod sessions;
mod share;

use actix_web::{App, HttpServer, web};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = config::Config::from_env()?;
    let bind = config.bind.clone();
    let bff = web::Data::new(bff::Bff::new(config.clone())?);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(bff.clone())
            .configure(routes::configure)
    })
    .bind(&bind)?;
    for addr in server.addrs() {
        tracing::info!(%addr, issuer = %config.issuer, public_url = %config.public_url, "demo app listening");
    }
    server.run().await?;
    Ok(())
}
