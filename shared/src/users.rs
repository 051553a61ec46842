//! Users in DynamoDB, one item per user keyed by `email`.
//!
//! Other tools may write these items too, so the attribute names are part of
//! the contract: `email`, `password_hash`, `name`, `created_at`, `active`.
//! Unknown attributes are ignored, so items written by later versions load.

use std::fmt;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use serde::{Deserialize, Serialize};

use crate::dynamodb::store_error;
use crate::error::Error;

/// The longest address SMTP can deliver to (RFC 5321 path limit).
const MAX_EMAIL_BYTES: usize = 254;

/// A user item.
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// A missing attribute means active, so items written before the
    /// attribute existed, or by tools that never set it, keep working.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("active", &self.active)
            .finish()
    }
}

/// What a user may see of their own account.
#[derive(Debug, Serialize)]
pub struct PublicProfile<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub created_at: &'a str,
}

impl User {
    /// A new active user, created now. `email` must already be normalised.
    pub fn new(email: String, name: String, password_hash: String) -> Result<Self, Error> {
        let created_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|error| Error::Internal(format!("formatting created_at failed: {error}")))?;
        Ok(Self {
            email,
            password_hash,
            name,
            created_at,
            active: true,
        })
    }

    pub fn public_profile(&self) -> PublicProfile<'_> {
        PublicProfile {
            email: &self.email,
            name: &self.name,
            created_at: &self.created_at,
        }
    }
}

/// Trims and lower-cases an email address and checks its rough shape. Keys
/// in the table are stored in this form, so lookups need no case folding.
pub fn normalize_email(raw: &str) -> Result<String, Error> {
    let email = raw.trim().to_lowercase();
    let well_formed = email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if well_formed {
        Ok(email)
    } else {
        Err(Error::bad_request("`email` must be an email address"))
    }
}

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
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// One strongly consistent GetItem: a user deactivated a moment ago is
    /// refused on the very next request. Needs `dynamodb:GetItem`.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        let key = serde_dynamo::to_item(UserKey { email })
            .map_err(|error| Error::Internal(format!("building the user key failed: {error}")))?;
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| store_error("GetItem", error))?;
        output
            .item
            .map(|item| {
                serde_dynamo::from_item(item).map_err(|error| {
                    Error::StoreFailure(format!("user item for {email} is malformed: {error}"))
                })
            })
            .transpose()
    }

    /// Writes a new user; never overwrites an existing one
    /// ([`Error::UserExists`]). Needs `dynamodb:PutItem`.
    pub async fn create(&self, user: &User) -> Result<(), Error> {
        let item = serde_dynamo::to_item(user)
            .map_err(|error| Error::Internal(format!("building the user item failed: {error}")))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(email)")
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Error::UserExists,
                _ => store_error("PutItem", error),
            })?;
        Ok(())
    }
}

/// Creates the users table with the key schema of `template.yaml`: hash key
/// `email` (S), on-demand billing. For the local stack, tests and tools;
/// in AWS the template creates the table. Returns false if it already existed.
pub async fn create_table(client: &Client, table: &str) -> Result<bool, Error> {
    let invalid = |error: aws_sdk_dynamodb::error::BuildError| {
        Error::Internal(format!("users table definition: {error}"))
    };
    let result = client
        .create_table()
        .table_name(table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("email")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(invalid)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("email")
                .key_type(KeyType::Hash)
                .build()
                .map_err(invalid)?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(error) => match error.as_service_error() {
            Some(CreateTableError::ResourceInUseException(_)) => Ok(false),
            _ => Err(store_error("CreateTable", error)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_bad_requests() {
        for raw in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "a@b@c",
            "al ice@example.com",
            "a\u{0}@b",
        ] {
            assert!(
                matches!(normalize_email(raw), Err(Error::BadRequest(_))),
                "{raw:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(normalize_email(&long).is_err());
    }

    #[test]
    fn missing_active_means_active_and_unknown_attributes_are_ignored() {
        let item: serde_json::Value = serde_json::json!({
            "email": "a@example.com",
            "password_hash": "$argon2id$...",
            "name": "A",
            "created_at": "2026-01-01T00:00:00Z",
            "added_by_a_later_version": 7
        });
        let user: User = serde_json::from_value(item).unwrap();
        assert!(user.active);
        assert!(!format!("{user:?}").contains("argon2id"));
    }
}
