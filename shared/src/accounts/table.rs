//! The users table's definition, for the local stack, tests and tools.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use crate::aws::{aws_error, succeeded};
use crate::error::Error;

/// The table's one TTL attribute: DynamoDB deletes lockout placeholders,
/// and accounts signed up but never verified, by it.
pub const EXPIRY_ATTRIBUTE: &str = "throttle_expires_at";

/// Creates the users table with the key schema of `template.yaml`: hash key
/// `email` (S), on-demand billing, and TTL on
/// [`EXPIRY_ATTRIBUTE`], so lockout placeholders and unverified signups
/// expire. For
/// the local stack, tests and tools; in AWS the template creates the table.
/// Returns false if it already existed (its TTL is switched on all the same).
pub async fn create_table(client: &Client, table: &str) -> Result<bool, Error> {
    let created = create(client, table).await?;
    enable_expiry(client, table).await?;
    Ok(created)
}

/// Switches TTL on the expiry attribute on, unless it is on already.
async fn enable_expiry(client: &Client, table: &str) -> Result<(), Error> {
    let described = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|error| aws_error("DescribeTimeToLive", error))?;
    let current = described.time_to_live_description();
    let on = current.is_some_and(|ttl| {
        ttl.attribute_name() == Some(EXPIRY_ATTRIBUTE)
            && matches!(
                ttl.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            )
    });
    if on {
        return Ok(());
    }
    let specification = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name(EXPIRY_ATTRIBUTE)
        .build()
        .map_err(|error| Error::Internal(format!("users table TTL: {error}")))?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(specification)
        .send()
        .await
        .map_err(|error| aws_error("UpdateTimeToLive", error))?;
    Ok(())
}

async fn create(client: &Client, table: &str) -> Result<bool, Error> {
    let invalid = |error: aws_sdk_dynamodb::error::BuildError| {
        Error::Internal(format!("users table definition: {error}"))
    };
    let request = client
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
        .billing_mode(BillingMode::PayPerRequest);
    succeeded("CreateTable", request.send().await, |error| {
        matches!(error, CreateTableError::ResourceInUseException(_))
    })
}
