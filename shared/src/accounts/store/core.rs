//! The users table in DynamoDB: the client, and the two calls every other
//! operation is made of, one GetItem and one conditional UpdateItem. Each
//! operation, in the files beside this one, names the one IAM action it
//! needs, so that a function's policy can list exactly the operations its
//! handler calls.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::accounts::store::item::{Item, account_condition, key};
use crate::accounts::store::update::{Target, Update};
use crate::aws::aws_error;
use crate::error::Error;

/// The users table.
#[derive(Debug, Clone)]
pub struct UserStore {
    pub(super) client: Client,
    pub(super) table: String,
}

/// What one conditional UpdateItem did.
pub(super) enum Written {
    /// Applied; the attributes asked for, if any.
    Applied(Item),
    /// The condition failed; the item as it was (empty when there is none).
    Refused(Item),
}

impl UserStore {
    /// The table `table`, through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub(super) async fn get_item(&self, email: &str) -> Result<Option<Item>, Error> {
        self.get_attributes(email, None).await
    }

    /// One strongly consistent GetItem of `attributes` alone, or of the
    /// whole item with `None`.
    pub(super) async fn get_attributes(
        &self,
        email: &str,
        attributes: Option<&[&str]>,
    ) -> Result<Option<Item>, Error> {
        let mut request = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(email)?))
            .consistent_read(true);
        if let Some(attributes) = attributes {
            // Placeholders throughout: `name` is one of DynamoDB's reserved
            // words.
            let mut placeholders = Vec::with_capacity(attributes.len());
            for (index, attribute) in attributes.iter().enumerate() {
                let placeholder = format!("#a{index}");
                request = request.expression_attribute_names(&placeholder, *attribute);
                placeholders.push(placeholder);
            }
            request = request.projection_expression(placeholders.join(", "));
        }
        let output = request
            .send()
            .await
            .map_err(|error| aws_error("GetItem", error))?;
        Ok(output.item)
    }

    /// One conditional UpdateItem. Ok(false) when the condition failed.
    pub(super) async fn update(&self, email: &str, update: Update) -> Result<bool, Error> {
        Ok(matches!(
            self.send_update(email, update).await?,
            Written::Applied(_)
        ))
    }

    /// One conditional UpdateItem, on an account unless the update says
    /// otherwise: UpdateItem would otherwise create an item. A refusal
    /// carries the item as the condition saw it (ReturnValuesOnCondition-
    /// CheckFailure), so the caller can tell why, with no second read.
    pub(super) async fn send_update(&self, email: &str, update: Update) -> Result<Written, Error> {
        let target = match update.target {
            Target::Account => Some(account_condition(true)),
            Target::Placeholder => Some(account_condition(false)),
            Target::Anywhere => None,
        };
        let condition = match (target, update.condition) {
            (Some(target), Some(condition)) => Some(format!("{target} AND ({condition})")),
            (Some(target), None) => Some(target),
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
            .set_return_values(update.return_item.then_some(ReturnValue::AllNew))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Written::Applied(output.attributes.unwrap_or_default())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(refused)) => {
                    Ok(Written::Refused(refused.item.clone().unwrap_or_default()))
                }
                _ => Err(aws_error("UpdateItem", error)),
            },
        }
    }
}
