//! Gatehouse: a multi-tenant OAuth 2.1 / OpenID Connect identity and access
//! management server. See `docs/architecture.md` for how the modules fit.

pub mod app;
pub mod authn;
pub mod authz;
pub mod branding;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod grants;
pub mod http;
pub mod i18n;
pub mod identity;
pub mod mail;
pub mod mfa;
pub mod oauth;
pub mod sms;
pub mod store;
pub mod telemetry;
pub mod tenancy;
pub mod tokens;
pub mod verify;
