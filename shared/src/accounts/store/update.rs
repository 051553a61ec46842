//! The shape of one conditional UpdateItem on a user item: its expression,
//! condition and placeholders, and which kind of item it may touch.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// An update expression with its condition and placeholders.
pub(super) struct Update {
    pub(super) expression: String,
    pub(super) target: Target,
    pub(super) condition: Option<String>,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
    pub(super) return_item: bool,
}

/// Which items an update may touch.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    /// An account (`item::is_account`).
    Account,
    /// No account: a login-throttling placeholder, created if missing.
    Placeholder,
    /// Whatever the update's own condition allows.
    Anywhere,
}

impl Update {
    pub(super) fn new(expression: &str) -> Self {
        Self {
            expression: expression.to_owned(),
            target: Target::Account,
            condition: None,
            names: HashMap::new(),
            values: HashMap::new(),
            return_item: false,
        }
    }

    pub(super) fn on(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    pub(super) fn anywhere(mut self) -> Self {
        self.target = Target::Anywhere;
        self
    }

    pub(super) fn returning_item(mut self) -> Self {
        self.return_item = true;
        self
    }

    pub(super) fn condition(mut self, condition: &str) -> Self {
        self.condition = Some(condition.to_owned());
        self
    }

    /// Adds to the condition that `attribute` is still as the item was
    /// loaded: equal to `loaded` (through `placeholder`), or missing when it
    /// was missing.
    pub(super) fn unchanged(
        mut self,
        attribute: &str,
        placeholder: &str,
        loaded: Option<AttributeValue>,
    ) -> Self {
        let clause = match loaded {
            Some(value) => {
                self.values.insert(placeholder.to_owned(), value);
                format!("{attribute} = {placeholder}")
            }
            None => format!("attribute_not_exists({attribute})"),
        };
        self.condition = Some(match self.condition.take() {
            Some(condition) => format!("{condition} AND {clause}"),
            None => clause,
        });
        self
    }

    pub(super) fn name(mut self, placeholder: &str, name: &str) -> Self {
        self.names.insert(placeholder.to_owned(), name.to_owned());
        self
    }

    /// Adds a REMOVE clause for `keys` of the map attribute `map`, each
    /// through a name placeholder (keys are data, never expression text).
    /// The expression must have no REMOVE clause yet.
    pub(super) fn removing_keys<'k>(
        mut self,
        map: &str,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Self {
        for (index, key) in keys.into_iter().enumerate() {
            let placeholder = format!("#stale{index}");
            self.expression
                .push_str(if index == 0 { " REMOVE " } else { ", " });
            self.expression.push_str(&format!("{map}.{placeholder}"));
            self = self.name(&placeholder, key);
        }
        self
    }

    pub(super) fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }
}
