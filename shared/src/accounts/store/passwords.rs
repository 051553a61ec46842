//! Password hashes on the user's item: set by an operator, changed by
//! the user, reset by a mailed link, re-hashed to the current policy.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::store::accounts::retiring_tokens;
use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::lockouts::THROTTLE_ATTRIBUTES;
use crate::accounts::store::mail_slots::RESET_LINK_ATTRIBUTE;
use crate::accounts::store::update::Update;
use crate::accounts::{EXPIRY_ATTRIBUTE, User};
use crate::error::Error;
use crate::ids::random_id;
use crate::tokens::OpaqueToken;

impl UserStore {
    /// Sets a password hash whatever the current one is (an operator's
    /// reset), retires every token and clears the lockout; an item without
    /// an account id gets one. False when there is no such account. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn set_password_hash(&self, email: &str, new_hash: &str) -> Result<bool, Error> {
        self.update(email, new_password(new_hash)?).await
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

    /// Sets a new password with the reset `link`, which this spends: as
    /// [`UserStore::change_password`], if the item still records `link` as
    /// its reset link, and the address counts as verified, since the link
    /// came by mail. False when the password changed since `user` was
    /// loaded, or the link was spent or replaced meanwhile. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn reset_password(
        &self,
        user: &User,
        link: &OpaqueToken,
        new_hash: &str,
    ) -> Result<bool, Error> {
        let update = new_password_and(new_hash, ", email_verified = :verified")?
            .condition(&format!("{RESET_LINK_ATTRIBUTE}.token_hash = :link"))
            .value(":link", AttributeValue::S(link.hash()))
            .value(":verified", AttributeValue::Bool(true));
        self.replace_hash(user, update, new_hash).await
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
        // An account without a password has none to replace.
        let update = update.unchanged(
            "password_hash",
            ":current",
            user.password_hash.clone().map(AttributeValue::S),
        );
        let email = &user.email;
        Ok(match self.send_update(email, update).await? {
            Written::Applied(_) => true,
            Written::Refused(old) => {
                old.get("password_hash").and_then(|hash| hash.as_s().ok())
                    == Some(&new_hash.to_owned())
            }
        })
    }
}

/// A new password: the hash, every token retired (device tokens too: they
/// were handed out to whoever knew the old password), the lockouts of the
/// email and of every device cleared, no expiry (an account whose password
/// is set by its owner is in use), and a new account id for an item that
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
        &format!(", {THROTTLE_ATTRIBUTES}, devices, device_lockouts, {EXPIRY_ATTRIBUTE}"),
    )
    .value(":new", AttributeValue::S(new_hash.to_owned()))
    .value(":account_id", AttributeValue::S(random_id()?)))
}
