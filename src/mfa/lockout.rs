//! How long a factor stays locked after wrong codes (issue 16 part 8, OWASP
//! ASVS v4 2.2.1): the first [`FREE_FAILURES`] - 1 wrong codes cost nothing;
//! the fifth locks the factor for a minute, and each further wrong code
//! doubles the lock, up to an hour. A right code clears the count.

use chrono::Duration;

/// The wrong code that locks the factor first.
pub const FREE_FAILURES: i32 = 5;
const FIRST_LOCK_SECS: i64 = 60;
const LONGEST_LOCK_SECS: i64 = 3600;

/// The lock that `failures` wrong codes in a row earn, if any.
pub fn lock_for(failures: i32) -> Option<Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_FAILURES)
        .unwrap_or(u32::MAX)
        .min(16);
    let secs = FIRST_LOCK_SECS
        .saturating_mul(1i64 << doublings)
        .min(LONGEST_LOCK_SECS);
    Some(Duration::seconds(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_wrong_codes_are_free_then_the_lock_doubles_up_to_an_hour() {
        let got: Vec<Option<i64>> = (1..=12)
            .map(|n| lock_for(n).map(|d| d.num_seconds()))
            .collect();
        assert_eq!(
            got,
            [
                None,
                None,
                None,
                None,
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1920),
                Some(3600),
                Some(3600),
            ]
        );
        assert_eq!(lock_for(i32::MAX), Some(Duration::seconds(3600)));
    }
}
