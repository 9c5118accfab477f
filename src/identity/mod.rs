//! Users and what proves who they are. Sessions, consent and MFA come later.

pub mod accounts;
pub mod claims;
pub mod email;
pub mod password;
pub mod self_service;
mod status;

pub use status::UserStatus;
