//! Form parameters of OAuth endpoints (RFC 6749 §3.1, §3.2): repeated
//! parameters are an error, and parameters without a value count as omitted.

use super::OAuthError;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams(BTreeMap<String, String>);

impl FormParams {
    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut map = BTreeMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            if v.is_empty() {
                continue;
            }
            if map.insert(k.to_string(), v.into_owned()).is_some() {
                // RFC 6749 §3.1: parameters MUST NOT be included more than once.
                return Err(OAuthError::invalid_request(format!(
                    "parameter {k} is repeated"
                )));
            }
        }
        Ok(Self(map))
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
