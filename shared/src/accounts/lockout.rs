//! Per-account login throttling: after `LOGIN_LOCK_AFTER` failed logins in
//! a row (5 by default), the email is locked for [`FIRST_LOCK_SECS`],
//! doubling with each further failure up to [`MAX_LOCK_SECS`]. A success
//! resets the count.
//!
//! The count lives on the user's item, or, for an email with no account,
//! on a placeholder item that expires by itself (DynamoDB TTL on
//! `throttle_expires_at`). Either way the same failures lock the same way,
//! so a lockout tells nothing about whether the account exists. The writes
//! themselves are [`UserStore`]'s.

use serde::Deserialize;

use crate::accounts::UserStore;
use crate::error::Error;

/// Failed logins in a row before the first lockout, by default.
pub const DEFAULT_LOCK_AFTER: u64 = 5;
/// The lockout after the `lock_after`th failure.
pub const FIRST_LOCK_SECS: u64 = 30;
/// The longest lockout: 15 minutes.
pub const MAX_LOCK_SECS: u64 = 15 * 60;
/// How long a placeholder item for an email without account is kept.
pub(crate) const PLACEHOLDER_TTL_SECS: u64 = 86_400;

/// The login-throttling state of an email: on the user's item, or on a
/// placeholder item for an email without account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct LoginThrottle {
    /// Failed logins in a row.
    #[serde(default)]
    pub failed_logins: u64,
    /// No login before this time (Unix seconds).
    #[serde(default)]
    pub locked_until: Option<u64>,
}

impl LoginThrottle {
    /// Refuses a login while the email is locked: before any hashing, the
    /// right password included.
    pub fn check(&self, now: u64) -> Result<(), Error> {
        match self.locked_until {
            Some(until) if until > now => Err(Error::TooManyAttempts {
                retry_after: until - now,
            }),
            _ => Ok(()),
        }
    }

    /// True when there is a count or a lock to clear after a success.
    pub fn is_set(&self) -> bool {
        *self != Self::default()
    }
}

/// Records a failed login, locks the email once `lock_after` failures pile
/// up, and returns the refusal to send: the same for every email.
pub(crate) async fn count_failure(
    users: &UserStore,
    email: &str,
    has_account: bool,
    now: u64,
    lock_after: u64,
) -> Error {
    let failures = match users.record_failed_login(email, has_account, now).await {
        Ok(failures) => failures,
        Err(error) => return error,
    };
    if let Some(secs) = lock_secs(failures, lock_after)
        && let Err(error) = users.lock_login(email, now + secs).await
    {
        return error;
    }
    Error::BadCredentials
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
}
