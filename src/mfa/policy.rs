//! A tenant's MFA policy (tenant files' `mfa:`, docs/mfa.md): whether a
//! second factor is asked for at all, whom it is required of, and which
//! kinds of factor the tenant accepts. Stored on the tenant row as JSON;
//! `{}` is the default: optional, every method this version has.

use super::factors::{EMAIL, RECOVERY, SMS, TOTP};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Whether users sign in with a second factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// No second factor is asked for or can be set up.
    Off,
    /// Users choose; required only of `required_for_roles`.
    #[default]
    Optional,
    /// Every user: one without a factor sets one up right after the password.
    Required,
}

/// The kinds of factor this version has, as tenant files name them.
pub const METHODS: [&str; 4] = [TOTP, EMAIL, SMS, RECOVERY];
/// Kinds the issue names that this version does not have yet; a tenant file
/// naming one is refused with that said.
pub const NOT_YET: [&str; 1] = ["webauthn"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaPolicy {
    #[serde(default)]
    pub policy: Requirement,
    /// Holders of any of these roles must use a second factor even when the
    /// policy is `optional`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub required_for_roles: BTreeSet<String>,
    /// The kinds of factor accepted and offered (`totp`, `recovery`).
    #[serde(default = "all_methods")]
    pub methods: BTreeSet<String>,
}

fn all_methods() -> BTreeSet<String> {
    METHODS.iter().map(|m| (*m).to_owned()).collect()
}

impl Default for MfaPolicy {
    fn default() -> Self {
        Self {
            policy: Requirement::default(),
            required_for_roles: BTreeSet::new(),
            methods: all_methods(),
        }
    }
}

impl MfaPolicy {
    /// What the tenant row stores.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_stored(stored: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(stored)
    }

    /// Whether second factors exist in this tenant at all.
    pub fn enabled(&self) -> bool {
        self.policy != Requirement::Off
    }

    /// Whether a factor of this kind may be set up and used.
    pub fn allows(&self, kind: &str) -> bool {
        self.enabled() && self.methods.contains(kind)
    }

    /// Whether a user holding `roles` must sign in with a second factor.
    pub fn required_for(&self, roles: &BTreeSet<String>) -> bool {
        match self.policy {
            Requirement::Off => false,
            Requirement::Required => true,
            Requirement::Optional => !self.required_for_roles.is_disjoint(roles),
        }
    }

    /// Whether every user must, whatever their roles.
    pub fn required_of_everyone(&self) -> bool {
        self.policy == Requirement::Required
    }

    /// Whether any user's roles can matter (so they need reading).
    pub fn depends_on_roles(&self) -> bool {
        self.policy == Requirement::Optional && !self.required_for_roles.is_empty()
    }

    /// The rules a tenant file's `mfa:` must meet, beyond its shape; the
    /// first broken one. `declared_roles` are the file's roles.
    pub fn check(&self, declared_roles: &BTreeSet<String>) -> Result<(), String> {
        for m in &self.methods {
            if NOT_YET.contains(&m.as_str()) {
                return Err(format!(
                    "mfa.methods: `{m}` is not available in this version (available: {})",
                    METHODS.join(", ")
                ));
            }
            if !METHODS.contains(&m.as_str()) {
                return Err(format!(
                    "mfa.methods: unknown method `{m}` (available: {})",
                    METHODS.join(", ")
                ));
            }
        }
        if let Some(r) = self
            .required_for_roles
            .iter()
            .find(|r| !declared_roles.contains(*r))
        {
            return Err(format!(
                "mfa.required_for_roles: `{r}` is not a role of this file"
            ));
        }
        let requires = self.policy == Requirement::Required || !self.required_for_roles.is_empty();
        if self.policy == Requirement::Off && !self.required_for_roles.is_empty() {
            return Err("mfa.required_for_roles needs policy optional or required, not off".into());
        }
        if requires && !self.methods.contains(TOTP) {
            return Err(
                "mfa.methods must include totp when MFA is required: it is the factor a user sets up while signing in"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(r: &[&str]) -> BTreeSet<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_default_is_optional_with_every_method_and_stores_as_it_reads() {
        let p = MfaPolicy::from_stored("{}").unwrap();
        assert_eq!(p, MfaPolicy::default());
        assert!(p.enabled() && p.allows("totp") && p.allows("email") && p.allows("recovery"));
        assert!(!p.required_for(&roles(&["admin"])));
        assert_eq!(MfaPolicy::from_stored(&p.to_stored()).unwrap(), p);
        let off = MfaPolicy {
            policy: Requirement::Off,
            ..MfaPolicy::default()
        };
        assert!(!off.allows("totp"));
    }

    #[test]
    fn who_must_use_a_second_factor() {
        let admins = MfaPolicy {
            required_for_roles: roles(&["admin"]),
            ..MfaPolicy::default()
        };
        assert!(admins.required_for(&roles(&["reader", "admin"])));
        assert!(!admins.required_for(&roles(&["reader"])));
        assert!(!admins.required_for(&roles(&[])));
        assert!(admins.depends_on_roles() && !admins.required_of_everyone());
        let all = MfaPolicy {
            policy: Requirement::Required,
            ..MfaPolicy::default()
        };
        assert!(all.required_for(&roles(&[])) && all.required_of_everyone());
        assert!(!all.depends_on_roles());
    }

    #[test]
    fn what_a_tenant_file_may_not_say() {
        let declared = roles(&["admin"]);
        let with = |f: fn(&mut MfaPolicy)| {
            let mut p = MfaPolicy::default();
            f(&mut p);
            p.check(&declared)
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(
            with(|p| {
                p.methods.insert("webauthn".into());
            })
            .unwrap_err(),
            "mfa.methods: `webauthn` is not available in this version (available: totp, email, sms, recovery)"
        );
        assert!(
            with(|p| {
                p.methods.insert("carrier-pigeon".into());
            })
            .unwrap_err()
            .contains("unknown method")
        );
        assert!(
            with(|p| {
                p.required_for_roles.insert("ghost".into());
            })
            .unwrap_err()
            .contains("`ghost` is not a role")
        );
        assert!(
            with(|p| {
                p.policy = Requirement::Off;
                p.required_for_roles.insert("admin".into());
            })
            .is_err()
        );
        assert!(
            with(|p| {
                p.policy = Requirement::Required;
                p.methods.remove("totp");
            })
            .unwrap_err()
            .contains("must include totp")
        );
    }
}
