//! Role-based access control: permissions are `resource:action` strings, roles
//! hold permissions and may include other roles, users hold roles. A user's
//! permissions are those of their roles and of every role those include,
//! transitively. Inclusion must not form a cycle; a cycle is refused with the
//! path that closes it, before anything is written.

use std::collections::{BTreeMap, BTreeSet};

/// One role: its own permissions and the roles it includes (by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDef {
    pub permissions: BTreeSet<String>,
    pub includes: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RbacError {
    /// `a → b → … → a`.
    #[error("role inclusion forms a cycle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error("role {role} includes {missing}, which does not exist")]
    UnknownRole { role: String, missing: String },
}

/// A tenant's roles by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(pub BTreeMap<String, RoleDef>);

impl Roles {
    /// Checks that every included role exists and that inclusion is acyclic.
    pub fn validate(&self) -> Result<(), RbacError> {
        for (name, def) in &self.0 {
            if let Some(missing) = def.includes.iter().find(|r| !self.0.contains_key(*r)) {
                return Err(RbacError::UnknownRole {
                    role: name.clone(),
                    missing: missing.clone(),
                });
            }
        }
        // Depth-first search with three colours; a grey role met again closes
        // a cycle, reported from its first occurrence on the current path.
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Grey,
            Black,
        }
        fn visit<'a>(
            roles: &'a BTreeMap<String, RoleDef>,
            name: &'a str,
            marks: &mut BTreeMap<&'a str, Mark>,
            path: &mut Vec<&'a str>,
        ) -> Result<(), RbacError> {
            match marks.get(name) {
                Some(Mark::Black) => return Ok(()),
                Some(Mark::Grey) => {
                    let start = path.iter().position(|r| *r == name).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[start..].iter().map(|r| (*r).to_owned()).collect();
                    cycle.push(name.to_owned());
                    return Err(RbacError::Cycle(cycle));
                }
                None => {}
            }
            marks.insert(name, Mark::Grey);
            path.push(name);
            if let Some(def) = roles.get(name) {
                for next in &def.includes {
                    visit(roles, next, marks, path)?;
                }
            }
            path.pop();
            marks.insert(name, Mark::Black);
            Ok(())
        }
        let mut marks = BTreeMap::new();
        for name in self.0.keys() {
            visit(&self.0, name, &mut marks, &mut Vec::new())?;
        }
        Ok(())
    }

    /// The permissions of `held` roles and everything they include. Unknown
    /// names contribute nothing; a cycle (which `validate` refuses) cannot loop.
    pub fn permissions_of<'a>(
        &self,
        held: impl IntoIterator<Item = &'a String>,
    ) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = held.into_iter().map(String::as_str).collect();
        let mut out = BTreeSet::new();
        while let Some(name) = todo.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(def) = self.0.get(name) {
                out.extend(def.permissions.iter().cloned());
                todo.extend(def.includes.iter().map(String::as_str));
            }
        }
        out
    }
}

/// `resource:action`: two non-empty parts from a-z, 0-9, '_', '-', '.' and
/// '*' (`notes:*`), at most 128 characters.
pub fn is_permission(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes().all(|b| {
                b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || matches!(b, b'_' | b'-' | b'.' | b'*')
            })
    };
    s.len() <= 128 && matches!(s.split_once(':'), Some((r, a)) if part(r) && part(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(spec: &[(&str, &[&str], &[&str])]) -> Roles {
        Roles(
            spec.iter()
                .map(|(n, perms, inc)| {
                    (
                        n.to_string(),
                        RoleDef {
                            permissions: perms.iter().map(|s| s.to_string()).collect(),
                            includes: inc.iter().map(|s| s.to_string()).collect(),
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn permissions_follow_includes_transitively() {
        let r = roles(&[
            ("admin", &["users:manage"], &["editor"]),
            ("editor", &["notes:write"], &["reader"]),
            ("reader", &["notes:read"], &[]),
            ("auditor", &["audit:read"], &[]),
        ]);
        assert_eq!(r.validate(), Ok(()));
        let held = ["admin".to_owned()];
        assert_eq!(
            r.permissions_of(&held),
            ["notes:read", "notes:write", "users:manage"]
                .map(String::from)
                .into()
        );
        let held = ["reader".to_owned(), "auditor".to_owned(), "nope".to_owned()];
        assert_eq!(
            r.permissions_of(&held),
            ["audit:read", "notes:read"].map(String::from).into()
        );
    }

    #[test]
    fn cycles_are_refused_with_their_path() {
        let r = roles(&[("a", &[], &["b"]), ("b", &[], &["c"]), ("c", &[], &["a"])]);
        assert_eq!(
            r.validate(),
            Err(RbacError::Cycle(vec![
                "a".into(),
                "b".into(),
                "c".into(),
                "a".into()
            ]))
        );
        assert_eq!(
            r.validate().unwrap_err().to_string(),
            "role inclusion forms a cycle: a → b → c → a"
        );
        let selfish = roles(&[("a", &[], &["a"])]);
        assert_eq!(
            selfish.validate(),
            Err(RbacError::Cycle(vec!["a".into(), "a".into()]))
        );
        // Even with a cycle, expansion terminates.
        assert!(r.permissions_of(&["a".to_owned()]).is_empty());
    }

    #[test]
    fn a_diamond_is_not_a_cycle_and_unknown_includes_are_named() {
        let r = roles(&[
            ("top", &[], &["left", "right"]),
            ("left", &[], &["base"]),
            ("right", &[], &["base"]),
            ("base", &["x:y"], &[]),
        ]);
        assert_eq!(r.validate(), Ok(()));
        let r = roles(&[("a", &[], &["ghost"])]);
        assert_eq!(
            r.validate().unwrap_err().to_string(),
            "role a includes ghost, which does not exist"
        );
    }

    #[test]
    fn permission_syntax() {
        for ok in ["users:manage", "notes:read", "notes:*", "api.v2:read-all"] {
            assert!(is_permission(ok), "{ok}");
        }
        for bad in ["users", ":read", "users:", "Users:read", "a:b:c", "a b:c"] {
            assert!(!is_permission(bad), "{bad}");
        }
    }
}
