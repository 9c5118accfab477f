//! Scopes, roles (with their includes, acyclic) and policies.

use super::raw::{RawPolicy, RawRole, RawScope, RawText};
use super::validator::{Validator, is_identifier, line_of};
use crate::i18n::Localized;
use crate::oauth::ScopeName;
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{RoleSpec, ScopeSpec};
use marked_yaml::Spanned;
use std::collections::{BTreeMap, BTreeSet};

impl Validator<'_> {
    /// Policies must parse: a Datalog error names the policy's line and
    /// column as well as the file's line.
    pub(super) fn policies(&self, raw: Vec<RawPolicy>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for p in raw {
            if let Some(first) = seen.get(p.name.as_str()) {
                self.duplicate("policy", &p.name, *first, &p.name);
                continue;
            }
            seen.insert(p.name.to_string(), line_of(&p.name));
            let checked = (|| {
                if !is_identifier(&p.name) {
                    return Err(self.err(
                        &p.name,
                        format!("invalid policy name {:?}: use 1-64 characters from a-z, A-Z, 0-9, '_', '-', '.', ':'", p.name.as_str()),
                    ));
                }
                if crate::authz::policy::BUILTIN
                    .iter()
                    .any(|(n, _)| *n == p.name.as_str())
                {
                    return Err(self.err(
                        &p.name,
                        format!("policy {} is a built-in policy's name", p.name.as_str()),
                    ));
                }
                crate::authz::policy::validate(&p.name, &p.code)
                    .map_err(|e| self.err(&p.name, e.to_string()))
            })();
            if self.keep(checked).is_some() {
                out.push((p.name.to_string(), p.code.to_string()));
            }
        }
        out
    }

    pub(super) fn scopes(&self, raw: Vec<RawScope>) -> BTreeMap<ScopeName, ScopeSpec> {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for s in raw {
            if let Some(first) = seen.get(s.name.as_str()) {
                self.duplicate("scope", &s.name, *first, &s.name);
                continue;
            }
            seen.insert(s.name.to_string(), line_of(&s.name));
            let checked = (|| {
                let name = ScopeName::parse(&s.name).map_err(|m| self.err(&s.name, m))?;
                if name.is_standard() {
                    return Err(self.err(
                        &s.name,
                        format!("scope {name} is a built-in scope; do not declare it"),
                    ));
                }
                let description = match &s.description {
                    RawText::Plain(text) => Localized::plain(text.trim()),
                    RawText::ByLocale(texts) => Localized::by_locale(
                        texts
                            .iter()
                            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
                            .collect(),
                    ),
                }
                .map_err(|m| self.err(&s.name, format!("scope {name}: {m}")))?;
                let spec = ScopeSpec {
                    description: description.to_stored(),
                    permissions: self.permissions(&s.permissions)?,
                };
                Ok((name, spec))
            })();
            if let Some((name, spec)) = self.keep(checked) {
                out.insert(name, spec);
            }
        }
        out
    }

    pub(super) fn permissions(
        &self,
        raw: &[Spanned<String>],
    ) -> Result<BTreeSet<String>, ApplyError> {
        let mut out = BTreeSet::new();
        for p in raw {
            if !crate::authz::rbac::is_permission(p) {
                return Err(self.err(
                    p,
                    format!(
                        "invalid permission {:?}: write resource:action, e.g. users:manage",
                        p.as_str()
                    ),
                ));
            }
            out.insert(p.to_string());
        }
        Ok(out)
    }

    pub(super) fn roles(&self, raw: Vec<RawRole>) -> BTreeMap<String, RoleSpec> {
        let mut out = BTreeMap::new();
        let mut lines: BTreeMap<String, &Spanned<String>> = BTreeMap::new();
        for r in &raw {
            if let Some(first) = lines.get(r.name.as_str()) {
                self.duplicate("role", &r.name, line_of(first), &r.name);
                continue;
            }
            lines.insert(r.name.to_string(), &r.name);
            let checked = (|| {
                if !is_identifier(&r.name) {
                    return Err(self.err(
                        &r.name,
                        format!("invalid role name {:?}: use 1-64 characters from a-z, A-Z, 0-9, '_', '-', '.', ':'", r.name.as_str()),
                    ));
                }
                for inc in &r.includes {
                    if !raw.iter().any(|other| other.name.as_str() == inc.as_str()) {
                        return Err(self.err(
                            inc,
                            format!(
                                "role {} includes {}, which is not declared under roles",
                                r.name.as_str(),
                                inc.as_str()
                            ),
                        ));
                    }
                }
                Ok(RoleSpec {
                    description: r.description.trim().to_owned(),
                    permissions: self.permissions(&r.permissions)?,
                    includes: r.includes.iter().map(|i| i.to_string()).collect(),
                })
            })();
            if let Some(spec) = self.keep(checked) {
                out.insert(r.name.to_string(), spec);
            }
        }
        let graph = crate::authz::rbac::Roles(
            out.iter()
                .map(|(n, r): (&String, &RoleSpec)| {
                    (
                        n.clone(),
                        crate::authz::rbac::RoleDef {
                            permissions: r.permissions.clone(),
                            includes: r.includes.clone(),
                        },
                    )
                })
                .collect(),
        );
        if let Err(e) = graph.validate() {
            let at = match &e {
                crate::authz::rbac::RbacError::Cycle(path) => path.first(),
                crate::authz::rbac::RbacError::UnknownRole { role, .. } => Some(role),
            }
            .and_then(|name| lines.get(name).copied());
            let e = match at {
                Some(at) => self.err(at, e.to_string()),
                None => ApplyError::Invalid {
                    file: self.file.to_path_buf(),
                    line: None,
                    message: e.to_string(),
                },
            };
            self.errors.borrow_mut().push(e);
        }
        out
    }
}
