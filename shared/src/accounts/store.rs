//! The users table in DynamoDB: every read and write of a user item. Each
//! operation names the one IAM action it needs, so that a function's policy
//! can list exactly the operations its handler calls.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::Serialize;

use crate::accounts::lockout::{LoginThrottle, PLACEHOLDER_TTL_SECS};
use crate::accounts::update::{Target, Update};
use crate::accounts::{RefreshFamily, User};
use crate::aws::store_error;
use crate::error::Error;
use crate::tokens::IssuedRefreshToken;

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
            .map_err(|error| store_error("GetItem", error))?;
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
                _ => store_error("PutItem", error),
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
        let family = to_value(&RefreshFamily::current(refresh))?;
        let nested = || {
            let mut update = Update::new("SET refresh_families.#fam = :family")
                .condition("attribute_exists(refresh_families)")
                .name("#fam", fam)
                .value(":family", family.clone());
            let live = user.refresh_families.as_ref();
            for (index, stale) in stale_families(live, now).into_iter().enumerate() {
                let placeholder = format!("#stale{index}");
                update
                    .expression
                    .push_str(if index == 0 { " REMOVE " } else { ", " });
                update
                    .expression
                    .push_str(&format!("refresh_families.{placeholder}"));
                update = update.name(&placeholder, stale);
            }
            update
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

    /// Moves `next`'s family on to `next`, if `current_jti` is still its
    /// current token. False when another refresh got there first, or the
    /// family is gone. Needs `dynamodb:UpdateItem`.
    pub async fn rotate_refresh_family(
        &self,
        email: &str,
        current_jti: &str,
        next: &IssuedRefreshToken,
    ) -> Result<bool, Error> {
        let update = Update::new("SET refresh_families.#fam = :next")
            .condition("refresh_families.#fam.jti = :current")
            .name("#fam", &next.fam)
            .value(":current", AttributeValue::S(current_jti.to_owned()))
            .value(":next", to_value(&RefreshFamily::current(next))?);
        self.update(email, update).await
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
    /// every refresh family. Needs `dynamodb:UpdateItem`.
    pub async fn retire_tokens(&self, email: &str) -> Result<(), Error> {
        if self.update(email, retiring_tokens("")).await? {
            Ok(())
        } else {
            Err(Error::invalid_token("the user was deleted during logout"))
        }
    }

    /// Sets a new password hash and retires every token, if the stored hash
    /// is still `current_hash`. False when the password changed meanwhile.
    /// Needs `dynamodb:UpdateItem`.
    pub async fn change_password(
        &self,
        email: &str,
        current_hash: &str,
        new_hash: &str,
    ) -> Result<bool, Error> {
        let update = retiring_tokens(", password_hash = :new");
        self.update(email, replacing_hash(update, current_hash, new_hash))
            .await
    }

    /// Replaces an outdated hash of the same password; tokens stay valid.
    /// False when the password changed meanwhile. Needs `dynamodb:UpdateItem`.
    pub async fn upgrade_password_hash(
        &self,
        email: &str,
        current_hash: &str,
        new_hash: &str,
    ) -> Result<bool, Error> {
        let update = Update::new("SET password_hash = :new");
        self.update(email, replacing_hash(update, current_hash, new_hash))
            .await
    }

    /// Counts one more failed login for `email`, atomically, on the
    /// user's item or on a placeholder that expires by itself when there is
    /// no account. `has_account` is what the login's read found: the write
    /// that fits it comes first, so both cases cost one UpdateItem and take
    /// the same time. Returns the new count. Needs `dynamodb:UpdateItem`.
    pub async fn record_failed_login(
        &self,
        email: &str,
        has_account: bool,
        now: u64,
    ) -> Result<u64, Error> {
        let on_account = Update::new("ADD failed_logins :one").value(":one", number(1));
        let on_placeholder =
            Update::new("ADD failed_logins :one SET throttle_expires_at = :expires")
                .on_placeholder()
                .value(":one", number(1))
                .value(":expires", number(now + PLACEHOLDER_TTL_SECS));
        // An account may appear or vanish between the read and this write;
        // each shape's condition sends the count to the right one.
        let attempts = if has_account {
            [on_account, on_placeholder]
        } else {
            [on_placeholder, on_account]
        };
        for update in attempts {
            if let Some(attributes) = self.send_update(email, update.returning_new()).await? {
                let count = attributes
                    .get("failed_logins")
                    .and_then(|value| value.as_n().ok())
                    .and_then(|count| count.parse().ok());
                return count.ok_or_else(|| {
                    Error::StoreFailure(format!("failed_logins of {email} is not a count"))
                });
            }
        }
        Err(Error::StoreUnavailable(format!(
            "failed login of {email}: the item kept changing"
        )))
    }

    /// Locks logins for `email` until `until`, unless a longer lock stands.
    /// Needs `dynamodb:UpdateItem`.
    pub async fn lock_login(&self, email: &str, until: u64) -> Result<(), Error> {
        let update = Update::new("SET locked_until = :until")
            .anywhere()
            .condition("attribute_exists(email) AND (attribute_not_exists(locked_until) OR locked_until < :until)")
            .value(":until", number(until));
        // A longer lock already standing is as good.
        self.update(email, update).await.map(|_| ())
    }

    /// Forgets failed logins after a successful one. Needs
    /// `dynamodb:UpdateItem`.
    pub async fn clear_failed_logins(&self, email: &str) -> Result<(), Error> {
        let update = Update::new("REMOVE failed_logins, locked_until");
        self.update(email, update).await.map(|_| ())
    }

    /// One conditional UpdateItem. Ok(false) when the condition failed.
    async fn update(&self, email: &str, update: Update) -> Result<bool, Error> {
        Ok(self.send_update(email, update).await?.is_some())
    }

    /// One conditional UpdateItem, on an account unless the update says
    /// otherwise: UpdateItem would otherwise create an item. Ok(None) when
    /// the condition failed; else the attributes asked for, if any.
    async fn send_update(
        &self,
        email: &str,
        update: Update,
    ) -> Result<Option<HashMap<String, AttributeValue>>, Error> {
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
            .set_return_values(update.return_new.then_some(ReturnValue::UpdatedNew))
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(output.attributes.unwrap_or_default())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(None),
                _ => Err(store_error("UpdateItem", error)),
            },
        }
    }
}

/// The most refresh families a user keeps: one per device or browser that
/// logged in with `remember`. Past it, the oldest are dropped, which bounds
/// the item's size.
pub const MAX_REFRESH_FAMILIES: usize = 20;

/// Bumps `token_version` (missing counts as 0) and drops every refresh
/// family, with `more_set` added to the SET clause.
fn retiring_tokens(more_set: &str) -> Update {
    Update::new(&format!(
        "SET token_version = if_not_exists(token_version, :zero) + :one{more_set} \
         REMOVE refresh_families"
    ))
    .value(":zero", number(0))
    .value(":one", number(1))
}

/// `update`, which sets `password_hash = :new`, made conditional on the
/// stored hash still being `current_hash`: a password changed meanwhile
/// is never overwritten.
fn replacing_hash(update: Update, current_hash: &str, new_hash: &str) -> Update {
    update
        .condition("password_hash = :current")
        .value(":current", AttributeValue::S(current_hash.to_owned()))
        .value(":new", AttributeValue::S(new_hash.to_owned()))
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
