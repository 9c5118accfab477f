//! Form parameters of OAuth endpoints (RFC 6749 §3.1, §3.2): repeated
//! parameters are an error, and parameters without a value count as omitted.

use super::OAuthError;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams(BTreeMap<String, String>, BTreeMap<String, Vec<String>>);

/// Parameters that may repeat: RFC 8693 §2.1 (`audience`, `resource`) and
/// RFC 8707 §2 (`resource`).
const REPEATABLE: [&str; 2] = ["audience", "resource"];

impl FormParams {
    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut map = BTreeMap::new();
        let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            if v.is_empty() {
                continue;
            }
            if REPEATABLE.contains(&k.as_ref()) {
                lists.entry(k.to_string()).or_default().push(v.to_string());
                map.entry(k.to_string()).or_insert_with(|| v.into_owned());
                continue;
            }
            if map.insert(k.to_string(), v.into_owned()).is_some() {
                // RFC 6749 §3.1: parameters MUST NOT be included more than once.
                return Err(OAuthError::invalid_request(format!(
                    "parameter {k} is repeated"
                )));
            }
        }
        Ok(Self(map, lists))
    }

    /// Every value of a repeatable parameter, in order.
    pub fn all(&self, name: &str) -> &[String] {
        self.1.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_invalid() {
        let e = FormParams::parse(b"scope=a&scope=b").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid_request: parameter scope is repeated"
        );
    }

    #[test]
    fn audience_and_resource_may_repeat() {
        let p = FormParams::parse(b"audience=a&resource=r1&audience=b&resource=r2").unwrap();
        assert_eq!(p.all("audience"), ["a", "b"]);
        assert_eq!(p.all("resource"), ["r1", "r2"]);
        assert_eq!(p.get("audience"), Some("a"));
        assert!(p.all("scope").is_empty());
    }

    #[test]
    fn empty_values_count_as_omitted() {
        let p = FormParams::parse(b"scope=&grant_type=client_credentials").unwrap();
        assert_eq!(p.get("scope"), None);
        assert_eq!(p.get("grant_type"), Some("client_credentials"));
        assert_eq!(
            p.require("scope").unwrap_err().to_string(),
            "invalid_request: missing parameter scope"
        );
    }

    #[test]
    fn decodes_percent_and_plus() {
        let p = FormParams::parse(b"scope=a+b%3Ac").unwrap();
        assert_eq!(p.get("scope"), Some("a b:c"));
    }
}
