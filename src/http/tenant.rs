use super::error::Problem;
use super::state::AppState;
use crate::tenancy::{TenantHandle, TenantSnapshot, TenantStatus};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The tenant named by the `{tenant}` path segment, live and active. Unknown
/// slugs answer 404 without starting an actor.
pub struct Tenant {
    pub handle: TenantHandle,
    pub snapshot: Arc<TenantSnapshot>,
    /// The server the request reached.
    pub state: web::Data<AppState>,
}

impl Tenant {
    /// What the domain's token services need of this request: the tenant,
    /// the store, the evaluation threads, and the time now.
    pub fn context(&self) -> crate::grants::Context<'_> {
        crate::grants::Context {
            store: &self.state.store,
            tenant: &self.handle,
            snapshot: &self.snapshot,
            evaluator: &self.state.evaluator,
            now: self.state.clock.now(),
        }
    }
}

impl FromRequest for Tenant {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let slug = req.match_info().get("tenant").map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let (Some(state), Some(slug)) = (state, slug) else {
                return Err(Problem::internal());
            };
            let unknown = || Problem::not_found(format!("no tenant named {slug:?}"));
            let Some(handle) = state.tenants.get(&slug).await? else {
                return Err(unknown());
            };
            let snapshot = handle.snapshot();
            if snapshot.status != TenantStatus::Active {
                return Err(unknown());
            }
            // For middleware that answers per tenant (http::cors).
            req.extensions_mut().insert(snapshot.clone());
            Ok(Tenant {
                handle,
                snapshot,
                state,
            })
        })
    }
}

/// Public facts about a tenant: its name and issuer.
pub async fn info(tenant: Tenant) -> HttpResponse {
    let s = &tenant.snapshot;
    HttpResponse::Ok().json(serde_json::json!({
        "tenant": s.slug,
        "name": s.name,
        "issuer": s.issuer,
    }))
}
