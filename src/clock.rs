//! Time is passed in, never read inside domain code, so expiry and idle rules are
//! testable without sleeping.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use std::sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// The current time as stored in the database: naive UTC, truncated to
    /// microseconds (the finest precision both SQLite and PostgreSQL keep).
    fn db_now(&self) -> NaiveDateTime {
        self.now().trunc_subsecs(6).naive_utc()
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc::now();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::seconds(61));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(61));
    }

    #[test]
    fn db_now_is_truncated_to_microseconds() {
        let clock = SystemClock;
        let t = clock.db_now();
        assert_eq!(t.and_utc().timestamp_subsec_nanos() % 1000, 0);
    }
}
