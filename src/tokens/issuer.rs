//! A tenant as the issuer of its tokens: what minting (`minter`) and checking
//! (`access`) both need of it.

use super::keyring::KeyRing;

/// The tenant's keys, its slug (the `tenant` fact of its Biscuits) and its
/// issuer (the `iss` of its JWTs).
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    pub keys: &'a KeyRing,
    pub tenant: &'a str,
    pub issuer: &'a str,
}
