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
        if url.scheme() == "http" && !loopback_host(&url) {
            return Err(format!(
                "invalid redirect URI {raw:?}: http is only allowed for loopback hosts; use https"
            ));
        }
        Ok(Self(raw.to_owned()))
    }
}
string_newtype!(RedirectUri, RedirectUri::parse);

/// `localhost`, 127.0.0.0/8 or `::1`: where plain http stays on the machine.
fn loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A web page or image a person's browser is sent to or loads: a client's
/// `client_uri`, `logo_uri`, `policy_uri`, `tos_uri` (RFC 7591 §2, OpenID
/// Connect Dynamic Registration §2) or a tenant's support, terms and privacy
/// links. Absolute `https` (plain `http` only on loopback, as for redirect
/// URIs), no credentials in it, at most 2,000 characters. `mailto:` is
/// accepted only where the caller says so ([`WebUrl::parse_or_mail`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url =
            url::Url::parse(raw).map_err(|e| format!("{raw:?} is not an absolute URL ({e})"))?;
        match url.scheme() {
            "https" => {}
            "http" if loopback_host(&url) => {}
            "http" => {
                return Err(format!(
                    "{raw:?}: http is only allowed for loopback hosts; use https"
                ));
            }
            other => return Err(format!("{raw:?}: use an https URL, not {other}:")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "{raw:?}: a URL shown to people carries no credentials"
            ));
        }
        Self::bounded(raw)
    }

    /// [`WebUrl::parse`], or a `mailto:` address (a support contact).
    pub fn parse_or_mail(raw: &str) -> Result<Self, String> {
        match raw.strip_prefix("mailto:") {
            Some(address) if address.contains('@') && !address.contains(['<', '>', '"', ' ']) => {
                Self::bounded(raw)
            }
            Some(_) => Err(format!("{raw:?} is not a mailto: address")),
            None => Self::parse(raw),
        }
    }

    fn bounded(raw: &str) -> Result<Self, String> {
        if raw.len() > 2000 {
            return Err("a URL of more than 2,000 characters".to_owned());
        }
        Ok(Self(raw.to_owned()))
    }

    /// `scheme://host[:port]` as a CSP host-source (CSP Level 3 §2.3.1),
    /// to let a page load an image from here: only when the host is an
    /// IPv4 address or a DNS name of letters, digits, dots and hyphens. A
    /// host URL parsing allows but a CSP would misread (`;` ends a
    /// directive, `*` is a wildcard) or cannot name (IPv6) is `None`.
    pub fn csp_origin(&self) -> Option<String> {
        let url = url::Url::parse(&self.0).ok()?;
        let plain = match url.host()? {
            url::Host::Ipv4(_) => true,
            url::Host::Domain(d) => {
                !d.is_empty()
                    && d.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            }
            url::Host::Ipv6(_) => false,
        };
        plain.then(|| url.origin().ascii_serialization())
    }
}
string_newtype!(WebUrl, WebUrl::parse);

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
    fn web_urls_are_https_or_loopback_http_without_credentials() {
        for ok in [
            "https://acme.example/privacy",
            "http://127.0.0.1:3000/logo.svg",
            "http://localhost/terms",
        ] {
            assert_eq!(WebUrl::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "http://acme.example/",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "/relative",
            "https://user:pw@acme.example/",
            "mailto:help@acme.example",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://acme.example/{}", "a".repeat(2000));
        assert!(WebUrl::parse(&long).is_err());
        assert!(WebUrl::parse_or_mail("mailto:help@acme.example").is_ok());
        assert!(WebUrl::parse_or_mail("mailto:nobody").is_err());
        assert!(WebUrl::parse_or_mail("https://acme.example/help").is_ok());
        let origin = |raw: &str| WebUrl::parse(raw).unwrap().csp_origin();
        assert_eq!(
            origin("https://cdn.acme.example:8443/a/logo.png?v=2").as_deref(),
            Some("https://cdn.acme.example:8443")
        );
        assert_eq!(
            origin("https://Bücher.example/l.png").as_deref(),
            Some("https://xn--bcher-kva.example")
        );
        assert_eq!(
            origin("http://127.0.0.1:3000/l.svg").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        // What a CSP would misread, or cannot say.
        for bad in [
            "https://cdn.x;sandbox/l.png",
            "https://*/l.png",
            "https://a,b/l.png",
            "http://[::1]:3000/l.png",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

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
