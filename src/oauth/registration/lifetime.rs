//! The lifetimes a client may set, each with its default and its range.

use std::time::Duration;

/// A lifetime a client may set: its default and the range it must stay in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifetimeRule {
    pub default_secs: u64,
    pub min_secs: u64,
    pub max_secs: u64,
}

impl LifetimeRule {
    /// `None` is the default; a value outside the range is refused.
    pub fn check(&self, value: Option<Duration>) -> Result<Duration, String> {
        let Some(d) = value else {
            return Ok(Duration::from_secs(self.default_secs));
        };
        if d.as_secs() < self.min_secs || d.as_secs() > self.max_secs {
            return Err(format!(
                "must be between {}s and {}s",
                self.min_secs, self.max_secs
            ));
        }
        Ok(d)
    }
}

/// Access tokens: 1 h by default, 1 min to 24 h.
pub const ACCESS_TOKEN_TTL: LifetimeRule = LifetimeRule {
    default_secs: 3600,
    min_secs: 60,
    max_secs: 86_400,
};

/// Refresh token families: 30 days by default, 1 h to 1 year.
pub const REFRESH_TOKEN_TTL: LifetimeRule = LifetimeRule {
    default_secs: 30 * 86_400,
    min_secs: 3600,
    max_secs: 365 * 86_400,
};

/// RFC 9700 §4.14.2: reuse detection is the point of rotation; a grace period
/// only for clients that refresh concurrently, and short.
pub const REFRESH_GRACE: LifetimeRule = LifetimeRule {
    default_secs: 0,
    min_secs: 0,
    max_secs: 60,
};
