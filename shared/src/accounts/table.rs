//! The users table's definition, for the local stack, tests and tools.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::aws::store_error;
use crate::error::Error;

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
