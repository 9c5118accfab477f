//! What is wrong with this process's tenants, for `/readyz` and the log: a
//! tenant whose keys cannot be opened makes the process unready (every token
//! and JWKS request of that tenant would fail); a tenant file that could not
//! be applied at start-up is a warning (the tenant is served as it was).

use std::collections::BTreeMap;
use std::sync::RwLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `/readyz` answers 503 while it lasts.
    Unready,
    /// Named by `/readyz`, which still answers 200.
    Warning,
}

#[derive(Debug, Default)]
pub struct Health {
    entries: RwLock<BTreeMap<String, (Severity, String)>>,
}

impl Health {
    /// Records (or replaces) the problem named `key`.
    pub fn set(&self, key: &str, severity: Severity, message: impl Into<String>) {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        e.insert(key.to_owned(), (severity, message.into()));
    }

    pub fn clear(&self, key: &str) {
        let mut e = self.entries.write().unwrap_or_else(|p| p.into_inner());
        e.remove(key);
    }

    /// Every problem of `severity`, `key: message`, sorted by key.
    pub fn list(&self, severity: Severity) -> Vec<String> {
        let e = self.entries.read().unwrap_or_else(|p| p.into_inner());
        e.iter()
            .filter(|(_, (s, _))| *s == severity)
            .map(|(k, (_, m))| format!("{k}: {m}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_by_severity_replaced_and_cleared() {
        let h = Health::default();
        h.set("tenant acme", Severity::Unready, "keys cannot be opened");
        h.set(
            "tenants/b.yaml",
            Severity::Warning,
            "secret_env X is not set",
        );
        h.set("tenant acme", Severity::Unready, "still broken");
        assert_eq!(h.list(Severity::Unready), ["tenant acme: still broken"]);
        assert_eq!(
            h.list(Severity::Warning),
            ["tenants/b.yaml: secret_env X is not set"]
        );
        h.clear("tenant acme");
        assert!(h.list(Severity::Unready).is_empty());
    }
}
