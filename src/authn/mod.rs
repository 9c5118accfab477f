//! Interactive sign-in: sessions, the authorization decision (login, consent),
//! the steps the pages take, and RP-initiated logout. The grants that redeem
//! what a sign-in issues live in `grants`.

pub mod account;
pub mod account_security;
pub mod code_delivery;
pub mod decide;
pub mod flow;
pub mod logout;
pub mod pending;
pub mod sealed;
pub mod second_factor;
pub mod session;
pub mod step;
