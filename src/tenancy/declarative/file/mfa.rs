//! The tenant's `mfa:`: read into `crate::mfa::policy::MfaPolicy` and
//! checked by its rules, so a refusal names the line.

use super::raw::RawMfa;
use super::validator::Validator;
use crate::mfa::policy::{MfaPolicy, Requirement};
use crate::tenancy::declarative::error::ApplyError;
use std::collections::BTreeSet;

impl Validator<'_> {
    /// The policy (the default without `mfa:`).
    pub(super) fn mfa(
        &self,
        raw: Option<RawMfa>,
        declared_roles: &BTreeSet<String>,
    ) -> Result<MfaPolicy, ApplyError> {
        let Some(raw) = raw else {
            return Ok(MfaPolicy::default());
        };
        let mut policy = MfaPolicy::default();
        if let Some(p) = &raw.policy {
            policy.policy = match p.trim() {
                "off" => Requirement::Off,
                "optional" => Requirement::Optional,
                "required" => Requirement::Required,
                other => {
                    return Err(self.err(
                        p,
                        format!("mfa.policy must be off, optional or required, not {other:?}"),
                    ));
                }
            };
        }
        if let Some(p) = raw.passwordless.as_ref().filter(|p| ***p) {
            return Err(self.err(
                p,
                "mfa.passwordless: sign-in without a password needs passkeys, which this version does not have yet",
            ));
        }
        policy.required_for_roles = raw
            .required_for_roles
            .iter()
            .map(|r| r.trim().to_owned())
            .collect();
        if let Some(methods) = &raw.methods {
            policy.methods = methods.iter().map(|m| m.trim().to_owned()).collect();
        }
        // The rule's message, at the line of what it names when it names one.
        policy.check(declared_roles).map_err(|message| {
            let at = raw
                .methods
                .iter()
                .flatten()
                .chain(&raw.required_for_roles)
                .find(|v| message.contains(&format!("`{}`", v.trim())));
            match (at, &raw.policy) {
                (Some(v), _) => self.err(v, message),
                (None, Some(p)) => self.err(p, message),
                (None, None) => ApplyError::Invalid {
                    file: self.file.to_path_buf(),
                    line: None,
                    message,
                },
            }
        })?;
        Ok(policy)
    }
}
