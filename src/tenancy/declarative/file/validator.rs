//! The checker of one parsed file: where errors are recorded and located,
//! and the tenant's own fields.

use super::ParseOptions;
use super::raw::RawTenant;
use crate::config::SecretString;
use crate::i18n::Locale;
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{Slug, TenantSpec};
use crate::tokens::JwsAlgorithm;
use marked_yaml::Spanned;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

/// Checks a parsed file. Every element (the tenant's own fields, each scope,
/// role, client, user, policy) is checked on its own and its first error
/// recorded, so one run reports every invalid element of the file.
pub(super) struct Validator<'a> {
    pub(super) file: &'a Path,
    pub(super) opts: &'a ParseOptions<'a>,
    pub(super) errors: std::cell::RefCell<Vec<ApplyError>>,
}

pub(super) fn line_of<T>(s: &Spanned<T>) -> Option<usize> {
    s.span().start().map(|m| m.line())
}

impl Validator<'_> {
    /// The value, or `None` with its error recorded.
    pub(super) fn keep<T>(&self, r: Result<T, ApplyError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.borrow_mut().push(e);
                None
            }
        }
    }

    /// Records that `name` (a `kind`) appears again at `at` after `first`.
    pub(super) fn duplicate<T>(
        &self,
        kind: &str,
        name: &str,
        first: Option<usize>,
        at: &Spanned<T>,
    ) {
        let lines = match (first, line_of(at)) {
            (Some(a), Some(b)) => format!(" (lines {a} and {b})"),
            _ => String::new(),
        };
        let e = self.err(at, format!("{kind} {name} is declared twice{lines}"));
        self.errors.borrow_mut().push(e);
    }

    /// Turns a rule's message into an error located at `at`.
    pub(super) fn at<'s, T>(&'s self, at: &'s Spanned<T>) -> impl Fn(String) -> ApplyError + 's {
        move |m| self.err(at, m)
    }

    pub(super) fn err<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ApplyError {
        ApplyError::Invalid {
            file: self.file.to_path_buf(),
            line: line_of(at),
            message: message.into(),
        }
    }

    /// The spec, when nothing was wrong with the tenant's own fields (the
    /// elements' errors are recorded and make the whole file fail).
    pub(super) fn tenant(&self, raw: RawTenant) -> Option<TenantSpec> {
        let slug = self.keep(Slug::parse(&raw.slug).map_err(|m| self.err(&raw.slug, m)));
        let name = raw.name.trim().to_owned();
        let name = self.keep(if name.is_empty() || name.len() > 200 {
            Err(self.err(&raw.name, "name must be 1-200 characters"))
        } else {
            Ok(name)
        });
        let signing_algorithm = self
            .keep(self.algorithm("signing_algorithm", raw.signing_algorithm.as_ref()))
            .map(|a| a.unwrap_or(JwsAlgorithm::ES256));
        let id_token_alg =
            self.keep(self.algorithm("id_token_signing_alg", raw.id_token_signing_alg.as_ref()));
        let status = self.keep(self.status(raw.status.as_ref(), &["active", "suspended"]));
        let default_locale = self.keep(match &raw.default_locale {
            None => Ok(Locale::default()),
            Some(tag) => Locale::exact(tag).ok_or_else(|| {
                self.err(
                    tag,
                    format!(
                        "default_locale {:?} is not a language the pages speak ({})",
                        tag.as_str(),
                        Locale::known()
                    ),
                )
            }),
        });
        let branding = self.keep(self.branding(raw.branding));
        let (branding, images) = match branding {
            Some((b, i)) => (Some(b), i),
            None => (None, Vec::new()),
        };
        // References are checked against what the file declares, valid or
        // not: an invalid role is one error, not one more per holder.
        let scope_names: BTreeSet<String> = raw.scopes.iter().map(|s| s.name.to_string()).collect();
        let role_names: BTreeSet<String> = raw.roles.iter().map(|r| r.name.to_string()).collect();
        let mfa = self.keep(self.mfa(raw.mfa, &role_names));
        let scopes = self.scopes(raw.scopes);
        let roles = self.roles(raw.roles);
        let clients = self.clients(raw.clients, &scope_names, &role_names);
        let users = self.users(raw.users, &role_names);
        let policies = self.policies(raw.policies);
        Some(TenantSpec {
            source: self.file.to_path_buf(),
            slug: slug?,
            name: name?,
            signing_algorithm: signing_algorithm?,
            id_token_alg: id_token_alg?,
            status: status?,
            default_locale: default_locale?,
            branding: branding?,
            images,
            mfa: mfa?,
            scopes,
            roles,
            clients,
            users,
            policies,
        })
    }

    pub(super) fn status(
        &self,
        raw: Option<&Spanned<String>>,
        allowed: &[&str],
    ) -> Result<Option<String>, ApplyError> {
        raw.map(|s| {
            if allowed.contains(&s.as_str()) {
                Ok(s.as_str().to_owned())
            } else {
                Err(self.err(
                    s,
                    format!(
                        "status must be {}, not {:?}",
                        allowed.join(" or "),
                        s.as_str()
                    ),
                ))
            }
        })
        .transpose()
    }

    pub(super) fn algorithm(
        &self,
        key: &str,
        raw: Option<&Spanned<String>>,
    ) -> Result<Option<JwsAlgorithm>, ApplyError> {
        raw.map(|a| {
            JwsAlgorithm::parse(a).ok_or_else(|| {
                self.err(
                    a,
                    format!("{key} must be ES256, RS256 or EdDSA, not {:?}", a.as_str()),
                )
            })
        })
        .transpose()
    }

    pub(super) fn duration(&self, raw: &Spanned<String>) -> Result<Duration, ApplyError> {
        humantime::parse_duration(raw.trim())
            .map_err(|e| self.err(raw, format!("invalid duration {:?}: {e}", raw.as_str())))
    }

    pub(super) fn plain_allowed(
        &self,
        at: &Spanned<String>,
        field: &str,
        instead: &str,
    ) -> Result<(), ApplyError> {
        if self.opts.allow_plain_secrets {
            Ok(())
        } else {
            Err(self.err(
                at,
                format!(
                    "plain `{field}` values are refused because server.public_url is not a loopback address; use {instead}"
                ),
            ))
        }
    }

    pub(super) fn env_var(&self, var: &Spanned<String>) -> Result<SecretString, ApplyError> {
        match (self.opts.env)(var) {
            Some(v) if !v.is_empty() => Ok(SecretString::new(v)),
            _ => Err(self.err(
                var,
                format!("environment variable {} is not set", var.as_str()),
            )),
        }
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}
