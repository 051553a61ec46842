//! Hostile input against the mail endpoints, in the style of the attack
//! matrix: malformed and oversized bodies, wrong methods, tokens of every
//! other kind, expired and forged link tokens, and garbage on the queue.
//! Every answer is a clean 4xx with a JSON message; none is a 500, and
//! nothing panics.

use serde_json::{Value, json};
use sessionless::tokens::{OpaqueKind, OpaqueToken};
use sessionless_tests::forge::{Forger, access_claims, b64, now, signed, with, without};
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, demo_subject, event, with_body};

const INVALID_LINK: &str = r#"{"msg":"Invalid or expired link"}"#;

/// Each mail endpoint: its event, and the handler it goes to.
async fn send(stack: &Stack, endpoint: &str, body: &str) -> Reply {
    let request = with_body(&event(&format!("http-api/{endpoint}.json")), body);
    match endpoint {
        "password-forgot" | "verify-resend" => stack.invoke(request_link::handle, &request).await,
        "password-reset" => stack.invoke(reset_password::handle, &request).await,
        "verify" => stack.invoke(verify_email::handle, &request).await,
        "signup-ok" => stack.invoke(signup::handle, &request).await,
        other => panic!("no endpoint {other}"),
    }
}

const ENDPOINTS: [&str; 5] = [
    "password-forgot",
    "verify-resend",
    "password-reset",
    "verify",
    "signup-ok",
];

#[track_caller]
fn assert_clean_refusal(reply: &Reply, expected: u16, what: &str) {
    assert_eq!(reply.status, expected, "{what}: {reply:?}");
    reply.assert_well_formed();
    assert!(reply.json()["msg"].is_string(), "{what}: {reply:?}");
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_clean_400s_and_413s() {
    let stack = Stack::with_mail(&[]).await;
    let huge = "x".repeat(20 * 1024);
    let long = "a".repeat(2_000);
    for endpoint in ENDPOINTS {
        for body in [
            "",
            "{",
            "null",
            "[]",
            "7",
            "{} {}",
            "\u{feff}{\"email\": \"a@example.com\"}",
            r#"{"email": 7, "token": 7, "password": 7, "new_password": 7, "name": 7}"#,
            r#"{"email": ["a@example.com"], "token": {"a": 1}}"#,
            r#"{"email": null, "token": null}"#,
            r#"{"email": "not an address", "token": "x", "password": "p", "name": "n", "new_password": "short"}"#,
        ] {
            let reply = send(&stack, endpoint, body).await;
            assert_clean_refusal(&reply, 400, &format!("{endpoint} {body:?}"));
        }
        let oversized = json!({"email": huge, "token": huge, "new_password": huge}).to_string();
        let reply = send(&stack, endpoint, &oversized).await;
        assert_clean_refusal(&reply, 413, &format!("{endpoint} oversized"));
        let long_fields = json!({
            "email": format!("{long}@example.com"),
            "token": long,
            "password": long,
            "new_password": long,
            "name": long,
        })
        .to_string();
        let reply = send(&stack, endpoint, &long_fields).await;
        assert_clean_refusal(&reply, 400, &format!("{endpoint} long fields"));
    }
    // Nothing above queued a mail.
    assert!(stack.run_mailer().await.is_empty());
    assert!(stack.mails().is_empty());
}

#[tokio::test]
async fn wrong_methods_and_paths_are_refused() {
    let stack = Stack::with_mail(&[]).await;
    for endpoint in ENDPOINTS {
        let mut raw: Value =
            serde_json::from_str(&event(&format!("http-api/{endpoint}.json"))).unwrap();
        raw["requestContext"]["http"]["method"] = json!("GET");
        let request = raw.to_string();
        let reply = match endpoint {
            "password-forgot" | "verify-resend" => {
                stack.invoke(request_link::handle, &request).await
            }
            "password-reset" => stack.invoke(reset_password::handle, &request).await,
            "verify" => stack.invoke(verify_email::handle, &request).await,
            _ => stack.invoke(signup::handle, &request).await,
        };
        assert_clean_refusal(&reply, 405, endpoint);
        assert_eq!(reply.header("allow"), Some("POST"), "{endpoint}");
    }
    let mut raw: Value = serde_json::from_str(&event("http-api/password-forgot.json")).unwrap();
    raw["rawPath"] = json!("/password/elsewhere");
    raw["requestContext"]["http"]["path"] = json!("/password/elsewhere");
    let reply = stack.invoke(request_link::handle, &raw.to_string()).await;
    assert_clean_refusal(&reply, 404, "another path");
}

/// Claims of a reset link's token as links were signed before they were
/// opaque, for the demo user bound to `hash`: an access token's, with the
/// link audience and the password fingerprint (`pwh`) for `fresh`.
fn signed_link_claims() -> Value {
    let claims = without(access_claims(), "fresh");
    let claims = with(claims, "aud", json!("sessionless:link"));
    with(claims, "pwh", json!("a-password-fingerprint"))
}

/// A link's token of `kind` for `email`, recorded on the item until
/// `expires_at`, as the mailer records one.
async fn recorded_link(stack: &Stack, kind: OpaqueKind, email: &str, expires_at: u64) -> String {
    let link = OpaqueToken::mint_entry(kind, email).unwrap();
    assert!(
        stack
            .users
            .record_mailed_link(&link, expires_at)
            .await
            .unwrap()
    );
    link.encode()
}

#[tokio::test]
async fn tokens_of_every_other_kind_expired_or_forged_are_invalid_links() {
    let stack = Stack::with_mail(&[]).await;
    stack.set_email_verified(DEMO_EMAIL, false).await;
    let user = stack.user(DEMO_EMAIL).await.unwrap();
    let tokens = &stack.auth.tokens();
    let access = tokens
        .issue_access(demo_subject(0), true, &[], None)
        .await
        .unwrap()
        .token;
    let refresh = tokens
        .issue_refresh(DEMO_EMAIL, None, u64::MAX)
        .unwrap()
        .token
        .encode();
    let device = tokens.issue_device(DEMO_EMAIL).unwrap().token.encode();
    // Each kind's link, the item's own but expired.
    for (kind, endpoint, body) in [
        (
            OpaqueKind::ResetLink,
            "password-reset",
            json!({"new_password": "a-brand-new-password-9012"}),
        ),
        (
            OpaqueKind::VerifyLink,
            "verify",
            json!({"password": DEMO_PASSWORD}),
        ),
    ] {
        let mut body = body;
        body["token"] = json!(recorded_link(&stack, kind, DEMO_EMAIL, now() - 1).await);
        let reply = send(&stack, endpoint, &body.to_string()).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, INVALID_LINK),
            "{kind:?} expired"
        );
    }
    // Each kind's link replaced by a later mail's, never recorded, and for
    // an email without an account; then the live ones.
    let mut refused: Vec<(OpaqueKind, &str, String)> = Vec::new();
    for kind in [OpaqueKind::ResetLink, OpaqueKind::VerifyLink] {
        let replaced = recorded_link(&stack, kind, DEMO_EMAIL, now() + 600).await;
        refused.push((kind, "replaced by a later mail's", replaced));
        let unrecorded = OpaqueToken::mint_entry(kind, DEMO_EMAIL).unwrap();
        refused.push((kind, "never recorded", unrecorded.encode()));
        let stranger = OpaqueToken::mint_entry(kind, "nobody@example.com").unwrap();
        refused.push((kind, "for an email without an account", stranger.encode()));
    }
    let reset = recorded_link(&stack, OpaqueKind::ResetLink, DEMO_EMAIL, now() + 600).await;
    let verification = recorded_link(&stack, OpaqueKind::VerifyLink, DEMO_EMAIL, now() + 600).await;

    // Links as they were signed before they were opaque, genuine or
    // forged: refused whatever they say (the compatibility choice).
    let header = |typ: &str| json!({"alg": "HS256", "typ": typ, "kid": "default"});
    let claims = signed_link_claims();
    let rs256 = Forger::new(jsonwebtoken::Algorithm::RS256);
    let mut foreign_header = rs256.header();
    foreign_header["typ"] = json!("reset+jwt");
    foreign_header["kid"] = json!("default");
    let unsigned = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "reset+jwt", "kid": "default"}).to_string()),
        b64(claims.to_string())
    );
    let mut for_reset: Vec<(&str, String)> = vec![
        ("an access token", access.clone()),
        ("a refresh token", refresh.clone()),
        ("a device token", device.clone()),
        ("a verification link", verification.clone()),
        (
            "a link signed as before",
            signed(header("reset+jwt"), claims.clone()),
        ),
        (
            "signed with another key",
            rs256.signed(foreign_header, claims.clone()),
        ),
        ("alg none", unsigned),
        ("mangled", format!("{reset}x")),
        ("garbage", "not-a-token".to_owned()),
        ("empty", String::new()),
    ];
    let mut for_verify: Vec<(&str, String)> = vec![
        ("an access token", access.clone()),
        ("a refresh token", refresh.clone()),
        ("a device token", device.clone()),
        ("a reset link", reset.clone()),
        (
            "a link signed as before",
            signed(header("verify+jwt"), claims),
        ),
        ("mangled", format!("{verification}x")),
    ];
    for (kind, what, token) in refused {
        match kind {
            OpaqueKind::ResetLink => for_reset.push((what, token)),
            _ => for_verify.push((what, token)),
        }
    }
    for (what, token) in &for_reset {
        let body = json!({"token": token, "new_password": "a-brand-new-password-9012"});
        let reply = send(&stack, "password-reset", &body.to_string()).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, INVALID_LINK),
            "reset with {what}"
        );
    }
    for (what, token) in &for_verify {
        let reply = send(
            &stack,
            "verify",
            &json!({"token": token, "password": DEMO_PASSWORD}).to_string(),
        )
        .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (400, INVALID_LINK),
            "verify with {what}"
        );
    }
    let after = stack.user(DEMO_EMAIL).await.unwrap();
    assert_eq!(after.password_hash, user.password_hash, "no reset happened");
    assert!(!after.email_verified, "no verification happened");

    // Link tokens are no credentials anywhere else.
    for (what, token) in [("reset", &reset), ("verification", &verification)] {
        assert_eq!(
            stack.me(token).await.status,
            401,
            "{what} as an access token"
        );
        assert_eq!(
            stack.refresh(token).await.status,
            401,
            "{what} as a refresh token"
        );
    }
    // As a device token, a login ignores it: the email's lock applies.
    let login = json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "device_token": reset});
    let reply = stack.login_request(&login).await;
    assert_eq!(
        reply.status, 401,
        "unverified, and the password counted: {reply:?}"
    );

    // And the genuine ones still work, once.
    let body = json!({"token": verification, "password": DEMO_PASSWORD});
    assert_eq!(send(&stack, "verify", &body.to_string()).await.status, 200);
    let body = json!({"token": reset, "new_password": "a-brand-new-password-9012"});
    assert_eq!(
        send(&stack, "password-reset", &body.to_string())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn garbage_on_the_queue_is_reported_never_sent_and_never_a_panic() {
    let stack = Stack::with_mail(&[]).await;
    let long = format!("{}@example.com", "a".repeat(100_000));
    for body in [
        String::new(),
        "not json".to_owned(),
        "{}".to_owned(),
        r#"{"kind":"launch_missiles","email":"demo@example.com"}"#.to_owned(),
        r#"{"kind":"password_reset","email":7}"#.to_owned(),
        json!({"kind": "password_reset", "email": long}).to_string(),
    ] {
        let failures = stack.mailer_on(&body).await;
        assert_eq!(
            failures.len(),
            1,
            "reported for a retry, then the DLQ: {body:.80}"
        );
    }
    assert!(stack.mails().is_empty(), "nothing was sent");
    // An email in another form is normalised, as the request functions do.
    let shouting = json!({"kind": "password_reset", "email": " DEMO@EXAMPLE.COM "}).to_string();
    assert!(stack.mailer_on(&shouting).await.is_empty());
    assert_eq!(stack.mails_to(DEMO_EMAIL).len(), 1);
}
