//! Accounts as wholes: finding, creating, activating, retiring their
//! tokens, verifying their address, deleting.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{
    Item, account_condition, attribute_bool, has_expired, holds_write, is_account, key, number,
    unexpired_condition, user_from,
};
use crate::accounts::store::lockouts::THROTTLE_ATTRIBUTES;
use crate::accounts::store::mail_slots::{RESET_LINK_ATTRIBUTE, VERIFY_LINK_ATTRIBUTE};
use crate::accounts::store::update::Update;
use crate::accounts::{ACCOUNT_GONE, ACCOUNT_INACTIVE, EARLIER_ACCOUNT, EXPIRY_ATTRIBUTE, User};
use crate::aws::{aws_error, succeeded};
use crate::clock::unix_now;
use crate::error::Error;
use crate::ids::random_id;
use crate::tokens::OpaqueToken;

/// What marking an address verified did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmailVerification {
    /// Verified, by this write (or its retry).
    Verified,
    /// Refused: the link was used already, or its account was deactivated,
    /// deleted or replaced. The reason is for the logs.
    Refused(&'static str),
}

/// What a request that presents an access token reads of its user: who
/// they are, and whether the account and the token's version and refresh
/// family are live, and which second factors it has (step-up asks for
/// one when it has, and `/me` shows them: the recovery codes are hashes
/// of 80 random bits, of no use to whoever reads them). Never the password
/// hash, the TOTP secret, devices, lockouts or mail state: `/me`,
/// `/logout`, the authorizer and a team's own routes need none of them
/// (review 2, L3). The template's GetItem grants for those
/// functions name exactly these (tests/tests/template.rs holds them equal).
/// Each is either required of every account or read with a default that
/// its absence from the item gives anyway, so the projection reads an item
/// as the whole read would.
pub const ACCESS_CHECK_ATTRIBUTES: [&str; 10] = [
    "email",
    "name",
    "created_at",
    "active",
    "token_version",
    "account_id",
    "refresh_families",
    "email_verified",
    "totp_enabled_at",
    "recovery_codes",
];

impl UserStore {
    /// One strongly consistent GetItem: a user deactivated a moment ago is
    /// refused on the very next request. A login-throttling placeholder is
    /// no user. Needs `dynamodb:GetItem`.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        self.find(email, None).await
    }

    /// [`UserStore::find_by_email`], reading only
    /// [`ACCESS_CHECK_ATTRIBUTES`]: the user has no password hash, devices
    /// or lockouts. Needs `dynamodb:GetItem` on those attributes.
    pub async fn find_for_access_check(&self, email: &str) -> Result<Option<User>, Error> {
        self.find(email, Some(&ACCESS_CHECK_ATTRIBUTES)).await
    }

    async fn find(&self, email: &str, attributes: Option<&[&str]>) -> Result<Option<User>, Error> {
        match self.get_attributes(email, attributes).await? {
            Some(item) if is_account(&item) => user_from(email, item).map(Some),
            _ => Ok(None),
        }
    }

    /// Writes a new user; never overwrites an existing one
    /// ([`Error::UserExists`]), only a login-throttling placeholder or an
    /// unverified signup past its expiry ([`User::expires_at`]), which is
    /// gone whether or not TTL has deleted it yet. Needs `dynamodb:PutItem`.
    pub async fn create(&self, user: &User) -> Result<(), Error> {
        let item = serde_dynamo::to_item(user)
            .map_err(|error| Error::Internal(format!("building the user item failed: {error}")))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(format!(
                "{} OR NOT {}",
                account_condition(false),
                unexpired_condition()
            ))
            .expression_attribute_values(":now", number(unix_now()?))
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Error::UserExists,
                _ => aws_error("PutItem", error),
            })?;
        Ok(())
    }

    /// Retires every token the user holds: bumps `token_version` and drops
    /// every refresh family and mailed link. False when there is no such account. Needs
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

    /// Deletes an account's item. False when there is no such account.
    /// Needs `dynamodb:DeleteItem`.
    pub async fn delete(&self, email: &str) -> Result<bool, Error> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(email)?))
            .condition_expression(account_condition(true));
        succeeded("DeleteItem", request.send().await, |error| {
            matches!(error, DeleteItemError::ConditionalCheckFailedException(_))
        })
    }

    /// Marks `user`'s address verified, spends the verification `link`,
    /// clears the email's lock and ends the account's expiry, in one
    /// conditional write: only if the item is still that account (same
    /// account id), active, unverified, not expired, still records `link`
    /// as its verification link, and is at the token version it was loaded
    /// at, which every password change or reset bumps: the password that
    /// was checked is still the account's. [`EmailVerification::Refused`]
    /// when it is not, with the reason for the logs: the link was used
    /// already or replaced by a later mail's, or its account was
    /// deactivated, deleted or replaced, or its password reset. Needs
    /// `dynamodb:UpdateItem`.
    ///
    /// The write leaves an id of its own (`email_verified_by`), so that the
    /// SDK's retry of it, whose first attempt landed but whose answer was
    /// lost, counts as done, where a second use of the link is refused.
    pub(crate) async fn mark_email_verified(
        &self,
        user: &User,
        link: &OpaqueToken,
    ) -> Result<EmailVerification, Error> {
        let write_id = random_id()?;
        let now = unix_now()?;
        let update = Update::new(&format!(
            "SET email_verified = :verified, email_verified_by = :write \
             REMOVE {VERIFY_LINK_ATTRIBUTE}, {THROTTLE_ATTRIBUTES}, {EXPIRY_ATTRIBUTE}"
        ))
        .condition(&format!(
            "email_verified = :unverified \
             AND (attribute_not_exists(active) OR active = :verified) AND {} \
             AND {VERIFY_LINK_ATTRIBUTE}.token_hash = :link",
            unexpired_condition()
        ))
        .value(":link", AttributeValue::S(link.hash()))
        .unchanged(
            "account_id",
            ":account_id",
            user.account_id.clone().map(AttributeValue::S),
        )
        // Every password write bumps the version: one that came between
        // the check and this write refuses it. The hash itself is not
        // named, so verify-email's role may name the attributes it writes
        // and not `password_hash` (template.yaml, dynamodb:Attributes).
        .unchanged(
            "token_version",
            ":checked_version",
            user.token_version.map(number),
        )
        .value(":verified", AttributeValue::Bool(true))
        .value(":unverified", AttributeValue::Bool(false))
        .value(":write", AttributeValue::S(write_id.clone()))
        .value(":now", number(now));
        Ok(match self.send_update(&user.email, update).await? {
            Written::Applied(_) => EmailVerification::Verified,
            Written::Refused(item) if holds_write(&item, "email_verified_by", &write_id) => {
                EmailVerification::Verified
            }
            Written::Refused(item) if !is_account(&item) || has_expired(&item, now) => {
                EmailVerification::Refused(ACCOUNT_GONE)
            }
            Written::Refused(item) => EmailVerification::Refused(refusal_of_verification(
                &item,
                user.account_id.as_deref(),
            )),
        })
    }
}

/// Bumps `token_version` (missing counts as 0) and drops every refresh
/// family and both mailed links (they were bound to the version, as signed
/// links, before they were opaque, were by their `ver` claim), with
/// `more_set` added to the SET clause and `more_remove` to the REMOVE
/// clause.
pub(super) fn retiring_tokens(more_set: &str, more_remove: &str) -> Update {
    Update::new(&format!(
        "SET token_version = if_not_exists(token_version, :zero) + :one{more_set} \
         REMOVE refresh_families, {RESET_LINK_ATTRIBUTE}, {VERIFY_LINK_ATTRIBUTE}{more_remove}"
    ))
    .value(":zero", number(0))
    .value(":one", number(1))
}

/// Why an item refused to be marked verified, for the logs.
fn refusal_of_verification(item: &Item, account_id: Option<&str>) -> &'static str {
    let stored_id = item.get("account_id").and_then(|value| value.as_s().ok());
    if stored_id.map(String::as_str) != account_id {
        EARLIER_ACCOUNT
    } else if attribute_bool(item, "active") == Some(false) {
        ACCOUNT_INACTIVE
    } else {
        "the address is already verified, its password was reset since, or a later mail's \
         link replaced this one"
    }
}
