//! The login-throttling writes on an email's item: the count of failed
//! attempts and its lock ([`crate::accounts::lockout`] decides), on the
//! user's item or on a placeholder that expires by itself, and each trusted
//! device's entry ([`crate::accounts::device_lockout`]).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;

use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{
    attribute_number, is_account, malformed, number, to_value, user_from,
};
use crate::accounts::store::update::{Target, Update};
use crate::accounts::{DeviceLockout, EXPIRY_ATTRIBUTE, User};
use crate::error::Error;

/// The login-throttling state of an email as read before an attempt: on
/// the user's item, or on a placeholder item for an email without account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct LoginThrottle {
    /// No login before this time (Unix seconds).
    #[serde(default)]
    pub(crate) locked_until: Option<u64>,
    /// When the count starts again (Unix seconds). Missing on items from
    /// before the window existed: their count goes on until the next
    /// attempt sets it.
    #[serde(default)]
    pub(crate) failures_expire_at: Option<u64>,
}

/// What reserving a login attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reservation {
    /// Counted.
    Counted {
        /// The failed attempts in a row, this one included.
        count: u64,
        /// The count the last lock was taken at, if recorded.
        last_lock_at: Option<u64>,
        /// Whether a lock was ever taken in this window (items from before
        /// `locked_at_failures` have only this).
        was_locked: bool,
    },
    /// A lock stands until then (Unix seconds); nothing was counted.
    Locked {
        /// When the lock ends.
        until: u64,
    },
}

/// The trusted devices' lockouts on an account's item, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DeviceLockouts {
    /// The entries, by device id; `None` when the item has none.
    pub(crate) entries: Option<HashMap<String, DeviceLockout>>,
    /// How many times the entries were written (`device_lockouts_version`);
    /// `None` on items from before it existed, or with no failure yet.
    pub(crate) version: Option<u64>,
}

impl DeviceLockouts {
    /// The lockouts `user`'s item was loaded with.
    pub(crate) fn of(user: &User) -> Self {
        Self {
            entries: user.device_lockouts.clone(),
            version: user.device_lockouts_version,
        }
    }
}

/// What a compare-and-set of a device's lockout entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceSwap {
    /// Written.
    Swapped,
    /// Another attempt changed the lockouts first: as they are now.
    Changed(DeviceLockouts),
    /// The account is gone.
    Gone,
}

/// The login-throttling attributes a success removes.
pub(super) const THROTTLE_ATTRIBUTES: &str =
    "failed_logins, locked_until, locked_at_failures, failures_expire_at";

/// No lock stands at `:now`.
const NOT_LOCKED: &str = "(attribute_not_exists(locked_until) OR locked_until <= :now)";

impl UserStore {
    /// [`UserStore::find_by_email`], plus the email's login-throttling
    /// state, which placeholders for emails without account carry too.
    /// One GetItem. Needs `dynamodb:GetItem`.
    pub(crate) async fn find_for_login(
        &self,
        email: &str,
    ) -> Result<(Option<User>, LoginThrottle), Error> {
        let Some(item) = self.get_item(email).await? else {
            return Ok((None, LoginThrottle::default()));
        };
        let throttle =
            serde_dynamo::from_item(item.clone()).map_err(|error| malformed(email, error))?;
        if !is_account(&item) {
            return Ok((None, throttle));
        }
        Ok((Some(user_from(email, item)?), throttle))
    }

    /// Counts one more attempt at `email`'s password before it is checked
    /// ([`crate::accounts::lockout`]), atomically, on the user's item or on
    /// a placeholder that expires by itself when there is no account;
    /// refused while a lock stands. Failures older than `window` are
    /// forgotten first. `has_account` and `window_expired` are what the
    /// caller's read found: the write that fits comes first, so accounts and
    /// unknown emails cost one UpdateItem alike. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn reserve_login_attempt(
        &self,
        email: &str,
        has_account: bool,
        window_expired: bool,
        now: u64,
        window: Duration,
    ) -> Result<Reservation, Error> {
        let window_end = now.saturating_add(window.as_secs());
        let targets = if has_account {
            [Target::Account, Target::Placeholder]
        } else {
            [Target::Placeholder, Target::Account]
        };
        let restarts = if window_expired {
            [true, false]
        } else {
            [false, true]
        };
        // An account may appear or vanish, and a window may end, between the
        // read and this write; each shape's condition sends the count to the
        // shape that fits.
        for target in targets {
            for restart in restarts {
                let update = counting_attempt(target, restart, now, window_end);
                match self.send_update(email, update).await? {
                    Written::Applied(new) => {
                        let count = attribute_number(&new, "failed_logins").ok_or_else(|| {
                            Error::AwsFailure(format!("failed_logins of {email} is not a count"))
                        })?;
                        return Ok(Reservation::Counted {
                            count,
                            last_lock_at: attribute_number(&new, "locked_at_failures"),
                            was_locked: new.contains_key("locked_until"),
                        });
                    }
                    Written::Refused(old) => {
                        if let Some(until) =
                            attribute_number(&old, "locked_until").filter(|until| *until > now)
                        {
                            return Ok(Reservation::Locked { until });
                        }
                    }
                }
            }
        }
        Err(Error::AwsUnavailable(format!(
            "login attempt of {email}: the item kept changing"
        )))
    }

    /// Locks logins for `email` until `until`, recording that the lock was
    /// taken at `failures` failures, unless a lock stands at `now`: then that lock's
    /// end. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn lock_login_unless_locked(
        &self,
        email: &str,
        until: u64,
        failures: u64,
        now: u64,
    ) -> Result<Option<u64>, Error> {
        let update = Update::new("SET locked_until = :until, locked_at_failures = :failures")
            .anywhere()
            .condition(&format!("attribute_exists(email) AND {NOT_LOCKED}"))
            .value(":until", number(until))
            .value(":failures", number(failures))
            .value(":now", number(now));
        match self.send_update(email, update).await? {
            Written::Applied(_) => Ok(None),
            // Gone since the reservation: nothing left to lock.
            Written::Refused(old) => {
                Ok(attribute_number(&old, "locked_until").filter(|until| *until > now))
            }
        }
    }

    /// Takes back one counted attempt that was refused after all. Needs
    /// `dynamodb:UpdateItem`.
    pub(crate) async fn uncount_attempt(&self, email: &str) -> Result<(), Error> {
        let update = Update::new("ADD failed_logins :minus_one")
            .anywhere()
            .condition("failed_logins > :zero")
            .value(":minus_one", AttributeValue::N("-1".to_owned()))
            .value(":zero", number(0));
        self.update(email, update).await.map(|_| ())
    }

    /// Writes `next` as device `device`'s lockout entry on `email`'s
    /// account, if the item's device lockouts are still as `loaded` (the
    /// map and its version as the caller last saw them) has them, and
    /// removes the `stale` entries. Every such write bumps the version, so
    /// reservations from different devices of one account go one at a
    /// time, and the account-wide count they are checked against is exact.
    /// Needs `dynamodb:UpdateItem`.
    pub(crate) async fn swap_device_lockout(
        &self,
        email: &str,
        device: &str,
        loaded: &DeviceLockouts,
        next: &DeviceLockout,
        stale: &[String],
    ) -> Result<DeviceSwap, Error> {
        let lockouts = loaded.entries.as_ref();
        let expected = lockouts.and_then(|map| map.get(device));
        let bump = "device_lockouts_version = :next_version";
        // The map must exist before an entry can be set in it.
        let update = match (lockouts, expected) {
            (None, _) => Update::new(&format!("SET device_lockouts = :lockouts, {bump}"))
                .condition("attribute_not_exists(device_lockouts)")
                .value(
                    ":lockouts",
                    AttributeValue::M(HashMap::from([(device.to_owned(), to_value(next)?)])),
                ),
            (Some(_), None) => Update::new(&format!("SET device_lockouts.#device = :next, {bump}"))
                .condition(
                    "attribute_exists(device_lockouts) \
                     AND attribute_not_exists(device_lockouts.#device)",
                )
                .name("#device", device)
                .removing_keys("device_lockouts", stale.iter().map(String::as_str))
                .value(":next", to_value(next)?),
            (Some(_), Some(expected)) => {
                Update::new(&format!("SET device_lockouts.#device = :next, {bump}"))
                    .condition(
                        "device_lockouts.#device.failed_logins = :count \
                         AND device_lockouts.#device.failures_expire_at = :window_end",
                    )
                    .name("#device", device)
                    .value(":next", to_value(next)?)
                    .value(":count", number(expected.failed_logins))
                    .value(":window_end", number(expected.failures_expire_at))
            }
        }
        // Items from before the version existed, or with no failure yet,
        // have none.
        .unchanged(
            "device_lockouts_version",
            ":version",
            loaded.version.map(number),
        )
        .value(
            ":next_version",
            number(loaded.version.unwrap_or(0).saturating_add(1)),
        );
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => DeviceSwap::Swapped,
            Written::Refused(old) if !is_account(&old) => DeviceSwap::Gone,
            Written::Refused(old) => DeviceSwap::Changed(DeviceLockouts {
                entries: match old.get("device_lockouts") {
                    Some(map) => Some(
                        serde_dynamo::from_attribute_value(map.clone())
                            .map_err(|error| malformed(email, error))?,
                    ),
                    None => None,
                },
                version: attribute_number(&old, "device_lockouts_version"),
            }),
        })
    }
}

/// The write that counts one attempt: on `target`, either going on with
/// the count (no lock stands, and the window has not ended) or, with
/// `restart`, starting it again (the window has ended). Either way the
/// window now ends at `window_end`, and a placeholder expires then.
fn counting_attempt(target: Target, restart: bool, now: u64, window_end: u64) -> Update {
    let placeholder_expiry = match target {
        Target::Placeholder => format!(", {EXPIRY_ATTRIBUTE} = :window_end"),
        Target::Account | Target::Anywhere => String::new(),
    };
    let update = if restart {
        Update::new(&format!(
            "SET failed_logins = :one, failures_expire_at = :window_end{placeholder_expiry} \
             REMOVE locked_until, locked_at_failures"
        ))
        .condition("failures_expire_at <= :now")
    } else {
        Update::new(&format!(
            "ADD failed_logins :one SET failures_expire_at = :window_end{placeholder_expiry}"
        ))
        .condition(&format!(
            "{NOT_LOCKED} AND (attribute_not_exists(failures_expire_at) OR failures_expire_at > :now)"
        ))
    };
    update
        .on(target)
        .returning_item()
        .value(":one", number(1))
        .value(":now", number(now))
        .value(":window_end", number(window_end))
}
