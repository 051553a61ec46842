//! An API Gateway Lambda authorizer on the same token and user checks as
//! the protected endpoints, so any route can be protected without touching
//! its backend. It answers the three event kinds API Gateway sends:
//!
//! - HTTP API, payload 2.0: the simple response `{isAuthorized, context}`;
//! - REST API TOKEN and REQUEST authorizers: an IAM policy (Allow or Deny),
//!   a `principalId` and a `context`.
//!
//! It loads the user on every call, so a logout, a password change or a
//! deactivation takes effect at once (unless API Gateway caches the answer;
//! see the README).

use lambda_auth::bearer::bearer_token;
use lambda_auth::users::User;
use lambda_auth::{Auth, Error};
use serde_json::{Map, Value, json};

/// What API Gateway asked, and how it wants the answer.
#[derive(Debug, PartialEq, Eq)]
enum Authorizer {
    /// HTTP API, payload format 2.0, simple responses.
    HttpApi,
    /// REST API; the policy covers the API and stage of `method_arn`.
    RestApi { method_arn: String },
}

pub async fn handle(auth: &Auth, event: Value) -> Result<Value, Error> {
    let (authorizer, authorization) = read_event(&event)?;
    let verdict = match authorization {
        Ok(value) => match bearer_token(value) {
            Ok(token) => auth
                .user_for_access_token(token)
                .await
                .map(|current| current.user),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    let user = match verdict {
        Ok(user) => Some(user),
        // Token and user problems are a Deny; an outage is not the caller's
        // fault, so it fails the invocation and API Gateway answers 500.
        Err(error @ (Error::StoreUnavailable(_) | Error::StoreFailure(_) | Error::Internal(_))) => {
            return Err(error);
        }
        Err(error) => {
            tracing::info!(%error, "denied");
            None
        }
    };
    Ok(authorizer.respond(user.as_ref()))
}

/// Which authorizer the event is for, and its `Authorization` value.
fn read_event(event: &Value) -> Result<(Authorizer, Result<&str, Error>), Error> {
    let kind = event.get("type").and_then(Value::as_str);
    let version = event.get("version").and_then(Value::as_str);
    let method_arn = || {
        event
            .get("methodArn")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::bad_request("REST API authorizer event without `methodArn`"))
    };
    match (kind, version) {
        (Some("REQUEST"), Some("2.0")) => Ok((Authorizer::HttpApi, header(event))),
        (Some("TOKEN"), _) => {
            let token = event
                .get("authorizationToken")
                .and_then(Value::as_str)
                .ok_or(Error::MissingToken);
            Ok((
                Authorizer::RestApi {
                    method_arn: method_arn()?,
                },
                token,
            ))
        }
        (Some("REQUEST"), _) => Ok((
            Authorizer::RestApi {
                method_arn: method_arn()?,
            },
            header(event),
        )),
        _ => Err(Error::bad_request(
            "not an API Gateway authorizer event (TOKEN, REQUEST, or REQUEST 2.0)",
        )),
    }
}

/// The one `Authorization` header of a REQUEST event, in any case. REST
/// events list repeated headers in `multiValueHeaders`; HTTP API events
/// join them with commas, which `bearer_token` refuses.
fn header(event: &Value) -> Result<&str, Error> {
    let find = |field: &str| {
        event
            .get(field)
            .and_then(Value::as_object)
            .and_then(|headers| {
                headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                    .map(|(_, value)| value)
            })
    };
    if let Some(values) = find("multiValueHeaders").and_then(Value::as_array)
        && values.len() > 1
    {
        return Err(Error::invalid_token("more than one Authorization header"));
    }
    match find("headers") {
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(Error::invalid_token("Authorization header is not text")),
        None => Err(Error::MissingToken),
    }
}

impl Authorizer {
    fn respond(&self, user: Option<&User>) -> Value {
        let context = user.map(context).unwrap_or_default();
        match self {
            Authorizer::HttpApi => json!({
                "isAuthorized": user.is_some(),
                "context": context,
            }),
            Authorizer::RestApi { method_arn } => json!({
                "principalId": user.map_or("anonymous", |user| user.email.as_str()),
                "policyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Action": "execute-api:Invoke",
                        "Effect": if user.is_some() { "Allow" } else { "Deny" },
                        "Resource": api_wide(method_arn),
                    }],
                },
                "context": context,
            }),
        }
    }
}

/// What the backend behind the authorizer learns about the caller. REST
/// API contexts hold only strings, numbers and booleans.
fn context(user: &User) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("sub".into(), user.email.clone().into());
    context.insert("email".into(), user.email.clone().into());
    context.insert("name".into(), user.name.clone().into());
    context.insert("created_at".into(), user.created_at.clone().into());
    context
}

/// `arn:...:api-id/stage/GET/path` becomes `arn:...:api-id/stage/*`: with
/// authorizer caching on, the cached answer for a token is reused on other
/// routes, so the policy must speak for the whole API stage.
fn api_wide(method_arn: &str) -> String {
    let mut parts = method_arn.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(api), Some(stage)) => format!("{api}/{stage}/*"),
        _ => method_arn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_cover_the_whole_stage() {
        assert_eq!(
            api_wide("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/hello"),
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*"
        );
        assert_eq!(api_wide("not-an-arn"), "not-an-arn");
    }

    #[test]
    fn other_events_are_errors() {
        for event in [
            json!({}),
            json!({"type": "OTHER"}),
            json!({"type": "TOKEN"}),
        ] {
            assert!(
                matches!(read_event(&event), Err(Error::BadRequest(_))),
                "{event}"
            );
        }
    }
}
