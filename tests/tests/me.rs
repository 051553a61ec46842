//! `me`, the protected endpoint, against the local DynamoDB-compatible
//! server, fed with the `events/` files through the production event path.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use sessionless_tests::{DEMO_EMAIL, DEMO_NAME, EVENT_KINDS, Stack, event, with_body, with_token};

const ME_EVENTS: [&str; 2] = ["me-header-token.json", "me-body-token.json"];

#[tokio::test]
async fn header_and_body_tokens_return_the_profile() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    for kind in EVENT_KINDS {
        for file in ME_EVENTS {
            let reply = stack
                .invoke(
                    me::handle,
                    &with_token(&event(&format!("{kind}/{file}")), &token),
                )
                .await;
            assert_eq!(reply.status, 200, "{kind}/{file}: {reply:?}");
            reply.assert_well_formed();
            let body = reply.json();
            let fields: Vec<&String> = body.as_object().expect("object").keys().collect();
            assert_eq!(
                fields,
                ["created_at", "email", "email_verified", "mfa", "name"],
                "only the public profile"
            );
            assert_eq!(
                body["mfa"],
                json!({"totp": false, "recovery_codes_left": 0}),
                "an item without the second factor's attributes has none"
            );
            assert_eq!(body["email"], DEMO_EMAIL);
            assert_eq!(body["name"], DEMO_NAME);
            assert!(time_is_rfc3339(body["created_at"].as_str().unwrap()));
        }
    }
}

fn time_is_rfc3339(text: &str) -> bool {
    text.len() >= 20 && text.as_bytes()[4] == b'-' && text.contains('T')
}

#[tokio::test]
async fn a_protected_request_costs_exactly_one_get_item() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    for file in ME_EVENTS {
        let reply = stack
            .invoke(
                me::handle,
                &with_token(&event(&format!("http-api/{file}")), &token),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(stack.operations.take(), ["GetItem"], "{file}");
    }
}

#[tokio::test]
async fn the_profile_is_loaded_on_every_call() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let request = with_token(&event("http-api/me-header-token.json"), &token);
    assert_eq!(stack.invoke(me::handle, &request).await.status, 200);

    stack.deactivate(DEMO_EMAIL).await;
    let reply = stack.invoke(me::handle, &request).await;
    assert_eq!(reply.status, 401, "inactive user: {reply:?}");
    assert_eq!(reply.json()["msg"], "Invalid or expired token");

    stack.delete(DEMO_EMAIL).await;
    let reply = stack.invoke(me::handle, &request).await;
    assert_eq!(reply.status, 401, "deleted user: {reply:?}");
    assert_eq!(reply.json()["msg"], "Invalid or expired token");
}

#[tokio::test]
async fn the_committed_sample_token_is_expired() {
    let stack = Stack::new().await;
    for kind in EVENT_KINDS {
        for file in ME_EVENTS {
            let reply = stack
                .invoke(me::handle, &event(&format!("{kind}/{file}")))
                .await;
            assert_eq!(reply.status, 401, "{kind}/{file}: {reply:?}");
            reply.assert_well_formed();
            assert_eq!(reply.body, r#"{"msg":"Invalid or expired token"}"#);
            assert_eq!(
                reply.header("www-authenticate"),
                Some(r#"Bearer error="invalid_token""#)
            );
        }
    }
}

#[tokio::test]
async fn no_token_is_a_401_with_a_bare_challenge() {
    let stack = Stack::new().await;
    for kind in EVENT_KINDS {
        let reply = stack
            .invoke(
                me::handle,
                &with_body(&event(&format!("{kind}/me-body-token.json")), "{}"),
            )
            .await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(reply.body, r#"{"msg":"Missing access token"}"#);
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
}

#[tokio::test]
async fn malformed_authorization_headers_are_401s() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let base = event("http-api/me-header-token.json");
    for header in [
        format!("Basic {token}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer  {token}"),
        format!("Bearer {token}, Bearer {token}"),
        token.clone(),
    ] {
        let mut raw: serde_json::Value = serde_json::from_str(&base).unwrap();
        raw["headers"]["authorization"] = header.clone().into();
        let reply = stack.invoke(me::handle, &raw.to_string()).await;
        assert_eq!(reply.status, 401, "{header:?}: {reply:?}");
        assert_eq!(
            reply.json()["msg"],
            "Invalid or expired token",
            "{header:?}"
        );
    }
    // The scheme is case-insensitive (RFC 7235).
    let mut raw: serde_json::Value = serde_json::from_str(&base).unwrap();
    raw["headers"]["authorization"] = format!("bearer {token}").into();
    assert_eq!(stack.invoke(me::handle, &raw.to_string()).await.status, 200);
}

#[tokio::test]
async fn token_locations_are_honoured() {
    let headers_only = Stack::with_env(&[("TOKEN_LOCATIONS", "headers")]).await;
    let token = headers_only.demo_token().await;
    let body_request = with_token(&event("http-api/me-body-token.json"), &token);
    let header_request = with_token(&event("http-api/me-header-token.json"), &token);
    assert_eq!(
        headers_only
            .invoke(me::handle, &header_request)
            .await
            .status,
        200
    );
    let reply = headers_only.invoke(me::handle, &body_request).await;
    assert_eq!(
        (reply.status, reply.json()["msg"].clone()),
        (401, "Missing access token".into())
    );

    let json_only = Stack::with_env(&[("TOKEN_LOCATIONS", "json")]).await;
    let token = json_only.demo_token().await;
    let body_request = with_token(&event("http-api/me-body-token.json"), &token);
    let header_request = with_token(&event("http-api/me-header-token.json"), &token);
    assert_eq!(
        json_only.invoke(me::handle, &body_request).await.status,
        200
    );
    let reply = json_only.invoke(me::handle, &header_request).await;
    assert_eq!(
        (reply.status, reply.json()["msg"].clone()),
        (401, "Missing access token".into())
    );
}

#[tokio::test]
async fn header_and_body_must_agree() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let other = stack.demo_token().await;
    assert_ne!(token, other, "every token has its own jti");
    let mut raw: serde_json::Value =
        serde_json::from_str(&with_token(&event("http-api/me-body-token.json"), &token)).unwrap();
    raw["headers"]["authorization"] = format!("Bearer {token}").into();
    assert_eq!(stack.invoke(me::handle, &raw.to_string()).await.status, 200);

    raw["headers"]["authorization"] = format!("Bearer {other}").into();
    let reply = stack.invoke(me::handle, &raw.to_string()).await;
    assert_eq!(reply.status, 400, "{reply:?}");
}

/// A body is optional here, as the token may come in the header; but a
/// body that is sent must be JSON, and white space alone is not.
#[tokio::test]
async fn a_body_of_white_space_is_not_json() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let header_token = with_token(&event("http-api/me-header-token.json"), &token);
    let reply = stack
        .invoke(me::handle, &with_body(&header_token, ""))
        .await;
    assert_eq!(reply.status, 200, "an empty body is no body: {reply:?}");
    for body in ["\u{c}", " ", "\n\t"] {
        let reply = stack
            .invoke(me::handle, &with_body(&header_token, body))
            .await;
        assert_eq!(
            (reply.status, reply.json()["msg"].as_str()),
            (400, Some("Request body is not valid JSON")),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn non_string_body_token_is_a_401() {
    let stack = Stack::new().await;
    for body in [r#"{"access_token": 1}"#, r#"{"access_token": ["a.b.c"]}"#] {
        let reply = stack
            .invoke(
                me::handle,
                &with_body(&event("http-api/me-body-token.json"), body),
            )
            .await;
        assert_eq!(reply.status, 401, "{body}: {reply:?}");
    }
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_503() {
    let stack = Stack::with_env(&[("DYNAMODB_OPERATION_TIMEOUT_MS", "500")]).await;
    let token = stack.demo_token().await;
    let unreachable = stack.with_dynamodb_endpoint("http://127.0.0.1:1").await;
    let reply = unreachable
        .invoke(
            me::handle,
            &with_token(&event("http-api/me-header-token.json"), &token),
        )
        .await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(!reply.body.contains("127.0.0.1"));
}

/// `mfa` is read off the item as loaded: TOTP on from `totp_enabled_at`,
/// and the recovery codes left counted in the string set of their hashes.
#[tokio::test]
async fn the_profile_says_which_second_factors_the_account_has() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let hashes = [
        "0A1B-2C3D-4E5F-6G7H",
        "1A1B-2C3D-4E5F-6G7H",
        "2A1B-2C3D-4E5F-6G7H",
    ]
    .map(|code| sessionless::mfa::recovery_code_hash(code).unwrap());
    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("SET totp_enabled_at = :at, recovery_codes = :codes")
        .expression_attribute_values(":at", AttributeValue::N("1765000000".into()))
        .expression_attribute_values(":codes", AttributeValue::Ss(hashes.to_vec()))
        .send()
        .await
        .unwrap();
    let reply = stack.me(&token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.json()["mfa"],
        json!({"totp": true, "recovery_codes_left": 3})
    );
}
