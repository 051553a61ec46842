//! An API Gateway Lambda authorizer on the same token and user checks as
//! the protected endpoints, so any route can be protected without touching
//! its backend. It answers the three event kinds API Gateway sends, in
//! `aws_lambda_events`' types:
//!
//! - HTTP API, payload 2.0: the simple response `{isAuthorized, context}`;
//! - REST API TOKEN and REQUEST authorizers: an IAM policy (Allow or Deny),
//!   a `principalId` and a `context`.
//!
//! It loads the user on every call, so a logout, a password change or a
//! deactivation takes effect at once (unless API Gateway caches the answer;
//! docs/api.md).
//!
//! AWS calls: `dynamodb:GetItem`.

use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequest,
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayCustomAuthorizerResponse,
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_http::aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use lambda_http::http::HeaderMap;
use lambda_http::http::header::AUTHORIZATION;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sessionless::accounts::User;
use sessionless::http::bearer_token;
use sessionless::{Auth, Error};

/// The events API Gateway sends an authorizer.
#[derive(Debug)]
enum AuthorizerEvent {
    /// HTTP API, payload format 2.0, simple responses.
    HttpApi(Box<ApiGatewayV2CustomAuthorizerV2Request>),
    /// REST API TOKEN authorizer: the token alone.
    RestToken(ApiGatewayCustomAuthorizerRequest),
    /// REST API REQUEST authorizer: the whole request.
    RestRequest(Box<ApiGatewayCustomAuthorizerRequestTypeRequest>),
}

/// The answer, in the shape the event's kind calls for.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AuthorizerResponse {
    /// For an HTTP API.
    HttpApi(ApiGatewayV2CustomAuthorizerSimpleResponse<CallerContext>),
    /// For a REST API.
    RestApi(ApiGatewayCustomAuthorizerResponse<CallerContext>),
}

/// What the backend behind the authorizer learns about the caller: nothing
/// when denied. REST API contexts hold only strings, numbers and booleans.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CallerContext {
    #[serde(flatten)]
    caller: Option<Caller>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Caller {
    sub: String,
    email: String,
    name: String,
    created_at: String,
    /// From the user's item as loaded now, not from the token: a backend
    /// must not trust an unverified address (send it mail, or treat it as
    /// proof of owning a domain).
    email_verified: bool,
}

pub async fn handle(auth: &Auth, event: Value) -> Result<AuthorizerResponse, Error> {
    let event = AuthorizerEvent::read(event)?;
    let verdict = match event.authorization() {
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
        Err(error) if error.is_server_fault() => return Err(error),
        Err(error) => {
            tracing::info!(%error, "denied");
            None
        }
    };
    Ok(event.respond(user.as_ref()))
}

impl AuthorizerEvent {
    /// Tells the kinds apart by `type` and `version`, then reads the event
    /// as that kind.
    fn read(event: Value) -> Result<Self, Error> {
        let kind = event.get("type").and_then(Value::as_str);
        let version = event.get("version").and_then(Value::as_str);
        let read = match (kind, version) {
            (Some("REQUEST"), Some("2.0")) => typed(event).map(Self::HttpApi),
            (Some("TOKEN"), _) => typed(event).map(Self::RestToken),
            (Some("REQUEST"), _) => typed(event).map(Self::RestRequest),
            _ => Err(Error::bad_request(
                "not an API Gateway authorizer event (TOKEN, REQUEST, or REQUEST 2.0)",
            )),
        }?;
        if read.is_rest_api() && read.method_arn().is_none() {
            return Err(Error::bad_request(
                "REST API authorizer event without `methodArn`",
            ));
        }
        Ok(read)
    }

    fn is_rest_api(&self) -> bool {
        !matches!(self, Self::HttpApi(_))
    }

    fn method_arn(&self) -> Option<&str> {
        match self {
            Self::HttpApi(_) => None,
            Self::RestToken(event) => event.method_arn.as_deref(),
            Self::RestRequest(event) => event.method_arn.as_deref(),
        }
    }

    /// The `Authorization` value the event carries.
    fn authorization(&self) -> Result<&str, Error> {
        match self {
            Self::HttpApi(event) => header(&event.headers, None),
            Self::RestToken(event) => event
                .authorization_token
                .as_deref()
                .ok_or(Error::MissingToken),
            Self::RestRequest(event) => header(&event.headers, Some(&event.multi_value_headers)),
        }
    }

    fn respond(&self, user: Option<&User>) -> AuthorizerResponse {
        let context = CallerContext {
            caller: user.map(|user| Caller {
                sub: user.email.clone(),
                email: user.email.clone(),
                name: user.name.clone(),
                created_at: user.created_at.clone(),
                email_verified: user.email_verified,
            }),
        };
        let Some(method_arn) = self.method_arn() else {
            let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
            response.is_authorized = user.is_some();
            response.context = context;
            return AuthorizerResponse::HttpApi(response);
        };
        let mut statement = IamPolicyStatement::default();
        statement.action = vec!["execute-api:Invoke".to_owned()];
        statement.effect = if user.is_some() {
            IamPolicyEffect::Allow
        } else {
            IamPolicyEffect::Deny
        };
        statement.resource = vec![api_wide(method_arn)];
        let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
        policy.version = Some("2012-10-17".to_owned());
        policy.statement = vec![statement];
        let mut response = ApiGatewayCustomAuthorizerResponse::default();
        response.principal_id = Some(user.map_or("anonymous", |user| &user.email).to_owned());
        response.policy_document = policy;
        response.context = context;
        AuthorizerResponse::RestApi(response)
    }
}

/// The event as `T`; a malformed event is a bad request.
fn typed<T: DeserializeOwned>(event: Value) -> Result<T, Error> {
    serde_json::from_value(event).map_err(|error| {
        Error::bad_request(format!("malformed API Gateway authorizer event: {error}"))
    })
}

/// The one `Authorization` header of a REQUEST event. REST events list
/// repeated headers in `multiValueHeaders`; HTTP API events join them with
/// commas, which `bearer_token` refuses.
fn header<'e>(headers: &'e HeaderMap, multi_value: Option<&HeaderMap>) -> Result<&'e str, Error> {
    if multi_value.is_some_and(|multi| multi.get_all(AUTHORIZATION).iter().count() > 1) {
        return Err(Error::invalid_token("more than one Authorization header"));
    }
    match headers.get(AUTHORIZATION) {
        Some(value) => value
            .to_str()
            .map_err(|_| Error::invalid_token("Authorization header is not text")),
        None => Err(Error::MissingToken),
    }
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
    use serde_json::json;

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
                matches!(
                    AuthorizerEvent::read(event.clone()),
                    Err(Error::BadRequest(_))
                ),
                "{event}"
            );
        }
    }
}
