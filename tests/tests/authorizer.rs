//! The API Gateway authorizer: allow and deny for REST API TOKEN and
//! REQUEST events and HTTP API REQUEST (payload 2.0) events, and the
//! example backend behind it.

use serde_json::{Value, json};
use sessionless::Auth;
use sessionless_tests::{DEMO_EMAIL, DEMO_NAME, Stack, demo_subject, event, with_token};

const REST_EVENTS: [&str; 2] = ["authorizer/rest-token.json", "authorizer/rest-request.json"];
const HTTP_API_EVENT: &str = "authorizer/http-api-request.json";
const STAGE_WIDE: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*";

fn assert_allowed(response: &Value, what: &str) {
    if response.get("isAuthorized").is_some() {
        assert_eq!(response["isAuthorized"], true, "{what}: {response}");
    } else {
        assert_eq!(response["principalId"], DEMO_EMAIL, "{what}: {response}");
        let statement = &response["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Allow", "{what}: {response}");
        assert_eq!(statement["Action"], json!(["execute-api:Invoke"]));
        assert_eq!(statement["Resource"], json!([STAGE_WIDE]));
        assert_eq!(response["policyDocument"]["Version"], "2012-10-17");
    }
    let context = &response["context"];
    assert_eq!(context["sub"], DEMO_EMAIL, "{what}");
    assert_eq!(context["email"], DEMO_EMAIL, "{what}");
    assert_eq!(context["name"], DEMO_NAME, "{what}");
    assert!(context["created_at"].is_string(), "{what}");
}

fn assert_denied(response: &Value, what: &str) {
    if response.get("isAuthorized").is_some() {
        assert_eq!(response["isAuthorized"], false, "{what}: {response}");
    } else {
        assert_eq!(response["principalId"], "anonymous", "{what}: {response}");
        let statement = &response["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Deny", "{what}: {response}");
        assert_eq!(statement["Resource"], json!([STAGE_WIDE]));
    }
    assert_eq!(response["context"], json!({}), "{what}: nothing leaks");
}

fn all_events() -> Vec<&'static str> {
    let mut events = REST_EVENTS.to_vec();
    events.push(HTTP_API_EVENT);
    events
}

#[tokio::test]
async fn a_valid_token_is_allowed_with_the_user_in_the_context() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    for file in all_events() {
        let response = stack
            .authorize(&with_token(&event(file), &token))
            .await
            .expect(file);
        assert_allowed(&response, file);
    }
    assert_eq!(stack.operations.take().len(), 3, "one GetItem per decision");
}

#[tokio::test]
async fn bad_tokens_and_retired_users_are_denied() {
    let stack = Stack::new().await;
    for file in all_events() {
        let response = stack.authorize(&event(file)).await.expect(file);
        assert_denied(&response, &format!("{file}: expired sample token"));
    }

    let token = stack.demo_token().await;
    let refresh = stack
        .auth
        .tokens()
        .issue_refresh(DEMO_EMAIL, None, u64::MAX)
        .unwrap()
        .token
        .encode();
    for file in all_events() {
        let response = stack
            .authorize(&with_token(&event(file), &refresh))
            .await
            .expect(file);
        assert_denied(&response, &format!("{file}: a refresh token"));
        let mangled = event(file).replace(
            &format!("Bearer {}", sessionless_tests::SAMPLE_TOKEN),
            &format!("Basic {token}"),
        );
        let response = stack.authorize(&mangled).await.expect(file);
        assert_denied(&response, &format!("{file}: Basic scheme"));
    }

    // Logged out: the authorizer loads the user, so it sees the new version.
    stack.auth.users().retire_tokens(DEMO_EMAIL).await.unwrap();
    for file in all_events() {
        let response = stack
            .authorize(&with_token(&event(file), &token))
            .await
            .expect(file);
        assert_denied(&response, &format!("{file}: after logout"));
    }

    let fresh = stack
        .auth
        .tokens()
        .issue_access(demo_subject(1), true, &[], None)
        .await
        .unwrap()
        .token;
    stack.deactivate(DEMO_EMAIL).await;
    for file in all_events() {
        let response = stack
            .authorize(&with_token(&event(file), &fresh))
            .await
            .expect(file);
        assert_denied(&response, &format!("{file}: inactive user"));
    }
}

#[tokio::test]
async fn missing_or_repeated_authorization_is_denied() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;

    let mut v1: Value =
        serde_json::from_str(&with_token(&event("authorizer/rest-request.json"), &token)).unwrap();
    v1["multiValueHeaders"]["Authorization"] =
        json!([format!("Bearer {token}"), format!("Bearer {token}")]);
    assert_denied(
        &stack.authorize(&v1.to_string()).await.unwrap(),
        "two v1 headers",
    );
    v1["headers"]
        .as_object_mut()
        .unwrap()
        .remove("Authorization");
    v1["multiValueHeaders"]
        .as_object_mut()
        .unwrap()
        .remove("Authorization");
    assert_denied(
        &stack.authorize(&v1.to_string()).await.unwrap(),
        "no v1 header",
    );

    let mut v2: Value = serde_json::from_str(&with_token(&event(HTTP_API_EVENT), &token)).unwrap();
    v2["headers"]["authorization"] = json!(format!("Bearer {token},Bearer {token}"));
    assert_denied(
        &stack.authorize(&v2.to_string()).await.unwrap(),
        "comma-joined v2 headers",
    );
    v2["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    assert_denied(
        &stack.authorize(&v2.to_string()).await.unwrap(),
        "no v2 header",
    );
}

#[tokio::test]
async fn events_that_are_not_authorizer_events_are_errors() {
    let stack = Stack::new().await;
    for event in [
        "{}",
        r#"{"type": "TOKEN"}"#,
        &sessionless_tests::event("http-api/me-header-token.json"),
    ] {
        assert!(stack.authorize(event).await.is_err(), "{event}");
    }
}

#[tokio::test]
async fn an_outage_fails_the_invocation_instead_of_denying() {
    let stack = Stack::with_env(&[("DYNAMODB_OPERATION_TIMEOUT_MS", "500")]).await;
    let token = stack.demo_token().await;
    let unreachable = stack.with_dynamodb_endpoint("http://127.0.0.1:1").await;
    let result = unreachable
        .authorize(&with_token(&event(HTTP_API_EVENT), &token))
        .await;
    assert!(
        matches!(result, Err(sessionless::Error::AwsUnavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_example_backend_greets_the_authorized_user() {
    let stack = Stack::new().await;
    let reply = stack
        .invoke(
            |_: &Auth, request| hello::handle(request),
            &event("http-api/hello-authorized.json"),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"msg": "Hello, Demo User!", "email": DEMO_EMAIL})
    );
    // Deployed without the authorizer, it refuses instead of guessing.
    let mut unprotected: Value =
        serde_json::from_str(&event("http-api/hello-authorized.json")).unwrap();
    unprotected["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    let reply = stack
        .invoke(
            |_: &Auth, request| hello::handle(request),
            &unprotected.to_string(),
        )
        .await;
    assert_eq!(reply.status, 401, "{reply:?}");
}

#[tokio::test]
async fn behind_api_gateways_jwt_authorizer_the_backend_greets_the_verified_subject() {
    let stack = Stack::new().await;
    let reply = stack
        .invoke(
            |_: &Auth, request| hello::handle(request),
            &event("http-api/hello-jwt.json"),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json(),
        json!({"msg": format!("Hello, {DEMO_EMAIL}!"), "email": DEMO_EMAIL})
    );
}
