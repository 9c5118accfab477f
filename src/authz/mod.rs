//! Authorization: roles and permissions (RBAC), the rights tokens carry, the
//! tenant's Datalog policies, and the AuthZEN decision point built on them.

pub mod authzen;
mod builtin;
pub mod pdp;
pub mod policy;
pub mod rbac;
pub mod rights;
pub mod shared_policies;
