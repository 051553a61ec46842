//! The lockout of a trusted device: OWASP's "device cookies", without the
//! cookie. Every successful login hands out a device token; a later login
//! that presents one for the same account is not held by the email's lock
//! ([`crate::accounts::lockout`]), which anyone who knows the email can keep
//! shut. It has a lock of its own instead, one per device token, with the
//! same threshold, lengths and window, so a stolen device token buys a
//! thief no more guesses than the email's lock allows anyone.
//!
//! All the devices of one account together get at most
//! [`LockoutPolicy::device_failure_ceiling`] failures in their windows
//! (review 2, M4): past it, every device is held by the email's lock, as a
//! client without a token is. Without the ceiling, whoever held an
//! account's 20 device tokens would guess 20 times as fast as the lock
//! allows.
//!
//! The state is an entry per device in the user item's `device_lockouts`
//! map, written only when a device's attempt is counted and removed by its
//! success, so the map holds the devices with recent failures and nothing
//! else. Entries whose window has ended are pruned by the next new entry,
//! and past [`MAX_DEVICE_LOCKOUTS`] live entries a device falls back to the
//! email's lock. Only the account's owner can make an entry: a device token
//! comes from a login with the right password.
//!
//! Each attempt is reserved before its password is checked, by a
//! compare-and-set of the account's device lockouts (their version): of
//! concurrent attempts from the account's devices, one write wins each
//! round and the others read the new entries and go again, so no more
//! attempts reach the password than the device's lock and the ceiling
//! allow.

use std::collections::HashMap;

use crate::accounts::lockout::{LockoutPolicy, lock_secs, locked};
use crate::accounts::store::{DeviceLockouts, DeviceSwap};
use crate::accounts::{DeviceLockout, UserStore};
use crate::error::Error;

/// The most devices with a lockout entry on one account. A device past it
/// is held by the email's lock, like a device without a token.
pub const MAX_DEVICE_LOCKOUTS: usize = 20;

/// How often a reservation is tried again after a concurrent attempt from
/// a device of the same account changed the lockouts first. Each retry
/// means another attempt was counted, so a handful is plenty before
/// answering "busy".
const RESERVATION_TRIES: usize = 5;

/// What reserving a device's attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceReservation {
    /// Counted on the device's entry: a success must clear it.
    Counted,
    /// The account has no room for another device's entry, or its
    /// devices reached the ceiling of failures: hold the attempt to the
    /// email's lock instead.
    HeldByEmail,
}

/// Reserves one attempt from device `device` at `email`'s password before
/// it is checked: counts it on the device's entry, locking the device when
/// it reaches the threshold. Refused with [`Error::TooManyAttempts`] while
/// the device is locked. `loaded` is the item's lockouts as the caller
/// loaded them.
pub(crate) async fn reserve_device_attempt(
    users: &UserStore,
    email: &str,
    device: &str,
    loaded: DeviceLockouts,
    now: u64,
    policy: LockoutPolicy,
) -> Result<DeviceReservation, Error> {
    let mut loaded = loaded;
    for _ in 0..RESERVATION_TRIES {
        let lockouts = loaded.entries.as_ref();
        if live_failures(lockouts, now) >= policy.device_failure_ceiling() {
            return Ok(DeviceReservation::HeldByEmail);
        }
        let current = lockouts.and_then(|map| map.get(device));
        let live = current.filter(|entry| entry.failures_expire_at > now);
        if let Some(until) = live
            .and_then(|entry| entry.locked_until)
            .filter(|until| *until > now)
        {
            return Err(locked(until, now));
        }
        let stale = match current {
            Some(_) => Vec::new(),
            None => {
                let stale = ended(lockouts, now);
                let kept = lockouts.map_or(0, HashMap::len) - stale.len();
                if kept >= MAX_DEVICE_LOCKOUTS {
                    return Ok(DeviceReservation::HeldByEmail);
                }
                stale
            }
        };
        let failed_logins = live.map_or(0, |entry| entry.failed_logins) + 1;
        let next = DeviceLockout {
            failed_logins,
            locked_until: lock_secs(failed_logins, policy.lock_after).map(|secs| now + secs),
            failures_expire_at: now.saturating_add(policy.failure_window.as_secs()),
        };
        match users
            .swap_device_lockout(email, device, &loaded, &next, &stale)
            .await?
        {
            DeviceSwap::Swapped => return Ok(DeviceReservation::Counted),
            DeviceSwap::Changed(changed) => loaded = changed,
            // Deleted since it was loaded: as if it had never been.
            DeviceSwap::Gone => return Err(Error::BadCredentials),
        }
    }
    // Every try lost to another attempt from this account's devices: they
    // are guessing faster than they can be counted.
    Err(Error::TooManyAttempts { retry_after: 1 })
}

/// The failures the account's devices made within their windows.
fn live_failures(lockouts: Option<&HashMap<String, DeviceLockout>>, now: u64) -> u64 {
    lockouts
        .into_iter()
        .flatten()
        .filter(|(_, entry)| entry.failures_expire_at > now)
        .map(|(_, entry)| entry.failed_logins)
        .sum()
}

/// The entries whose window has ended: their lock has too, as a window is
/// never shorter than the longest lock.
fn ended(lockouts: Option<&HashMap<String, DeviceLockout>>, now: u64) -> Vec<String> {
    lockouts
        .into_iter()
        .flatten()
        .filter(|(_, entry)| entry.failures_expire_at <= now)
        .map(|(device, _)| device.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_entries_past_their_window_are_pruned() {
        let entry = |failures_expire_at| DeviceLockout {
            failed_logins: 1,
            locked_until: None,
            failures_expire_at,
        };
        let map = HashMap::from([
            ("old".to_owned(), entry(100)),
            ("new".to_owned(), entry(101)),
        ]);
        assert_eq!(ended(Some(&map), 100), vec!["old".to_owned()]);
        assert!(ended(None, 100).is_empty());
    }

    #[test]
    fn only_failures_within_their_window_count_toward_the_ceiling() {
        let entry = |failed_logins, failures_expire_at| DeviceLockout {
            failed_logins,
            locked_until: None,
            failures_expire_at,
        };
        let map = HashMap::from([
            ("old".to_owned(), entry(7, 100)),
            ("a".to_owned(), entry(2, 101)),
            ("b".to_owned(), entry(3, 500)),
        ]);
        assert_eq!(live_failures(Some(&map), 100), 5);
        assert_eq!(live_failures(None, 100), 0);
    }
}
