//! Per-account login throttling: five failures lock the email, the lock
//! doubles up to 15 minutes, a success resets it, concurrent failures are
//! all counted, and unknown emails lock exactly like real ones.

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_auth::accounts::{DEFAULT_LOCK_AFTER as FREE_FAILURES, MAX_LOCK_SECS};
use lambda_auth::unix_now;
use serde_json::json;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, event, with_body};

async fn attempt(stack: &Stack, email: &str, password: &str) -> Reply {
    let body = json!({"email": email, "password": password}).to_string();
    stack
        .invoke(
            login::handle,
            &with_body(&event("http-api/login-ok.json"), &body),
        )
        .await
}

async fn fail(stack: &Stack, email: &str, times: u64) {
    for _ in 0..times {
        let reply = attempt(stack, email, "not-the-password").await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
}

fn retry_after(reply: &Reply) -> u64 {
    reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

#[track_caller]
fn assert_locked(reply: &Reply, secs: u64) {
    assert_eq!(reply.status, 429, "{reply:?}");
    reply.assert_well_formed();
    assert_eq!(
        reply.body,
        r#"{"msg":"Too many failed logins, try again later"}"#
    );
    let wait = retry_after(reply);
    assert!(
        (secs - 2..=secs).contains(&wait),
        "Retry-After {wait}, expected about {secs}"
    );
}

/// Ends the current lock early, as time passing would.
async fn expire_lock(stack: &Stack, email: &str) {
    stack
        .client()
        .update_item()
        .table_name(&stack.auth.config.users_table)
        .key("email", AttributeValue::S(email.to_owned()))
        .update_expression("SET locked_until = :past")
        .expression_attribute_values(
            ":past",
            AttributeValue::N((unix_now().unwrap() - 1).to_string()),
        )
        .send()
        .await
        .expect("expire the lock");
}

async fn failed_logins(stack: &Stack, email: &str) -> u64 {
    let item = stack
        .client()
        .get_item()
        .table_name(&stack.auth.config.users_table)
        .key("email", AttributeValue::S(email.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
        .unwrap_or_default();
    item.get("failed_logins")
        .and_then(|count| count.as_n().ok())
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn five_failures_lock_even_the_right_password_out() {
    let stack = Stack::new().await;
    fail(&stack, DEMO_EMAIL, FREE_FAILURES - 1).await;
    // Four failures: not locked yet.
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(
        failed_logins(&stack, DEMO_EMAIL).await,
        0,
        "a success resets the count"
    );

    fail(&stack, DEMO_EMAIL, FREE_FAILURES).await;
    assert_locked(&attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD).await, 30);
    assert_locked(&attempt(&stack, DEMO_EMAIL, "not-the-password").await, 30);
    assert_eq!(
        failed_logins(&stack, DEMO_EMAIL).await,
        FREE_FAILURES,
        "locked attempts are not counted"
    );
}

#[tokio::test]
async fn each_further_failure_doubles_the_lock_up_to_fifteen_minutes() {
    let stack = Stack::new().await;
    fail(&stack, DEMO_EMAIL, FREE_FAILURES).await;
    let mut expected = 30;
    for _ in 0..6 {
        assert_locked(&attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD).await, expected);
        expire_lock(&stack, DEMO_EMAIL).await;
        fail(&stack, DEMO_EMAIL, 1).await;
        expected = (expected * 2).min(MAX_LOCK_SECS);
    }
    assert_locked(
        &attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD).await,
        MAX_LOCK_SECS,
    );

    // After the lock, the right password works and resets everything.
    expire_lock(&stack, DEMO_EMAIL).await;
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(failed_logins(&stack, DEMO_EMAIL).await, 0);
    fail(&stack, DEMO_EMAIL, 1).await;
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
}

#[tokio::test]
async fn unknown_emails_lock_exactly_like_accounts() {
    let stack = Stack::new().await;
    let unknown = "nobody@example.com";
    fail(&stack, DEMO_EMAIL, FREE_FAILURES).await;
    fail(&stack, unknown, FREE_FAILURES).await;
    let known = attempt(&stack, DEMO_EMAIL, "whatever").await;
    let nobody = attempt(&stack, unknown, "whatever").await;
    assert_locked(&known, 30);
    assert_locked(&nobody, 30);
    assert_eq!(known.body, nobody.body);
    let mut known_headers: Vec<&String> = known.headers.keys().collect();
    let mut nobody_headers: Vec<&String> = nobody.headers.keys().collect();
    known_headers.sort();
    nobody_headers.sort();
    assert_eq!(known_headers, nobody_headers);

    // The placeholder is no account: nothing loads it as a user, and signup
    // for that email still works.
    assert!(stack.user(unknown).await.is_none());
    let signup =
        json!({"email": unknown, "password": "now-i-exist-1", "name": "Nobody"}).to_string();
    let reply = stack
        .invoke(
            signup::handle,
            &with_body(&event("http-api/signup-ok.json"), &signup),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    stack.login(unknown, "now-i-exist-1", false).await;
}

#[tokio::test]
async fn fifty_concurrent_failures_are_all_counted() {
    // A lock in the middle would turn later attempts away uncounted; this
    // is about the counting, so the lock comes later than 50. (The test
    // stacks' generous timeouts matter here too: a retried timed-out ADD
    // would count one failure twice.)
    let stack = &Stack::with_env(&[("LOGIN_LOCK_AFTER", "100")]).await;
    let replies = futures_util::future::join_all(
        (0..50).map(|_| attempt(stack, DEMO_EMAIL, "not-the-password")),
    )
    .await;
    assert!(replies.iter().all(|reply| reply.status == 401));
    assert_eq!(
        failed_logins(stack, DEMO_EMAIL).await,
        50,
        "no lost updates"
    );
}

#[tokio::test]
async fn the_lock_threshold_is_configurable() {
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "2")]).await;
    fail(&stack, DEMO_EMAIL, 2).await;
    assert_locked(&attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD).await, 30);
}
