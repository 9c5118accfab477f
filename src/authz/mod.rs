//! Authorization: roles and permissions (RBAC) and the rights tokens carry.
//! Policies and the decision point come with them in this module.

pub mod policy;
pub mod rbac;
pub mod rights;
