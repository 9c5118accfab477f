//! Declarative tenants: `tenants/*.yaml`, one tenant per file, applied at start-up
//! and by `gatehouse tenants apply`. Applying is a reconcile (see `docs/tenants.md`):
//! configuration (scopes, roles, clients) follows the file exactly; users are data,
//! created and updated from the file but never deleted because a file omits them.

mod apply;
mod error;
mod file;
mod plan;
mod spec;

pub use apply::{ApplyContext, apply, dry_run};
pub use error::ApplyError;
pub use file::{ParseOptions, load_file, load_path, parse_str, tenant_files};
pub use plan::{Change, Plan};
pub use spec::{
    ClientSecret, PasswordSource, RoleSpec, ScopeSpec, Slug, TenantSpec, UserSpec, stored_client,
};
