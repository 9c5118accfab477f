//! Authorization: roles and permissions (RBAC). Policies and the decision
//! point come with them in this module.

pub mod rbac;
