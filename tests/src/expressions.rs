//! The top-level attributes a DynamoDB request names, as IAM's
//! `dynamodb:Attributes` condition key sees them: its key, and the
//! attributes of its update, condition and projection expressions.

use std::collections::BTreeSet;

use serde_json::Value;

/// The words of an expression that are syntax, not attribute names.
const SYNTAX: [&str; 17] = [
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "size",
    "if_not_exists",
    "list_append",
];

/// The top-level attribute names of the DynamoDB request body `body` (the
/// JSON of GetItem, PutItem or UpdateItem): a PutItem names every
/// attribute of its item.
pub fn attributes_named(body: &Value) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for field in ["Key", "Item"] {
        if let Some(map) = body[field].as_object() {
            named.extend(map.keys().cloned());
        }
    }
    let names = &body["ExpressionAttributeNames"];
    for field in [
        "UpdateExpression",
        "ConditionExpression",
        "ProjectionExpression",
    ] {
        if let Some(expression) = body[field].as_str() {
            named.extend(top_level_names(expression, names));
        }
    }
    named
}

/// The attribute names at the top of each path in `expression`: `a.b`
/// names `a`, `#n` the name it stands for, and `:v` nothing.
fn top_level_names(expression: &str, names: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = expression.char_indices().peekable();
    let mut previous = ' ';
    while let Some((start, c)) = chars.next() {
        let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if !(word_char(c) || c == '#' || c == ':') {
            previous = c;
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(index, next)) = chars.peek() {
            if !word_char(next) {
                break;
            }
            end = index + next.len_utf8();
            chars.next();
        }
        let word = &expression[start..end];
        let nested = previous == '.';
        previous = word.chars().last().unwrap_or(' ');
        if nested || word.starts_with(':') || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Some(placeholder) = word.strip_prefix('#') {
            let name = names[format!("#{placeholder}")].as_str();
            found.push(name.unwrap_or(word).to_owned());
        } else if !SYNTAX.contains(&word) {
            found.push(word.to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_placeholders_and_values_are_read_as_iam_does() {
        let body = json!({
            "Key": {"email": {"S": "a@b"}},
            "UpdateExpression": "SET mail_sent_at = :now, #e = if_not_exists(#e, :x) ADD n :one REMOVE device_lockouts.#lock",
            "ConditionExpression": "attribute_not_exists(created_at) AND (mail_sent_at <= :cutoff OR size(devices) < :two)",
            "ExpressionAttributeNames": {"#e": "throttle_expires_at", "#lock": "d1"},
        });
        let named: Vec<String> = attributes_named(&body).into_iter().collect();
        assert_eq!(
            named,
            [
                "created_at",
                "device_lockouts",
                "devices",
                "email",
                "mail_sent_at",
                "n",
                "throttle_expires_at"
            ]
        );
    }
}
