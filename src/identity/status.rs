//! Whether a user may sign in and hold tokens.

/// A user's status as the `users.status` column holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    /// Signed out everywhere; no sign-in, code or refresh works
    /// (`identity::accounts`).
    Disabled,
}

impl UserStatus {
    pub const ALL: [UserStatus; 2] = [UserStatus::Active, UserStatus::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The status a stored row says; anything unknown counts as disabled,
    /// so a row nobody understands signs nobody in.
    pub fn of_row(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(UserStatus::Disabled)
    }

    pub fn is_active(self) -> bool {
        self == UserStatus::Active
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_statuses_are_not_active() {
        assert_eq!(UserStatus::of_row("active"), UserStatus::Active);
        assert_eq!(UserStatus::of_row("disabled"), UserStatus::Disabled);
        assert_eq!(UserStatus::of_row("Active"), UserStatus::Disabled);
        assert_eq!(UserStatus::of_row(""), UserStatus::Disabled);
        for s in UserStatus::ALL {
            assert_eq!(UserStatus::parse(&s.to_string()), Some(s));
        }
    }
}
