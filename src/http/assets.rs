//! Static files of the pages. `/assets/{name}`: Gatehouse's stylesheet
//! (`console::assets`). `{issuer}/branding/{name}`: a tenant's stylesheet,
//! logo and favicon (`crate::branding`), from its own path. Every name
//! carries its content's hash, so the answer is cacheable for a year
//! (`immutable`); an old or unknown name is 404.

use super::error::Problem;
use super::tenant::Tenant;
use crate::branding::{Asset, ImageKind};
use crate::console::assets;
use actix_web::http::header;
use actix_web::{HttpResponse, HttpResponseBuilder, web};

const FOR_A_YEAR: &str = "public, max-age=31536000, immutable";

/// An image is only ever an image: opened directly, an SVG runs no script
/// and loads nothing (`sandbox`, `default-src 'none'`); its inline styles
/// still draw it.
const IMAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";

fn cached(mut b: HttpResponseBuilder, content_type: &str) -> HttpResponseBuilder {
    b.content_type(content_type)
        .insert_header((header::CACHE_CONTROL, FOR_A_YEAR));
    b
}

pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, Problem> {
    let (content_type, body) =
        assets::find(&name).ok_or_else(|| Problem::not_found("no such file"))?;
    Ok(cached(HttpResponse::Ok(), content_type).body(body))
}

/// GET `{issuer}/branding/{name}`.
pub async fn branding(
    tenant: Tenant,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (_, name) = path.into_inner();
    let gone = || Problem::not_found("no such file");
    let s = &tenant.snapshot;
    match s.branding.asset(&name).ok_or_else(gone)? {
        Asset::Theme(css) => Ok(cached(HttpResponse::Ok(), "text/css; charset=utf-8").body(css)),
        Asset::Image(image) => {
            let (id, sha) = (s.id.clone(), image.sha256.clone());
            let (_, bytes) = tenant
                .state
                .store
                .run(move |c| crate::store::tenant_images::get(c, &id, &sha))
                .await?
                .ok_or_else(gone)?;
            // The type the tenant file's check found, never a stored guess;
            // the bytes are checked again so a row can only be what it says.
            if ImageKind::sniff(&bytes) != Some(image.kind) {
                return Err(Problem::internal());
            }
            Ok(cached(HttpResponse::Ok(), image.kind.content_type())
                .insert_header((header::CONTENT_SECURITY_POLICY, IMAGE_CSP))
                .body(bytes))
        }
    }
}
