//! The one write a sign-in ends with: the lock that held its attempt
//! cleared, a new device's token recorded, a new refresh family started,
//! all in one conditional UpdateItem, with expired and surplus entries of
//! both maps pruned on the way.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{is_account, to_value, user_from};
use crate::accounts::store::lockouts::THROTTLE_ATTRIBUTES;
use crate::accounts::store::update::Update;
use crate::accounts::{Device, EXPIRY_ATTRIBUTE, RefreshFamily, User};
use crate::error::Error;

/// The most refresh families a user keeps: one per device or browser that
/// logged in with `remember`. Past it, the oldest are dropped, which bounds
/// the item's size.
pub const MAX_REFRESH_FAMILIES: usize = 20;

/// The most devices a user keeps a device token for. Past it, the ones
/// whose tokens expire first are dropped: those devices log in again as
/// new ones.
pub const MAX_DEVICES: usize = 20;

/// How often the write is tried again after the item changed under it (a
/// concurrent login or logout created or dropped a map).
const TRIES: usize = 3;

/// The lock that held a sign-in's attempt, which its success clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeldLock<'a> {
    /// The email's.
    Email,
    /// The trusted device's own, by device id.
    Device(&'a str),
}

/// What a sign-in writes on the user's item.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignInRecord<'a> {
    /// The lock to clear, if an attempt was counted.
    pub(crate) lock: Option<HeldLock<'a>>,
    /// A device handed its first device token: its id and record.
    pub(crate) device: Option<(&'a str, Device)>,
    /// A refresh family the sign-in started: its id and first token.
    pub(crate) family: Option<(&'a str, RefreshFamily)>,
}

/// The parts of one UpdateItem, before they are joined.
#[derive(Default)]
struct Parts {
    set: Vec<String>,
    remove: Vec<String>,
    conditions: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Parts {
    fn name(&mut self, placeholder: &str, name: &str) {
        self.names.push((placeholder.to_owned(), name.to_owned()));
    }

    fn value(&mut self, placeholder: &str, value: AttributeValue) {
        self.values.push((placeholder.to_owned(), value));
    }

    /// Puts `entry` at `key` of the map attribute `map`: into the map when
    /// it exists, pruning `stale` keys from it, or as a new map.
    fn put_entry(
        &mut self,
        map: &str,
        tag: &str,
        exists: bool,
        key: &str,
        entry: AttributeValue,
        stale: &[&str],
    ) {
        if exists {
            self.set.push(format!("{map}.#{tag} = :{tag}"));
            self.conditions.push(format!("attribute_exists({map})"));
            self.name(&format!("#{tag}"), key);
            self.value(&format!(":{tag}"), entry);
            for (index, stale) in stale.iter().enumerate() {
                let placeholder = format!("#{tag}_stale{index}");
                self.remove.push(format!("{map}.{placeholder}"));
                self.name(&placeholder, stale);
            }
        } else {
            self.set.push(format!("{map} = :{tag}"));
            self.conditions.push(format!("attribute_not_exists({map})"));
            self.value(
                &format!(":{tag}"),
                AttributeValue::M(HashMap::from([(key.to_owned(), entry)])),
            );
        }
    }

    fn into_update(self) -> Option<Update> {
        let mut expression = String::new();
        if !self.set.is_empty() {
            expression.push_str(&format!("SET {}", self.set.join(", ")));
        }
        if !self.remove.is_empty() {
            if !expression.is_empty() {
                expression.push(' ');
            }
            expression.push_str(&format!("REMOVE {}", self.remove.join(", ")));
        }
        if expression.is_empty() {
            return None;
        }
        let mut update = Update::new(&expression);
        for (placeholder, name) in &self.names {
            update = update.name(placeholder, name);
        }
        for (placeholder, value) in self.values {
            update = update.value(&placeholder, value);
        }
        Some(if self.conditions.is_empty() {
            update
        } else {
            update.condition(&self.conditions.join(" AND "))
        })
    }
}

impl SignInRecord<'_> {
    /// The UpdateItem that records this sign-in on `user`, as loaded: each
    /// map's shape and stale entries are the item's. `None` when there is
    /// nothing to write.
    fn update(&self, user: &User, now: u64) -> Result<Option<Update>, Error> {
        let mut parts = Parts::default();
        // An account that signs in is in use: an unverified signup's expiry
        // ends (only without verification, which switched off later).
        if user.expires_at.is_some() {
            parts.remove.push(EXPIRY_ATTRIBUTE.to_owned());
        }
        match self.lock {
            Some(HeldLock::Email) => parts.remove.push(THROTTLE_ATTRIBUTES.to_owned()),
            Some(HeldLock::Device(device)) => {
                // Only an entry that is there can go: its map may be gone.
                let lockouts = user.device_lockouts.as_ref();
                if lockouts.is_some_and(|map| map.contains_key(device)) {
                    parts.remove.push("device_lockouts.#lock".to_owned());
                    parts
                        .conditions
                        .push("attribute_exists(device_lockouts.#lock)".to_owned());
                    parts.name("#lock", device);
                }
            }
            None => {}
        }
        if let Some((id, device)) = &self.device {
            let devices = user.devices.as_ref();
            let stale = stale_entries(devices, |device| device.expires_at, now, MAX_DEVICES);
            let entry = to_value(device)?;
            parts.put_entry("devices", "device", devices.is_some(), id, entry, &stale);
        }
        if let Some((id, family)) = &self.family {
            let families = user.refresh_families.as_ref();
            let stale = stale_entries(families, |family| family.exp, now, MAX_REFRESH_FAMILIES);
            let entry = to_value(family)?;
            parts.put_entry(
                "refresh_families",
                "family",
                families.is_some(),
                id,
                entry,
                &stale,
            );
        }
        Ok(parts.into_update())
    }
}

impl UserStore {
    /// Writes `record` on `user`'s item, `user` as loaded for the sign-in:
    /// one conditional UpdateItem, tried again on the item as it is now
    /// when a concurrent write changed the shape of a map it touches. A
    /// retry of this very write, whose first attempt landed but whose
    /// answer was lost, finds its entries there and writes them again.
    /// Needs `dynamodb:UpdateItem`.
    ///
    /// # Errors
    ///
    /// [`Error::BadCredentials`] when the account is gone; a DynamoDB
    /// failure.
    pub(crate) async fn record_sign_in(
        &self,
        user: &User,
        record: &SignInRecord<'_>,
        now: u64,
    ) -> Result<(), Error> {
        let mut current = user.clone();
        for _ in 0..TRIES {
            let Some(update) = record.update(&current, now)? else {
                return Ok(());
            };
            match self.send_update(&user.email, update).await? {
                Written::Applied(_) => return Ok(()),
                Written::Refused(item) if !is_account(&item) => {
                    return Err(Error::BadCredentials);
                }
                Written::Refused(item) => current = user_from(&user.email, item)?,
            }
        }
        Err(Error::AwsUnavailable(format!(
            "sign-in of {}: the item kept changing",
            user.email
        )))
    }

    /// Starts `family` with its first token on `user`'s item, `user` as
    /// loaded, as a sign-in with `remember` does. Needs
    /// `dynamodb:UpdateItem`.
    ///
    /// # Errors
    ///
    /// [`Error::BadCredentials`] when the account is gone; a DynamoDB
    /// failure.
    pub async fn add_refresh_family(
        &self,
        user: &User,
        family: &str,
        record: &RefreshFamily,
        now: u64,
    ) -> Result<(), Error> {
        let record = SignInRecord {
            family: Some((family, record.clone())),
            ..SignInRecord::default()
        };
        self.record_sign_in(user, &record, now).await
    }
}

/// The keys to drop from `map` when one more entry is added: the expired
/// ones, then those that expire first until one place under `cap` is free.
fn stale_entries<T>(
    map: Option<&HashMap<String, T>>,
    expires_at: impl Fn(&T) -> u64,
    now: u64,
    cap: usize,
) -> Vec<&str> {
    let Some(map) = map else {
        return Vec::new();
    };
    let mut by_expiry: Vec<(&String, u64)> = map
        .iter()
        .map(|(key, entry)| (key, expires_at(entry)))
        .collect();
    by_expiry.sort_by_key(|(key, expiry)| (*expiry, (*key).clone()));
    let expired = by_expiry
        .iter()
        .filter(|(_, expiry)| *expiry <= now)
        .count();
    let over_cap = (map.len() + 1).saturating_sub(cap);
    by_expiry
        .into_iter()
        .take(expired.max(over_cap))
        .map(|(key, _)| key.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entries_and_those_past_the_cap_are_pruned_oldest_first() {
        let map: HashMap<String, u64> = (0..5).map(|n| (format!("k{n}"), 10 + n)).collect();
        // Nothing expired and room to spare.
        assert!(stale_entries(Some(&map), |e| *e, 0, 10).is_empty());
        // Two expired.
        assert_eq!(stale_entries(Some(&map), |e| *e, 11, 10), ["k0", "k1"]);
        // At the cap: the one that expires first makes room.
        assert_eq!(stale_entries(Some(&map), |e| *e, 0, 5), ["k0"]);
        assert!(stale_entries::<u64>(None, |e| *e, 100, 1).is_empty());
    }

    #[test]
    fn a_first_entry_makes_the_map_and_a_later_one_goes_into_it() {
        let mut parts = Parts::default();
        parts.put_entry(
            "devices",
            "device",
            false,
            "d1",
            AttributeValue::Null(true),
            &[],
        );
        parts.remove.push(THROTTLE_ATTRIBUTES.to_owned());
        let update = parts.into_update().expect("an update");
        assert_eq!(
            update.expression,
            format!("SET devices = :device REMOVE {THROTTLE_ATTRIBUTES}")
        );
        assert_eq!(
            update.condition.as_deref(),
            Some("attribute_not_exists(devices)")
        );

        let mut parts = Parts::default();
        parts.put_entry(
            "devices",
            "device",
            true,
            "d2",
            AttributeValue::Null(true),
            &["d1"],
        );
        let update = parts.into_update().expect("an update");
        assert_eq!(
            update.expression,
            "SET devices.#device = :device REMOVE devices.#device_stale0"
        );
        assert_eq!(update.names["#device"], "d2");
        assert_eq!(update.names["#device_stale0"], "d1");
        assert!(Parts::default().into_update().is_none());
    }
}
