//! Interactive sign-in: sessions, the authorization decision (login, consent),
//! authorization codes, and the code and refresh grants that redeem them.

pub mod decide;
pub mod flow;
pub mod grants;
pub mod logout;
pub mod redeem;
pub mod refresh;
pub mod sealed;
pub mod session;
