//! Scope sets and the rule that decides what a token may carry (RFC 6749 §3.3).

use super::{OAuthError, OAuthErrorCode, STANDARD_SCOPES, ScopeName};
use std::collections::BTreeSet;

/// A parsed `scope` parameter: space-delimited, case-sensitive tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(BTreeSet<String>);

impl ScopeSet {
    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let mut set = BTreeSet::new();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            let name = ScopeName::parse(token).map_err(|_| {
                OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    "the scope parameter is malformed",
                )
            })?;
            set.insert(name.to_string());
        }
        Ok(Self(set))
    }

    /// Scopes read back from Gatehouse's own records (a code, a refresh
    /// family, a verified token), which were valid when written; a name that
    /// is not (a record written by hand) is left out.
    pub fn from_stored<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        Self(
            names
                .into_iter()
                .filter_map(|n| ScopeName::parse(n.as_ref()).ok())
                .map(|n| n.to_string())
                .collect(),
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.0.iter()
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_subset(&self, of: &BTreeSet<String>) -> bool {
        self.0.is_subset(of)
    }

    /// The scopes of both.
    pub fn intersection(&self, with: &BTreeSet<String>) -> Self {
        Self(self.0.intersection(with).cloned().collect())
    }

    pub fn as_set(&self) -> &BTreeSet<String> {
        &self.0
    }

    pub fn to_set(&self) -> BTreeSet<String> {
        self.0.clone()
    }

    pub fn into_set(self) -> BTreeSet<String> {
        self.0
    }
}

/// RFC 6749 §3.3: the `scope` parameter's form, space-delimited.
impl std::fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

/// The scopes of a client_credentials token: what was requested, all of which
/// the client must be allowed; or, when nothing was requested, the client's
/// defaults. Anything outside the allowed set is `invalid_scope`, never
/// silently dropped.
pub fn grant(
    requested: Option<&ScopeSet>,
    allowed: &BTreeSet<String>,
    defaults: &BTreeSet<String>,
) -> Result<BTreeSet<String>, OAuthError> {
    match requested {
        Some(req) if !req.0.is_empty() => {
            let outside: Vec<&str> = req
                .0
                .iter()
                .filter(|s| !allowed.contains(*s))
                .map(String::as_str)
                .collect();
            if !outside.is_empty() {
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    format!("scope not allowed for this client: {}", outside.join(" ")),
                ));
            }
            Ok(req.0.clone())
        }
        _ if defaults.is_empty() => Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            "no scope requested and the client has no default scopes",
        )),
        _ => Ok(defaults.clone()),
    }
}

/// The default scopes of a client without explicit ones: every allowed scope
/// except OpenID Connect's, which concern users.
pub fn default_scopes(allowed: &BTreeSet<String>) -> BTreeSet<String> {
    allowed
        .iter()
        .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn requested_must_be_within_allowed() {
        let allowed = set(&["a", "b"]);
        let req = ScopeSet::parse("a").unwrap();
        assert_eq!(
            grant(Some(&req), &allowed, &set(&["b"])).unwrap(),
            set(&["a"])
        );
        let req = ScopeSet::parse("a c").unwrap();
        let e = grant(Some(&req), &allowed, &set(&[])).unwrap_err();
        assert_eq!(e.error, OAuthErrorCode::InvalidScope);
        assert_eq!(
            e.error_description.as_deref(),
            Some("scope not allowed for this client: c")
        );
    }

    #[test]
    fn nothing_requested_means_defaults() {
        let allowed = set(&["a", "openid"]);
        assert_eq!(
            grant(None, &allowed, &default_scopes(&allowed)).unwrap(),
            set(&["a"])
        );
        assert_eq!(
            grant(None, &allowed, &set(&[])).unwrap_err().error,
            OAuthErrorCode::InvalidScope
        );
    }

    #[test]
    fn display_is_the_scope_parameter() {
        let s = ScopeSet::parse("b a  c").unwrap();
        assert_eq!(s.to_string(), "a b c");
        assert_eq!(ScopeSet::default().to_string(), "");
        assert_eq!(ScopeSet::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn stored_scopes_keep_only_valid_names() {
        let s = ScopeSet::from_stored(["openid", "bad\"name", "notes:read"]);
        assert_eq!(s.to_string(), "notes:read openid");
    }

    #[test]
    fn malformed_scope_is_invalid_scope() {
        assert_eq!(
            ScopeSet::parse("a \"b").unwrap_err().error,
            OAuthErrorCode::InvalidScope
        );
        assert_eq!(
            ScopeSet::parse("a  b").unwrap().into_set(),
            set(&["a", "b"])
        );
    }
}
