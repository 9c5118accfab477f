//! Protocol strings as newtypes, parsed at the edge: a value that exists is valid.

use serde::{Deserialize, Deserializer, Serialize};

/// The scopes built into every tenant, never declared: those of OpenID
/// Connect that Gatehouse serves claims for (OIDC Core §5.4, §11; `address`
/// and `phone` are not offered, as no user has those claims), and
/// `account`, which lets a client change the user's own record through the
/// user API (`{issuer}/api/users/{id}`; deleting it also needs a first-party
/// client).
pub const STANDARD_SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "account"];

macro_rules! string_newtype {
    ($name:ident, $parse:path) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                $parse(&raw).map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

/// A client identifier: 1–128 visible ASCII characters (RFC 6749 §2.2 leaves the
/// syntax open; Appendix A.1 allows VSCHAR). We exclude spaces and ':' so that
/// HTTP Basic credentials stay unambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "invalid client_id {raw:?}: use 1-128 visible ASCII characters, no ':'"
            ))
        }
    }
}
string_newtype!(ClientId, ClientId::parse);

/// A scope token (RFC 6749 §3.3: `%x21 / %x23-5B / %x5D-7E`), at most 128 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeName(String);

impl ScopeName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = !raw.is_empty()
            && raw.len() <= 128
            && raw
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "invalid scope {raw:?}: RFC 6749 §3.3 allows visible ASCII except '\"' and '\\'"
            ))
        }
    }

    /// True for the OpenID Connect standard scopes.
    pub fn is_standard(&self) -> bool {
        STANDARD_SCOPES.contains(&self.0.as_str())
    }
}
string_newtype!(ScopeName, ScopeName::parse);

/// A registered redirect URI. RFC 6749 §3.1.2: absolute, no fragment. OAuth 2.1
/// (§2.3.1, §7.5.1) asks for https except on loopback; custom schemes of native
/// apps (RFC 8252 §7.1) are allowed. Matching is exact string comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw)
            .map_err(|e| format!("invalid redirect URI {raw:?}: not an absolute URI ({e})"))?;
        if url.fragment().is_some() {
            return Err(format!(
                "invalid redirect URI {raw:?}: must not contain a fragment (RFC 6749 §3.1.2)"
            ));
        }
        if url.scheme() == "http" {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(format!(
                    "invalid redirect URI {raw:?}: http is only allowed for loopback hosts; use https"
                ));
            }
        }
        Ok(Self(raw.to_owned()))
    }
}
string_newtype!(RedirectUri, RedirectUri::parse);

/// The grant types a client may be allowed. Never compared as strings past the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            GrantType::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
            GrantType::DeviceCode,
            GrantType::TokenExchange,
        ]
        .into_iter()
        .find(|g| g.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_rules() {
        assert!(RedirectUri::parse("https://app.example.com/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1:3000/callback").is_ok());
        assert!(RedirectUri::parse("http://localhost/cb").is_ok());
        assert!(RedirectUri::parse("com.example.app:/cb").is_ok());
        assert!(RedirectUri::parse("http://app.example.com/cb").is_err());
        assert!(RedirectUri::parse("https://app.example.com/cb#x").is_err());
        assert!(RedirectUri::parse("/cb").is_err());
    }

    #[test]
    fn scope_token_charset() {
        assert!(ScopeName::parse("notes:read").is_ok());
        assert!(ScopeName::parse("a b").is_err());
        assert!(ScopeName::parse("quote\"").is_err());
        assert!(ScopeName::parse("").is_err());
        assert!(ScopeName::parse("openid").unwrap().is_standard());
    }

    #[test]
    fn client_id_charset() {
        assert!(ClientId::parse("demo-web").is_ok());
        assert!(ClientId::parse("a:b").is_err());
        assert!(ClientId::parse("").is_err());
    }

    #[test]
    fn grant_types_round_trip() {
        for g in ["authorization_code", "refresh_token", "client_credentials"] {
            assert_eq!(GrantType::parse(g).unwrap().as_str(), g);
        }
        assert_eq!(GrantType::parse("password"), None);
        let g: GrantType =
            serde_json::from_str("\"urn:ietf:params:oauth:grant-type:device_code\"").unwrap();
        assert_eq!(g, GrantType::DeviceCode);
    }
}
