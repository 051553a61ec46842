//! Refresh families on the user's item: started by a sign-in with
//! `remember`, rotated by each refresh, revoked by a replay.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::RefreshFamily;
use crate::accounts::User;
use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{Item, to_value};
use crate::accounts::store::update::Update;
use crate::error::Error;
use crate::tokens::IssuedRefreshToken;

/// The most refresh families a user keeps: one per device or browser that
/// logged in with `remember`. Past it, the oldest are dropped, which bounds
/// the item's size.
pub const MAX_REFRESH_FAMILIES: usize = 20;

/// What an attempt to rotate a refresh family did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The family moved on to the new token.
    Rotated,
    /// Another rotation got there first: the family as it is now, or `None`
    /// when it is gone.
    Lost(Option<RefreshFamily>),
}

impl UserStore {
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
        let fam = refresh.family.as_str();
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
        Err(Error::AwsUnavailable(format!(
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
            .name("#fam", &next.family)
            .value(":current", AttributeValue::S(previous.jti.clone()))
            .value(":next", to_value(&previous.rotated_to(next))?);
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => Rotation::Rotated,
            Written::Refused(old) => match family_in(&old, &next.family) {
                // A retry of this very write, whose first attempt landed but
                // whose answer was lost, finds the family already moved on.
                Some(family) if family.jti == next.id => Rotation::Rotated,
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
}

/// Family `fam` in a raw item, if it is there and readable.
fn family_in(item: &Item, fam: &str) -> Option<RefreshFamily> {
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
