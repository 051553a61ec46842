//! Per-account login throttling: after `LOGIN_LOCK_AFTER` failed attempts
//! in a row (5 by default), the email is locked for [`FIRST_LOCK_SECS`],
//! doubling with each further failure up to [`MAX_LOCK_SECS`]. A success
//! resets the count, and so does `LOGIN_FAILURE_WINDOW` without an attempt.
//! Logins and `/password`'s check of the current password count alike.
//!
//! Every attempt is reserved before any hashing: one conditional
//! UpdateItem counts it, and is refused while a lock stands. The attempt
//! that reaches a lock locks at once, before its own password is checked,
//! at a length every racer agrees on, and a success lifts the lock again. So concurrent attempts cannot slip
//! in between a read of the lock and its write: of any burst, only the
//! attempts below the threshold, or the one at it, reach the password.
//!
//! The count lives on the user's item, or, for an email with no account,
//! on a placeholder item that expires by itself (DynamoDB TTL on
//! `throttle_expires_at`). Either way the same attempts lock the same way
//! and cost the same writes, so a lockout tells nothing about whether the
//! account exists. The writes themselves are [`UserStore`]'s.

use std::time::Duration;

use crate::accounts::UserStore;
use crate::accounts::store::{LoginThrottle, Reservation};
use crate::error::Error;

/// Failed logins in a row before the first lockout, by default.
pub const DEFAULT_LOCK_AFTER: u64 = 5;
/// The lockout after the `lock_after`th failure.
pub const FIRST_LOCK_SECS: u64 = 30;
/// The longest lockout: 15 minutes.
pub const MAX_LOCK_SECS: u64 = 15 * 60;
/// How long failures are remembered after the last attempt, by default.
pub const DEFAULT_FAILURE_WINDOW: Duration = Duration::from_secs(86_400);

/// How many failures lock an email, and for how long they are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// `LOGIN_LOCK_AFTER`: failed attempts in a row before the first lock.
    pub lock_after: u64,
    /// `LOGIN_FAILURE_WINDOW`: after this long without an attempt, the
    /// count starts again, on accounts and placeholders alike. Never
    /// shorter than [`MAX_LOCK_SECS`], so a window outlives its lock.
    pub failure_window: Duration,
}

impl LockoutPolicy {
    /// The most failures all of an account's trusted devices may have in
    /// their windows before every device is held by the email's lock:
    /// twice the email's threshold. Enough for an owner's typos on a few
    /// devices in a day; a tenth of what 20 devices' own locks would allow
    /// (review 2, M4).
    pub fn device_failure_ceiling(&self) -> u64 {
        self.lock_after.saturating_mul(2)
    }
}

/// The policy's reading of the state the store loaded.
impl LoginThrottle {
    /// Refuses an attempt while the email is locked, before any write or
    /// hashing, the right password included.
    pub(crate) fn check(&self, now: u64) -> Result<(), Error> {
        match self.locked_until {
            Some(until) if until > now => Err(locked(until, now)),
            _ => Ok(()),
        }
    }

    /// True when the failures counted so far are past their window.
    pub(crate) fn window_expired(&self, now: u64) -> bool {
        self.failures_expire_at.is_some_and(|end| end <= now)
    }
}

/// Reserves one attempt at `email`'s password before it is checked: counts
/// it, and when it is the attempt a lock follows, locks first. Refused with
/// [`Error::TooManyAttempts`] while a lock stands. `has_account` and
/// `throttle` are what the caller's read found, if it read; they choose
/// which write comes first, so accounts and unknown emails cost the same.
pub(crate) async fn reserve_attempt(
    users: &UserStore,
    email: &str,
    has_account: bool,
    throttle: Option<&LoginThrottle>,
    now: u64,
    policy: LockoutPolicy,
) -> Result<(), Error> {
    let window_expired = throttle.is_some_and(|throttle| throttle.window_expired(now));
    let reservation = users
        .reserve_login_attempt(
            email,
            has_account,
            window_expired,
            now,
            policy.failure_window,
        )
        .await?;
    let (count, last_lock_at, was_locked) = match reservation {
        Reservation::Counted {
            count,
            last_lock_at,
            was_locked,
        } => (count, last_lock_at, was_locked),
        Reservation::Locked { until } => return Err(locked(until, now)),
    };
    if lock_secs(count, policy.lock_after).is_none() {
        return Ok(());
    }
    // This attempt is the one a lock follows: lock now, so that attempts
    // racing it are refused while its password is checked. Of several that
    // got here at once, the first lock written wins and the rest are
    // refused, and take back their count: a refused attempt is not a
    // failure. Every one of them locks at the same count, the one after the
    // last lock (or the threshold), so the lock is as long whichever wins.
    // (Items from before the lock count was recorded lock at their own.)
    let lock_at = match last_lock_at {
        Some(at) => at + 1,
        None if was_locked => count,
        None => policy.lock_after,
    };
    let secs = lock_secs(lock_at, policy.lock_after).unwrap_or(MAX_LOCK_SECS);
    match users
        .lock_login_unless_locked(email, now + secs, lock_at, now)
        .await?
    {
        None => Ok(()),
        Some(until) => {
            users.uncount_attempt(email).await?;
            Err(locked(until, now))
        }
    }
}

/// The refusal while a lock stands until `until`.
pub(crate) fn locked(until: u64, now: u64) -> Error {
    Error::TooManyAttempts {
        retry_after: until.saturating_sub(now).max(1),
    }
}

/// How long to lock after the `failures`th failed login in a row, if at
/// all, when the first lock comes at the `lock_after`th.
pub fn lock_secs(failures: u64, lock_after: u64) -> Option<u64> {
    let doublings = failures.checked_sub(lock_after)?;
    let secs = u32::try_from(doublings)
        .ok()
        .and_then(|doublings| 2u64.checked_pow(doublings))
        .and_then(|factor| factor.checked_mul(FIRST_LOCK_SECS))
        .unwrap_or(MAX_LOCK_SECS);
    Some(secs.min(MAX_LOCK_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_fifth_failure_double_and_cap() {
        let lock = |failures| lock_secs(failures, DEFAULT_LOCK_AFTER);
        assert_eq!(lock(0), None);
        assert_eq!(lock(4), None);
        assert_eq!(lock(5), Some(30));
        assert_eq!(lock(6), Some(60));
        assert_eq!(lock(7), Some(120));
        assert_eq!(lock(9), Some(480));
        assert_eq!(lock(10), Some(900));
        assert_eq!(lock(11), Some(900));
        assert_eq!(lock(u64::MAX), Some(900));
        assert_eq!(lock_secs(2, 3), None);
        assert_eq!(lock_secs(3, 3), Some(30));
    }

    #[test]
    fn a_lock_refuses_until_it_ends_and_a_window_expires_at_its_end() {
        let throttle = LoginThrottle {
            locked_until: Some(100),
            failures_expire_at: Some(200),
        };
        assert!(matches!(
            throttle.check(70),
            Err(Error::TooManyAttempts { retry_after: 30 })
        ));
        assert!(throttle.check(100).is_ok());
        assert!(!throttle.window_expired(199));
        assert!(throttle.window_expired(200));
        assert!(!LoginThrottle::default().window_expired(u64::MAX));
    }
}
