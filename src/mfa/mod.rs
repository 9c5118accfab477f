//! Second factors (issue 16; docs/mfa.md): the RFC 6238 rule ([`totp`]),
//! the lock after wrong codes ([`lockout`]), and a user's factors as stored
//! ([`factors`]).

mod app;
pub mod base32;
pub mod codes;
pub mod factors;
pub mod lockout;
pub mod policy;
pub mod recovery;
mod rows;
mod sent;
pub mod totp;
