//! Tenancy: the Supervisor maps a tenant slug to its live TenantActor; the actor
//! is the single writer of the tenant's in-process state and publishes an
//! immutable snapshot that handlers read without a message round trip.

mod actor;
pub mod bans;
pub mod declarative;
mod handle;
pub mod health;
pub mod loader;
pub mod propagation;
mod registry;
mod revocations;
mod snapshot;
mod supervisor;
mod sync;
mod ticker;

pub use actor::{Reload, RevokeToken, TenantActor};
pub use handle::TenantHandle;
pub use loader::{LoadContext, LoadError};
pub use snapshot::{TenantSnapshot, TenantStatus};
pub use supervisor::{Supervisor, SupervisorOptions};
