//! The attributes of a user item as DynamoDB holds them: the one rule of
//! what makes an item an account, the key, and reading and writing single
//! attributes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::accounts::{EXPIRY_ATTRIBUTE, User};
use crate::error::Error;

/// An item as DynamoDB returns it.
pub(super) type Item = HashMap<String, AttributeValue>;

/// What makes an item an account: it records when the account was created,
/// which every account has (signup, the admin tool, and other tools, whose
/// items must carry `email`, `name` and `created_at`) whether or not it has
/// a password. A login-throttling placeholder for an email without an
/// account never has it.
const ACCOUNT_ATTRIBUTE: &str = "created_at";

/// True when `item` is an account, not a placeholder ([`ACCOUNT_ATTRIBUTE`]).
pub(super) fn is_account(item: &Item) -> bool {
    item.contains_key(ACCOUNT_ATTRIBUTE)
}

/// The same rule as a DynamoDB condition: the item is an account, or, with
/// `false`, it is not (a placeholder, or no item at all).
pub(super) fn account_condition(is_account: bool) -> String {
    if is_account {
        format!("attribute_exists({ACCOUNT_ATTRIBUTE})")
    } else {
        format!("attribute_not_exists({ACCOUNT_ATTRIBUTE})")
    }
}

/// A DynamoDB condition: the item has not reached its expiry
/// ([`EXPIRY_ATTRIBUTE`]) at `:now`, whether or not TTL has deleted it yet.
/// Only unverified signups and placeholders have one.
pub(super) fn unexpired_condition() -> String {
    format!("(attribute_not_exists({EXPIRY_ATTRIBUTE}) OR {EXPIRY_ATTRIBUTE} > :now)")
}

/// True when `item` has reached its expiry at `now`.
pub(super) fn has_expired(item: &Item, now: u64) -> bool {
    attribute_number(item, EXPIRY_ATTRIBUTE).is_some_and(|expires_at| expires_at <= now)
}

#[derive(Serialize)]
struct UserKey<'a> {
    email: &'a str,
}

pub(super) fn key(email: &str) -> Result<Item, Error> {
    serde_dynamo::to_item(UserKey { email })
        .map_err(|error| Error::Internal(format!("building the user key failed: {error}")))
}

pub(super) fn user_from(email: &str, item: Item) -> Result<User, Error> {
    serde_dynamo::from_item(item).map_err(|error| malformed(email, error))
}

pub(super) fn malformed(email: &str, error: serde_dynamo::Error) -> Error {
    Error::AwsFailure(format!("user item for {email} is malformed: {error}"))
}

pub(super) fn to_value(value: &impl Serialize) -> Result<AttributeValue, Error> {
    serde_dynamo::to_attribute_value(value)
        .map_err(|error| Error::Internal(format!("building an attribute failed: {error}")))
}

pub(super) fn number(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A number attribute of an item, if it is one.
pub(super) fn attribute_number(item: &Item, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// A boolean attribute of an item, if it is one.
pub(super) fn attribute_bool(item: &Item, name: &str) -> Option<bool> {
    item.get(name)?.as_bool().ok().copied()
}

/// Whether `item` holds `write_id` in `attribute`: the id a write left so
/// that the SDK's retry of it, whose first attempt landed but whose answer
/// was lost, knows the write for its own.
pub(super) fn holds_write(item: &Item, attribute: &str, write_id: &str) -> bool {
    item.get(attribute)
        .and_then(|value| value.as_s().ok())
        .is_some_and(|stored| stored == write_id)
}
