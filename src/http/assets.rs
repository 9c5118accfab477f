//! `/assets/{name}`: the pages' static files (`console::assets`). A name
//! carries its content's hash, so the answer is cacheable for a year
//! (`immutable`); an old or unknown name is 404.

use super::error::Problem;
use crate::console::assets;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, Problem> {
    let (content_type, body) =
        assets::find(&name).ok_or_else(|| Problem::not_found("no such file"))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body))
}
