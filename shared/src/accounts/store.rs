//! The users table in DynamoDB: every read and write of a user item. Each
//! operation names the one IAM action it needs, so that a function's policy
//! can list exactly the operations its handler calls.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use serde::Serialize;

use crate::accounts::DeviceLockout;
use crate::accounts::lockout::LoginThrottle;
use crate::accounts::update::{Target, Update};
use crate::accounts::{
    ACCOUNT_GONE, ACCOUNT_INACTIVE, EARLIER_ACCOUNT, PLACEHOLDER_EXPIRY_ATTRIBUTE, RefreshFamily,
    User,
};
use crate::aws::{aws_error, succeeded};
use crate::error::Error;
use crate::mail::Delivery;
use crate::tokens::{IssuedRefreshToken, Subject, random_id};

#[derive(Serialize)]
struct UserKey<'a> {
    email: &'a str,
}

/// The users table.
#[derive(Debug, Clone)]
pub struct UserStore {
    client: Client,
    table: String,
}

impl UserStore {
    /// The table `table`, through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// One strongly consistent GetItem: a user deactivated a moment ago is
    /// refused on the very next request. A login-throttling placeholder is
    /// no user. Needs `dynamodb:GetItem`.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        match self.get_item(email).await? {
            Some(item) if item.contains_key("password_hash") => user_from(email, item).map(Some),
            _ => Ok(None),
        }
    }

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
        if !item.contains_key("password_hash") {
            return Ok((None, throttle));
        }
        Ok((Some(user_from(email, item)?), throttle))
    }

    async fn get_item(
        &self,
        email: &str,
    ) -> Result<Option<HashMap<String, AttributeValue>>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(email)?))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| aws_error("GetItem", error))?;
        Ok(output.item)
    }

    /// Writes a new user; never overwrites an existing one
    /// ([`Error::UserExists`]), only a login-throttling placeholder. Needs
    /// `dynamodb:PutItem`.
    pub async fn create(&self, user: &User) -> Result<(), Error> {
        let item = serde_dynamo::to_item(user)
            .map_err(|error| Error::Internal(format!("building the user item failed: {error}")))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(password_hash)")
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Error::UserExists,
                _ => aws_error("PutItem", error),
            })?;
        Ok(())
    }

    /// Records the new family of `refresh` (a login with `remember`), and
    /// prunes expired families and the oldest beyond
    /// [`MAX_REFRESH_FAMILIES`]. `user` is the item as loaded for the login.
    /// Needs `dynamodb:UpdateItem`.
    pub async fn add_refresh_family(
        &self,
        user: &User,
        refresh: &IssuedRefreshToken,
        now: u64,
    ) -> Result<(), Error> {
        let fam = refresh.fam.as_str();
        let family = to_value(&RefreshFamily::started(refresh))?;
        let nested = || {
            let update = Update::new("SET refresh_families.#fam = :family")
                .condition("attribute_exists(refresh_families)")
                .name("#fam", fam)
                .value(":family", family.clone());
            let live = user.refresh_families.as_ref();
            update.removing_keys("refresh_families", stale_families(live, now))
        };
        let whole = || {
            Update::new("SET refresh_families = :families")
                .condition("attribute_not_exists(refresh_families)")
                .value(
                    ":families",
                    AttributeValue::M(HashMap::from([(fam.to_owned(), family.clone())])),
                )
        };
        // The map must exist before a key can be set in it. Try the shape the
        // loaded item calls for; a concurrent login or logout may have
        // changed it since, so the other shape is the fallback.
        let attempts = if user.refresh_families.is_some() {
            [nested(), whole()]
        } else {
            [whole(), nested()]
        };
        for update in attempts {
            if self.update(&user.email, update).await? {
                return Ok(());
            }
        }
        Err(Error::StoreUnavailable(format!(
            "refresh family for {}: the item kept changing or is gone",
            user.email
        )))
    }

    /// Moves `next`'s family on from `previous`, as loaded, to `next`, if
    /// `previous` is still its current token. Needs `dynamodb:UpdateItem`.
    pub async fn rotate_refresh_family(
        &self,
        email: &str,
        previous: &RefreshFamily,
        next: &IssuedRefreshToken,
    ) -> Result<Rotation, Error> {
        let update = Update::new("SET refresh_families.#fam = :next")
            .condition("refresh_families.#fam.jti = :current")
            .name("#fam", &next.fam)
            .value(":current", AttributeValue::S(previous.jti.clone()))
            .value(":next", to_value(&previous.rotated_to(next))?);
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => Rotation::Rotated,
            Written::Refused(old) => match family_in(&old, &next.fam) {
                // A retry of this very write, whose first attempt landed but
                // whose answer was lost, finds the family already moved on.
                Some(family) if family.jti == next.jti => Rotation::Rotated,
                current => Rotation::Lost(current),
            },
        })
    }

    /// Ends one family, after a replay of one of its rotated tokens.
    /// Needs `dynamodb:UpdateItem`.
    pub async fn revoke_refresh_family(&self, email: &str, fam: &str) -> Result<(), Error> {
        let update = Update::new("REMOVE refresh_families.#fam")
            .condition("attribute_exists(refresh_families.#fam)")
            .name("#fam", fam);
        // Already gone is as good as removed.
        self.update(email, update).await.map(|_| ())
    }

    /// Retires every token the user holds: bumps `token_version` and drops
    /// every refresh family. False when there is no such account. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn retire_tokens(&self, email: &str) -> Result<bool, Error> {
        self.update(email, retiring_tokens("", "")).await
    }

    /// Activates or deactivates an account; deactivating retires every
    /// token too, so re-activating revives none of them. False when there
    /// is no such account. Needs `dynamodb:UpdateItem`.
    pub async fn set_active(&self, email: &str, active: bool) -> Result<bool, Error> {
        let update = if active {
            Update::new("SET active = :active")
        } else {
            retiring_tokens(", active = :active", "")
        };
        self.update(email, update.value(":active", AttributeValue::Bool(active)))
            .await
    }

    /// Sets a password hash whatever the current one is (an operator's
    /// reset), retires every token and clears the lockout; an item without
    /// an account id gets one. False when there is no such account. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn set_password_hash(&self, email: &str, new_hash: &str) -> Result<bool, Error> {
        self.update(email, new_password(new_hash)?).await
    }

    /// Deletes an account's item. False when there is no such account.
    /// Needs `dynamodb:DeleteItem`.
    pub async fn delete(&self, email: &str) -> Result<bool, Error> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(email)?))
            .condition_expression("attribute_exists(password_hash)");
        succeeded("DeleteItem", request.send().await, |error| {
            matches!(error, DeleteItemError::ConditionalCheckFailedException(_))
        })
    }

    /// Sets a new password hash on `user`'s item, retires every token and
    /// clears the lockout (the current password was just proven), if the
    /// stored hash is still the one `user` was loaded with. An item without
    /// an account id gets one. False when the password changed meanwhile.
    /// Needs `dynamodb:UpdateItem`.
    pub async fn change_password(&self, user: &User, new_hash: &str) -> Result<bool, Error> {
        self.replace_hash(user, new_password(new_hash)?, new_hash)
            .await
    }

    /// Replaces `user`'s outdated hash with `new_hash` of the same password;
    /// tokens stay valid. False when the password changed meanwhile. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn upgrade_password_hash(&self, user: &User, new_hash: &str) -> Result<bool, Error> {
        let update = Update::new("SET password_hash = :new")
            .value(":new", AttributeValue::S(new_hash.to_owned()));
        self.replace_hash(user, update, new_hash).await
    }

    /// Sets a new password from a reset link: as
    /// [`UserStore::change_password`], and the address counts as verified,
    /// since the link came by mail. False when the password changed since
    /// `user` was loaded, which spends the link. Needs `dynamodb:UpdateItem`.
    pub async fn reset_password(&self, user: &User, new_hash: &str) -> Result<bool, Error> {
        let update = new_password_and(new_hash, ", email_verified = :verified")?
            .value(":verified", AttributeValue::Bool(true));
        self.replace_hash(user, update, new_hash).await
    }

    /// Marks the address of `subject` verified, in one conditional write
    /// and no read: only if the item is still that account (same account
    /// id), active, and unverified. `Ok(Err(reason))` when it is not, with
    /// the reason for the logs: the link was used already, or its account
    /// was deactivated, deleted or replaced. Needs `dynamodb:UpdateItem`.
    ///
    /// The write leaves an id of its own (`email_verified_by`), so that the
    /// SDK's retry of it, whose first attempt landed but whose answer was
    /// lost, counts as done, where a second use of the link is refused.
    pub async fn mark_email_verified(
        &self,
        subject: Subject<'_>,
    ) -> Result<Result<(), &'static str>, Error> {
        let write_id = random_id()?;
        let condition = "email_verified = :unverified \
                         AND (attribute_not_exists(active) OR active = :verified)";
        let update = Update::new("SET email_verified = :verified, email_verified_by = :write")
            .value(":verified", AttributeValue::Bool(true))
            .value(":unverified", AttributeValue::Bool(false))
            .value(":write", AttributeValue::S(write_id.clone()));
        let update = match subject.account_id {
            Some(id) => update
                .condition(&format!("{condition} AND account_id = :account_id"))
                .value(":account_id", AttributeValue::S(id.to_owned())),
            None => update.condition(&format!("{condition} AND attribute_not_exists(account_id)")),
        };
        Ok(match self.send_update(subject.email, update).await? {
            Written::Applied(_) => Ok(()),
            Written::Refused(item) if holds_write(&item, "email_verified_by", &write_id) => Ok(()),
            Written::Refused(item) if !item.contains_key("password_hash") => Err(ACCOUNT_GONE),
            Written::Refused(item) => Err(refusal_of_verification(&item, subject.account_id)),
        })
    }

    /// Claims the address's one mail per `interval`, and reads the user
    /// with the same write: records `now` as the last mail, if the item is
    /// an active account that got no mail in the last `interval` (and,
    /// with `unverified_only`, whose address is unverified). Of any number
    /// of concurrent claims, one wins. A refusal says why, as the
    /// [`Delivery`] that follows: nothing is ever sent to an email without
    /// an account. Needs `dynamodb:UpdateItem`.
    ///
    /// Each claim writes an id of its own beside the time, so that the
    /// SDK's retry of this very write, whose first attempt landed but whose
    /// answer was lost, knows the claim it finds for its own and sends,
    /// where a concurrent claim's would stop it.
    pub(crate) async fn claim_mail_slot(
        &self,
        email: &str,
        unverified_only: bool,
        now: u64,
        interval: Duration,
    ) -> Result<Result<MailClaim, Delivery>, Error> {
        let id = random_id()?;
        let cutoff = now.saturating_sub(interval.as_secs());
        let mut condition = "(attribute_not_exists(active) OR active = :true) \
                             AND (attribute_not_exists(mail_sent_at) OR mail_sent_at <= :cutoff)"
            .to_owned();
        if unverified_only {
            condition.push_str(" AND email_verified = :false");
        }
        let update = Update::new("SET mail_sent_at = :now, mail_claim = :claim")
            .condition(&condition)
            .returning_item()
            .value(":now", number(now))
            .value(":claim", AttributeValue::S(id.clone()))
            .value(":cutoff", number(cutoff))
            .value(":true", AttributeValue::Bool(true));
        let update = match unverified_only {
            true => update.value(":false", AttributeValue::Bool(false)),
            false => update,
        };
        let item = match self.send_update(email, update).await? {
            Written::Applied(item) => item,
            // The SDK's retry of this write, whose first attempt landed.
            Written::Refused(item) if holds_write(&item, "mail_claim", &id) => item,
            Written::Refused(item) if !item.contains_key("password_hash") => {
                return Ok(Err(Delivery::NoAccount));
            }
            Written::Refused(item) => {
                return Ok(Err(if attribute_bool(&item, "active") == Some(false) {
                    Delivery::Inactive
                } else if unverified_only && attribute_bool(&item, "email_verified") != Some(false)
                {
                    Delivery::AlreadyVerified
                } else {
                    Delivery::RateLimited
                }));
            }
        };
        Ok(Ok(MailClaim {
            user: user_from(email, item)?,
            id,
        }))
    }

    /// Gives back `claim`, whose mail could not be sent, so the retry may
    /// send it; a later claim is left alone. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn release_mail_slot(&self, claim: &MailClaim) -> Result<(), Error> {
        let update = Update::new("REMOVE mail_sent_at, mail_claim")
            .condition("mail_claim = :claim")
            .value(":claim", AttributeValue::S(claim.id.clone()));
        self.update(&claim.user.email, update).await.map(|_| ())
    }

    /// `update`, which sets `password_hash` to `new_hash`, if the stored
    /// hash is still the one `user` was loaded with: a password changed
    /// meanwhile is never overwritten. A retry of this very write, whose
    /// first attempt landed but whose answer was lost, finds `new_hash`
    /// stored: that is success.
    async fn replace_hash(
        &self,
        user: &User,
        update: Update,
        new_hash: &str,
    ) -> Result<bool, Error> {
        let update = update
            .condition("password_hash = :current")
            .value(":current", AttributeValue::S(user.password_hash.clone()));
        let email = &user.email;
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => true,
            Written::Refused(old) => {
                old.get("password_hash").and_then(|hash| hash.as_s().ok())
                    == Some(&new_hash.to_owned())
            }
        })
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
                            Error::StoreFailure(format!("failed_logins of {email} is not a count"))
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
        Err(Error::StoreUnavailable(format!(
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
    /// account, if the entry is still as `lockouts` (the item's map as the
    /// caller last saw it) has it, and removes the `stale` entries. Needs
    /// `dynamodb:UpdateItem`.
    pub(crate) async fn swap_device_lockout(
        &self,
        email: &str,
        device: &str,
        lockouts: Option<&HashMap<String, DeviceLockout>>,
        next: &DeviceLockout,
        stale: &[String],
    ) -> Result<DeviceSwap, Error> {
        let expected = lockouts.and_then(|map| map.get(device));
        // The map must exist before an entry can be set in it.
        let update = match (lockouts, expected) {
            (None, _) => Update::new("SET device_lockouts = :lockouts")
                .condition("attribute_not_exists(device_lockouts)")
                .value(
                    ":lockouts",
                    AttributeValue::M(HashMap::from([(device.to_owned(), to_value(next)?)])),
                ),
            (Some(_), None) => Update::new("SET device_lockouts.#device = :next")
                .condition(
                    "attribute_exists(device_lockouts) \
                     AND attribute_not_exists(device_lockouts.#device)",
                )
                .name("#device", device)
                .removing_keys("device_lockouts", stale.iter().map(String::as_str))
                .value(":next", to_value(next)?),
            (Some(_), Some(expected)) => Update::new("SET device_lockouts.#device = :next")
                .condition(
                    "device_lockouts.#device.failed_logins = :count \
                     AND device_lockouts.#device.failures_expire_at = :window_end",
                )
                .name("#device", device)
                .value(":next", to_value(next)?)
                .value(":count", number(expected.failed_logins))
                .value(":window_end", number(expected.failures_expire_at)),
        };
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => DeviceSwap::Swapped,
            Written::Refused(old) if !old.contains_key("password_hash") => DeviceSwap::Gone,
            Written::Refused(old) => DeviceSwap::Changed(match old.get("device_lockouts") {
                Some(map) => Some(
                    serde_dynamo::from_attribute_value(map.clone())
                        .map_err(|error| malformed(email, error))?,
                ),
                None => None,
            }),
        })
    }

    /// Forgets device `device`'s failed attempts after a successful one.
    /// Needs `dynamodb:UpdateItem`.
    pub(crate) async fn clear_device_lockout(
        &self,
        email: &str,
        device: &str,
    ) -> Result<(), Error> {
        let update = Update::new("REMOVE device_lockouts.#device")
            .condition("attribute_exists(device_lockouts.#device)")
            .name("#device", device);
        // Already gone is as good as removed.
        self.update(email, update).await.map(|_| ())
    }

    /// Forgets failed attempts after a successful one. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn clear_failed_logins(&self, email: &str) -> Result<(), Error> {
        let update = Update::new(&format!("REMOVE {THROTTLE_ATTRIBUTES}"));
        self.update(email, update).await.map(|_| ())
    }

    /// One conditional UpdateItem. Ok(false) when the condition failed.
    async fn update(&self, email: &str, update: Update) -> Result<bool, Error> {
        Ok(matches!(
            self.send_update(email, update).await?,
            Written::Applied(_)
        ))
    }

    /// One conditional UpdateItem, on an account unless the update says
    /// otherwise: UpdateItem would otherwise create an item. A refusal
    /// carries the item as the condition saw it (ReturnValuesOnCondition-
    /// CheckFailure), so the caller can tell why, with no second read.
    async fn send_update(&self, email: &str, update: Update) -> Result<Written, Error> {
        let target = match update.target {
            Target::Account => Some("attribute_exists(password_hash)"),
            Target::Placeholder => Some("attribute_not_exists(password_hash)"),
            Target::Anywhere => None,
        };
        let condition = match (target, update.condition) {
            (Some(target), Some(condition)) => Some(format!("{target} AND ({condition})")),
            (Some(target), None) => Some(target.to_owned()),
            (None, condition) => condition,
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(email)?))
            .update_expression(update.expression)
            .set_condition_expression(condition)
            .set_expression_attribute_names((!update.names.is_empty()).then_some(update.names))
            .set_expression_attribute_values((!update.values.is_empty()).then_some(update.values))
            .set_return_values(update.return_item.then_some(ReturnValue::AllNew))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Written::Applied(output.attributes.unwrap_or_default())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(refused)) => {
                    Ok(Written::Refused(refused.item.clone().unwrap_or_default()))
                }
                _ => Err(aws_error("UpdateItem", error)),
            },
        }
    }
}

/// An address's one mail per interval, taken by
/// [`UserStore::claim_mail_slot`] for its user.
#[derive(Debug)]
pub(crate) struct MailClaim {
    /// The user, as the claim's write left the item.
    pub user: User,
    /// The id the claim wrote as `mail_claim`.
    id: String,
}

/// What one conditional UpdateItem did.
enum Written {
    /// Applied; the attributes asked for, if any.
    Applied(HashMap<String, AttributeValue>),
    /// The condition failed; the item as it was (empty when there is none).
    Refused(HashMap<String, AttributeValue>),
}

/// What a compare-and-set of a device's lockout entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceSwap {
    /// Written.
    Swapped,
    /// Another attempt changed the entry first: the item's map as it is now.
    Changed(Option<HashMap<String, DeviceLockout>>),
    /// The account is gone.
    Gone,
}

/// What an attempt to rotate a refresh family did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The family moved on to the new token.
    Rotated,
    /// Another rotation got there first: the family as it is now, or `None`
    /// when it is gone.
    Lost(Option<RefreshFamily>),
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

/// The login-throttling attributes a success removes.
const THROTTLE_ATTRIBUTES: &str =
    "failed_logins, locked_until, locked_at_failures, failures_expire_at";

/// No lock stands at `:now`.
const NOT_LOCKED: &str = "(attribute_not_exists(locked_until) OR locked_until <= :now)";

/// The write that counts one attempt: on `target`, either going on with
/// the count (no lock stands, and the window has not ended) or, with
/// `restart`, starting it again (the window has ended). Either way the
/// window now ends at `window_end`, and a placeholder expires then.
fn counting_attempt(target: Target, restart: bool, now: u64, window_end: u64) -> Update {
    let placeholder_expiry = match target {
        Target::Placeholder => format!(", {PLACEHOLDER_EXPIRY_ATTRIBUTE} = :window_end"),
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

/// Why an item refused to be marked verified, for the logs.
fn refusal_of_verification(
    item: &HashMap<String, AttributeValue>,
    account_id: Option<&str>,
) -> &'static str {
    let stored_id = item.get("account_id").and_then(|value| value.as_s().ok());
    if stored_id.map(String::as_str) != account_id {
        EARLIER_ACCOUNT
    } else if attribute_bool(item, "active") == Some(false) {
        ACCOUNT_INACTIVE
    } else {
        "the address is already verified"
    }
}

/// Whether `item` holds `write_id` in `attribute`: the id a write left so
/// that the SDK's retry of it, whose first attempt landed but whose answer
/// was lost, knows the write for its own.
fn holds_write(item: &HashMap<String, AttributeValue>, attribute: &str, write_id: &str) -> bool {
    item.get(attribute)
        .and_then(|value| value.as_s().ok())
        .is_some_and(|stored| stored == write_id)
}

/// A number attribute of an item, if it is one.
fn attribute_number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// A boolean attribute of an item, if it is one.
fn attribute_bool(item: &HashMap<String, AttributeValue>, name: &str) -> Option<bool> {
    item.get(name)?.as_bool().ok().copied()
}

/// The most refresh families a user keeps: one per device or browser that
/// logged in with `remember`. Past it, the oldest are dropped, which bounds
/// the item's size.
pub const MAX_REFRESH_FAMILIES: usize = 20;

/// Bumps `token_version` (missing counts as 0) and drops every refresh
/// family, with `more_set` added to the SET clause and `more_remove` to the
/// REMOVE clause.
fn retiring_tokens(more_set: &str, more_remove: &str) -> Update {
    Update::new(&format!(
        "SET token_version = if_not_exists(token_version, :zero) + :one{more_set} \
         REMOVE refresh_families{more_remove}"
    ))
    .value(":zero", number(0))
    .value(":one", number(1))
}

/// A new password: the hash, every token retired, the lockouts of the
/// email and of every device cleared, and a new account id for an item that
/// has none.
fn new_password(new_hash: &str) -> Result<Update, Error> {
    new_password_and(new_hash, "")
}

/// [`new_password`], with `more_set` added to the SET clause.
fn new_password_and(new_hash: &str, more_set: &str) -> Result<Update, Error> {
    Ok(retiring_tokens(
        &format!(
            ", password_hash = :new, account_id = if_not_exists(account_id, :account_id){more_set}"
        ),
        &format!(", {THROTTLE_ATTRIBUTES}, device_lockouts"),
    )
    .value(":new", AttributeValue::S(new_hash.to_owned()))
    .value(":account_id", AttributeValue::S(random_id()?)))
}

/// Family `fam` in a raw item, if it is there and readable.
fn family_in(item: &HashMap<String, AttributeValue>, fam: &str) -> Option<RefreshFamily> {
    let families = item.get("refresh_families")?.as_m().ok()?;
    serde_dynamo::from_attribute_value(families.get(fam)?.clone()).ok()
}

/// The families to drop when one more is added: the expired ones, then the
/// oldest until one slot is free.
fn stale_families(live: Option<&HashMap<String, RefreshFamily>>, now: u64) -> Vec<&str> {
    let Some(live) = live else {
        return Vec::new();
    };
    let mut by_expiry: Vec<(&String, &RefreshFamily)> = live.iter().collect();
    by_expiry.sort_by_key(|(_, family)| family.exp);
    let expired = by_expiry
        .iter()
        .filter(|(_, family)| family.exp <= now)
        .count();
    let over_cap = (live.len() + 1).saturating_sub(MAX_REFRESH_FAMILIES);
    by_expiry
        .into_iter()
        .take(expired.max(over_cap))
        .map(|(fam, _)| fam.as_str())
        .collect()
}

fn user_from(email: &str, item: HashMap<String, AttributeValue>) -> Result<User, Error> {
    serde_dynamo::from_item(item).map_err(|error| malformed(email, error))
}

fn malformed(email: &str, error: serde_dynamo::Error) -> Error {
    Error::StoreFailure(format!("user item for {email} is malformed: {error}"))
}

fn key(email: &str) -> Result<HashMap<String, AttributeValue>, Error> {
    serde_dynamo::to_item(UserKey { email })
        .map_err(|error| Error::Internal(format!("building the user key failed: {error}")))
}

fn to_value(value: &impl Serialize) -> Result<AttributeValue, Error> {
    serde_dynamo::to_attribute_value(value)
        .map_err(|error| Error::Internal(format!("building an attribute failed: {error}")))
}

fn number(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
