//! Tokens and items from before refresh, device and link tokens were
//! opaque (signed JWTs, `typ: rt+jwt`, `dt+jwt`, `reset+jwt` and
//! `verify+jwt`, whose ids the item kept): the choice docs/api.md
//! documents is a one-time login, or a new link. An old refresh token is
//! refused; an old device token is ignored, and its login hands out an
//! opaque one; an old link is an invalid link, and asking again mails one
//! that works; items that still record old families and device entries
//! load, and their owners log in and refresh as anyone.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use sessionless::unix_now;
use sessionless_tests::forge::{access_claims, signed, with, without};
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Stack};

/// A refresh token as a login used to hand it out: signed with the
/// stack's key, of family `family`.
fn old_refresh_token(family: &str) -> String {
    let claims = with(without(access_claims(), "fresh"), "fam", json!(family));
    signed(
        json!({"alg": "HS256", "typ": "rt+jwt", "kid": "default"}),
        claims,
    )
}

/// A device token as a login used to hand it out.
fn old_device_token() -> String {
    signed(
        json!({"alg": "HS256", "typ": "dt+jwt", "kid": "default"}),
        without(access_claims(), "fresh"),
    )
}

/// Writes on the demo user's item what a login used to record: a family
/// whose current token is `jti`, and the lockout entry of an old device.
async fn record_old_state(stack: &Stack, family: &str, jti: &str) {
    let now = unix_now().unwrap();
    let old_family = AttributeValue::M(
        [
            ("jti".to_owned(), AttributeValue::S(jti.to_owned())),
            (
                "exp".to_owned(),
                AttributeValue::N((now + 3600).to_string()),
            ),
            ("started_at".to_owned(), AttributeValue::N(now.to_string())),
        ]
        .into(),
    );
    let old_lockout = AttributeValue::M(
        [
            (
                "failed_logins".to_owned(),
                AttributeValue::N("1".to_owned()),
            ),
            (
                "failures_expire_at".to_owned(),
                AttributeValue::N((now + 3600).to_string()),
            ),
        ]
        .into(),
    );
    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("SET refresh_families = :families, device_lockouts = :lockouts")
        .expression_attribute_values(
            ":families",
            AttributeValue::M([(family.to_owned(), old_family)].into()),
        )
        .expression_attribute_values(
            ":lockouts",
            AttributeValue::M([("0123456789abcdef".to_owned(), old_lockout)].into()),
        )
        .send()
        .await
        .expect("write the old state");
}

#[tokio::test]
async fn an_old_refresh_token_is_refused_once_and_a_login_makes_an_opaque_one() {
    let stack = Stack::new().await;
    record_old_state(&stack, "old-family", "0123456789abcdef").await;
    let old = old_refresh_token("old-family");
    let reply = stack.refresh(&old).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Invalid or expired token"}"#)
    );
    // The item with the old family loads; the login goes on as ever.
    let (access, refresh) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    assert_eq!(stack.me(&access).await.status, 200);
    let refresh = refresh.expect("remembered");
    assert!(refresh.starts_with("srt1."), "{refresh}");
    assert_eq!(stack.refresh(&refresh).await.status, 200);
    let families = stack.refresh_families(DEMO_EMAIL).await;
    assert!(
        families["old-family"].token_hash.is_none(),
        "the old family stays until it expires, matching no token"
    );
}

#[tokio::test]
async fn an_old_device_token_is_ignored_and_its_login_hands_out_an_opaque_one() {
    let stack = Stack::new().await;
    record_old_state(&stack, "old-family", "0123456789abcdef").await;
    let body = json!({
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "device_token": old_device_token(),
    });
    let reply = stack.login_request(&body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let device = reply.json()["device_token"].as_str().unwrap().to_owned();
    assert!(device.starts_with("sdt1."), "{device}");
    // The old device's lockout entry was left alone: the login was held by
    // the email's lock, as without a device token.
    let user = stack.user(DEMO_EMAIL).await.unwrap();
    assert!(
        user.device_lockouts
            .unwrap()
            .contains_key("0123456789abcdef")
    );
    assert_eq!(user.devices.map(|devices| devices.len()), Some(1));
}

/// A link's token as the mailer used to sign it, genuine in every claim
/// for the demo user: `typ`, the link audience, and for a reset the
/// fingerprint of the password hash it was bound to (`pwh`).
fn old_link_token(typ: &str, password_hash: Option<&str>) -> String {
    let mut claims = with(
        without(access_claims(), "fresh"),
        "aud",
        json!("sessionless:link"),
    );
    if let Some(hash) = password_hash {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, hash.as_bytes());
        let fingerprint = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            digest.as_ref(),
        );
        claims = with(claims, "pwh", json!(fingerprint));
    }
    signed(
        json!({"alg": "HS256", "typ": typ, "kid": "default"}),
        claims,
    )
}

#[tokio::test]
async fn an_old_signed_link_is_an_invalid_link_and_asking_again_mails_one_that_works() {
    let stack = Stack::with_mail(&[]).await;
    stack.set_email_verified(DEMO_EMAIL, false).await;
    let user = stack.user(DEMO_EMAIL).await.unwrap();
    let invalid = (400, r#"{"msg":"Invalid or expired link"}"#);
    let old_reset = old_link_token("reset+jwt", user.password_hash.as_deref());
    let reply = stack
        .reset_password(&old_reset, "a-brand-new-password-9012")
        .await;
    assert_eq!((reply.status, reply.body.as_str()), invalid);
    let old_verify = old_link_token("verify+jwt", None);
    let reply = stack.verify(&old_verify, DEMO_PASSWORD).await;
    assert_eq!((reply.status, reply.body.as_str()), invalid);
    let after = stack.user(DEMO_EMAIL).await.unwrap();
    assert_eq!(after.password_hash, user.password_hash);
    assert!(!after.email_verified);

    assert_eq!(stack.resend(DEMO_EMAIL).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    let link = stack.mails_to(DEMO_EMAIL).last().unwrap().token();
    assert_eq!(stack.verify(&link, DEMO_PASSWORD).await.status, 200);
}
