//! Refresh families on the user's item: started by a sign-in with
//! `remember`, rotated by each refresh, revoked by a replay.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::RefreshFamily;
use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{Item, to_value};
use crate::accounts::store::update::Update;
use crate::error::Error;

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
    /// Moves `family` on from `previous`, as loaded, to `next`, if
    /// `previous`'s token is still its current one. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn rotate_refresh_family(
        &self,
        email: &str,
        family: &str,
        previous: &RefreshFamily,
        next: &RefreshFamily,
    ) -> Result<Rotation, Error> {
        let current = previous
            .token_hash
            .clone()
            .ok_or_else(|| Error::invalid_token("the family has no current token"))?;
        let update = Update::new("SET refresh_families.#fam = :next")
            .condition("refresh_families.#fam.token_hash = :current")
            .name("#fam", family)
            .value(":current", AttributeValue::S(current))
            .value(":next", to_value(next)?);
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => Rotation::Rotated,
            Written::Refused(old) => match family_in(&old, family) {
                // A retry of this very write, whose first attempt landed but
                // whose answer was lost, finds the family already moved on.
                Some(found) if found.token_hash == next.token_hash => Rotation::Rotated,
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
