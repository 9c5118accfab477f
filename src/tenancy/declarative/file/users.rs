//! Users: names, emails (unique in the file), password sources, roles.

use super::raw::RawUser;
use super::validator::{Validator, line_of};
use crate::config::SecretString;
use crate::identity::UserStatus;
use crate::identity::email::is_email;
use crate::identity::password::PasswordHasher;
use crate::tenancy::declarative::error::ApplyError;
use crate::tenancy::declarative::spec::{PasswordSource, UserSpec};
use std::collections::{BTreeMap, BTreeSet};

impl Validator<'_> {
    pub(super) fn users(&self, raw: Vec<RawUser>, roles: &BTreeSet<String>) -> Vec<UserSpec> {
        let mut out: Vec<UserSpec> = Vec::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        let mut emails: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for u in raw {
            let username = u.username.trim().to_lowercase();
            if let Some(first) = seen.get(&username) {
                self.duplicate("user", &username, *first, &u.username);
                continue;
            }
            seen.insert(username.clone(), line_of(&u.username));
            if let Some(user) = self.keep(self.user(&u, username, roles, &mut emails)) {
                out.push(user);
            }
        }
        out
    }

    pub(super) fn user(
        &self,
        u: &RawUser,
        username: String,
        roles: &BTreeSet<String>,
        emails: &mut BTreeMap<String, Option<usize>>,
    ) -> Result<UserSpec, ApplyError> {
        if !is_username(&username) {
            return Err(self.err(
                &u.username,
                format!(
                    "invalid username {:?}: use 1-64 characters from a-z, 0-9, '.', '_', '-', '@'",
                    u.username.as_str()
                ),
            ));
        }
        let email = match &u.email {
            Some(e) => {
                let email = e.trim().to_owned();
                if !is_email(&email) {
                    return Err(self.err(e, format!("invalid email address {:?}", e.as_str())));
                }
                let normal = crate::store::users::normalize_email(&email);
                if let Some(first) = emails.get(&normal) {
                    let lines = match (first, line_of(e)) {
                        (Some(a), Some(b)) => format!(" (lines {a} and {b})"),
                        _ => String::new(),
                    };
                    return Err(self.err(e, format!("email {email} is used by two users{lines}")));
                }
                emails.insert(normal, line_of(e));
                Some(email)
            }
            None => None,
        };
        let password = self.password(u)?;
        let user_roles = match &u.roles {
            Some(list) => {
                let mut set = BTreeSet::new();
                for r in list {
                    if !roles.contains(r.as_str()) {
                        return Err(self.err(
                            r,
                            format!(
                                "user {username} has role {}, which is not declared under roles",
                                r.as_str()
                            ),
                        ));
                    }
                    set.insert(r.to_string());
                }
                Some(set)
            }
            None => None,
        };
        Ok(UserSpec {
            line: u
                .password
                .as_ref()
                .or(u.password_env.as_ref())
                .and_then(line_of)
                .or_else(|| line_of(&u.username)),
            username,
            email,
            display_name: u.display_name.as_ref().map(|d| d.trim().to_owned()),
            password,
            roles: user_roles,
            status: self
                .status(u.status.as_ref(), &UserStatus::ALL.map(UserStatus::as_str))?
                .and_then(|s| UserStatus::parse(&s)),
        })
    }

    pub(super) fn password(&self, u: &RawUser) -> Result<Option<PasswordSource>, ApplyError> {
        let sources = [&u.password, &u.password_hash, &u.password_env]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources > 1 {
            return Err(self.err(
                &u.username,
                "give at most one of password, password_hash, password_env",
            ));
        }
        if let Some(plain) = &u.password {
            self.plain_allowed(plain, "password", "password_hash or password_env")?;
            return Ok(Some(PasswordSource::Plain(SecretString::new(
                plain.as_str(),
            ))));
        }
        if let Some(phc) = &u.password_hash {
            PasswordHasher::check_phc(phc).map_err(|_| {
                self.err(
                    phc,
                    "password_hash must be an argon2 PHC string ($argon2id$...)",
                )
            })?;
            return Ok(Some(PasswordSource::Hash(phc.to_string())));
        }
        if let Some(var) = &u.password_env {
            return Ok(Some(PasswordSource::Plain(self.env_var(var)?)));
        }
        Ok(None)
    }
}

fn is_username(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'@')
        })
}
