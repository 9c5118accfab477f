//! Single-use secrets a client presents — authorization codes, refresh tokens,
//! PKCE verifiers — as types: `Debug` shows only the type, and none is
//! `Clone`, so one cannot be copied into a log line or a second request by
//! accident (compare oauth2-rs `types.rs`).

macro_rules! presented_secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself, for hashing or comparing — never for logs.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }
    };
}

presented_secret!(
    /// An authorization code (RFC 6749 §4.1.2).
    AuthorizationCode
);
presented_secret!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshTokenValue
);
presented_secret!(
    /// A PKCE `code_verifier` (RFC 7636 §4.1).
    PkceVerifier
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        assert_eq!(
            format!("{:?}", AuthorizationCode::new("abc")),
            "AuthorizationCode(…)"
        );
        assert_eq!(
            format!("{:?}", RefreshTokenValue::new("abc")),
            "RefreshTokenValue(…)"
        );
        assert_eq!(format!("{:?}", PkceVerifier::new("abc")), "PkceVerifier(…)");
        assert_eq!(PkceVerifier::new("abc").secret(), "abc");
    }
}
