//! `examples/axum-backend`, a team's own API on lambda_http and axum: its
//! `GET /whoami` loads the user in process through the `CurrentUser`
//! extractor, and refuses every request `/me` refuses, with `/me`'s very
//! answer.

use sessionless_tests::{DEMO_EMAIL, DEMO_NAME, Reply, Stack, event, with_body, with_token};

/// The template serves it on the HTTP API (payload 2.0); behind a REST
/// API, lambda_http would put the stage in the path (see the example's
/// docs).
const EVENT_KINDS: [&str; 1] = ["http-api"];

const WHOAMI_EVENTS: [&str; 2] = ["whoami-header-token.json", "whoami-body-token.json"];

/// The app as its `main` builds it, on the stack's table and keys.
async fn app(stack: &Stack) -> axum::Router {
    axum_backend::app(stack.shared_auth().await)
}

/// `/whoami` and `/me` sent the same request: `edit` applied to the
/// `kind` event of each that carries its token in `place` (`header` or
/// `body`). Both replies.
async fn both(
    stack: &Stack,
    kind: &str,
    place: &str,
    edit: impl Fn(String) -> String,
) -> (Reply, Reply) {
    let whoami = edit(event(&format!("{kind}/whoami-{place}-token.json")));
    let me = edit(event(&format!("{kind}/me-{place}-token.json")));
    (
        stack.invoke_app(app(stack).await, &whoami).await,
        stack.invoke(me::handle, &me).await,
    )
}

/// Without its `Authorization` header.
fn without_header(event: String) -> String {
    let mut event: serde_json::Value = serde_json::from_str(&event).unwrap();
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    event.to_string()
}

#[tokio::test]
async fn a_live_token_in_the_header_or_the_body_gives_the_user() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    for kind in EVENT_KINDS {
        for file in WHOAMI_EVENTS {
            let request = with_token(&event(&format!("{kind}/{file}")), &token);
            let reply = stack.invoke_app(app(&stack).await, &request).await;
            assert_eq!(reply.status, 200, "{kind}/{file}: {reply:?}");
            assert_eq!(
                reply.json(),
                serde_json::json!({"email": DEMO_EMAIL, "name": DEMO_NAME}),
                "{kind}/{file}"
            );
        }
    }
}

#[tokio::test]
async fn the_user_is_loaded_in_process_with_one_get_item() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    for file in WHOAMI_EVENTS {
        let request = with_token(&event(&format!("http-api/{file}")), &token);
        let reply = stack.invoke_app(app(&stack).await, &request).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(stack.operations.take(), ["GetItem"], "{file}");
    }
}

/// No token, a mangled one, a logged-out one and a deactivated user's: a
/// 401, header and body exactly as `/me` answers, and the handler never
/// runs.
#[tokio::test]
async fn every_token_me_refuses_is_refused_with_mes_answer() {
    let stack = Stack::new().await;
    let logged_out = stack.demo_token().await;
    let request = with_token(&event("http-api/logout.json"), &logged_out);
    let reply = stack.invoke(logout::handle, &request).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let live = stack.demo_token().await;
    let mangled = format!("{}x", &live[..live.len() - 1]);
    let cases = [
        ("mangled", mangled),
        ("logged out", logged_out),
        ("not a JWT", "not-a-token".to_owned()),
    ];
    for kind in EVENT_KINDS {
        for (case, token) in &cases {
            for place in ["header", "body"] {
                let (whoami, me) = both(&stack, kind, place, |e| with_token(&e, token)).await;
                assert_same_refusal(&whoami, &me, &format!("{kind} {place} {case}"));
            }
        }
    }

    // No token at all: the header gone, and no body.
    let (whoami, me) = both(&stack, "http-api", "header", without_header).await;
    assert_same_refusal(&whoami, &me, "no token");
    assert_eq!(whoami.header("www-authenticate"), Some("Bearer"));

    // A deactivated user's live token.
    stack.deactivate(DEMO_EMAIL).await;
    for place in ["header", "body"] {
        let (whoami, me) = both(&stack, "http-api", place, |e| with_token(&e, &live)).await;
        assert_same_refusal(&whoami, &me, &format!("{place} deactivated"));
    }
}

#[track_caller]
fn assert_same_refusal(whoami: &Reply, me: &Reply, case: &str) {
    assert_eq!(whoami.status, 401, "{case}: {whoami:?}");
    assert_eq!(
        (
            whoami.status,
            &whoami.body,
            whoami.header("www-authenticate")
        ),
        (me.status, &me.body, me.header("www-authenticate")),
        "{case}: /whoami and /me answer alike"
    );
    whoami.assert_well_formed();
}

/// A body that could carry the token but is no JSON object, or two
/// different tokens: `/me`'s 400, even beside a live header token.
#[tokio::test]
async fn bodies_me_refuses_are_refused_with_mes_answer() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let other = stack.demo_token().await;
    let different = serde_json::json!({"access_token": other}).to_string();
    for body in [
        "[null, null]",
        "\"a string\"",
        "{not json",
        " ",
        different.as_str(),
    ] {
        let edit = |e: String| with_body(&with_token(&e, &token), body);
        let (whoami, me) = both(&stack, "http-api", "header", edit).await;
        assert_eq!(whoami.status, 400, "{body}: {whoami:?}");
        assert_eq!(
            (whoami.status, &whoami.body),
            (me.status, &me.body),
            "{body}"
        );
        whoami.assert_well_formed();
    }
}

#[tokio::test]
async fn other_methods_and_paths_are_refused_as_the_functions_refuse_them() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    let request = with_token(&event("http-api/whoami-header-token.json"), &token);
    let mut delete: serde_json::Value = serde_json::from_str(&request).unwrap();
    delete["requestContext"]["http"]["method"] = "DELETE".into();
    let reply = stack
        .invoke_app(app(&stack).await, &delete.to_string())
        .await;
    assert_eq!(reply.status, 405, "{reply:?}");
    assert_eq!(reply.header("allow"), Some("GET"));
    reply.assert_well_formed();

    let mut elsewhere: serde_json::Value = serde_json::from_str(&request).unwrap();
    elsewhere["rawPath"] = "/whoami/else".into();
    elsewhere["requestContext"]["http"]["path"] = "/whoami/else".into();
    let reply = stack
        .invoke_app(app(&stack).await, &elsewhere.to_string())
        .await;
    assert_eq!(reply.status, 404, "{reply:?}");
    reply.assert_well_formed();
}
