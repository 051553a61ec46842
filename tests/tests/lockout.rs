//! Per-account login throttling: five failures lock the email, the lock
//! doubles up to 15 minutes, a success resets it, concurrent failures are
//! all counted, and unknown emails lock exactly like real ones. A burst of
//! concurrent guesses gets no more tries than the lock allows, failures are
//! forgotten after the window, and `/password` counts into the same lock.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use sessionless::accounts::{DEFAULT_LOCK_AFTER as FREE_FAILURES, MAX_LOCK_SECS};
use sessionless::unix_now;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, event, with_body, with_token};

async fn attempt(stack: &Stack, email: &str, password: &str) -> Reply {
    stack
        .login_request(&json!({"email": email, "password": password}))
        .await
}

async fn fail(stack: &Stack, email: &str, times: u64) {
    for _ in 0..times {
        let reply = attempt(stack, email, "not-the-password").await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
}

/// Ends the current lock early, as time passing would.
async fn expire_lock(stack: &Stack, email: &str) {
    stack
        .edit_item(email)
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
    let item = stack.raw_item(email).await.unwrap_or_default();
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
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(30);
    attempt(&stack, DEMO_EMAIL, "not-the-password")
        .await
        .assert_locked(30);
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
        attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
            .await
            .assert_locked(expected);
        expire_lock(&stack, DEMO_EMAIL).await;
        fail(&stack, DEMO_EMAIL, 1).await;
        expected = (expected * 2).min(MAX_LOCK_SECS);
    }
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(MAX_LOCK_SECS);

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
    known.assert_locked(30);
    nobody.assert_locked(30);
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
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(30);
}

/// `size` wrong logins for the demo user at once ([`Stack::login_burst`]).
async fn burst(stack: &Stack, size: usize) -> (usize, usize) {
    let body = json!({"email": DEMO_EMAIL, "password": "not-the-password"});
    stack.login_burst(size, &body).await
}

#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_tries_than_the_lock_allows() {
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "5")]).await;
    let (tried, _) = burst(&stack, 20).await;
    assert_eq!(tried, 5, "the attempts below the lock, and the one at it");
    // As long as the fifth failure's lock, whichever racer's write landed.
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(30);
    // The second the lock ends, a burst gets the one guess the next lock
    // allows, not one per request that read the lock before it was written.
    expire_lock(&stack, DEMO_EMAIL).await;
    let (tried, _) = burst(&stack, 20).await;
    assert_eq!(tried, 1, "one guess per lock");
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(60);
}

/// Moves the demo user's or a placeholder's failures `secs` into the past,
/// as waiting would.
async fn age_failures(stack: &Stack, email: &str, secs: u64) {
    let now = unix_now().unwrap();
    let day = stack.auth.config().lockout.failure_window.as_secs();
    stack
        .edit_item(email)
        .update_expression("SET locked_until = :lock_end, failures_expire_at = :window_end")
        .expression_attribute_values(
            ":lock_end",
            AttributeValue::N((now - secs + 30).to_string()),
        )
        .expression_attribute_values(
            ":window_end",
            AttributeValue::N((now - secs + day).to_string()),
        )
        .send()
        .await
        .expect("age the failures");
}

#[tokio::test]
async fn failures_are_forgotten_after_the_window_on_accounts_and_placeholders_alike() {
    let stack = Stack::new().await;
    let unknown = "nobody@example.com";
    for email in [DEMO_EMAIL, unknown] {
        fail(&stack, email, FREE_FAILURES).await;
        // Two days later, with a one-day window: the count starts again.
        age_failures(&stack, email, 2 * 86_400).await;
        fail(&stack, email, 1).await;
        assert_eq!(failed_logins(&stack, email).await, 1, "{email}");
        let reply = attempt(&stack, email, "not-the-password").await;
        assert_eq!(
            reply.status, 401,
            "{email}: no lock after one failure: {reply:?}"
        );
    }
}

#[tokio::test]
async fn wrong_current_passwords_count_into_the_login_lockout() {
    let stack = Stack::new().await;
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let change = |old: &str| {
        let body = json!({"old_password": old, "new_password": "a-better-password-4321"});
        with_body(
            &with_token(&event("http-api/password-change.json"), &fresh),
            &body.to_string(),
        )
    };
    for _ in 0..FREE_FAILURES {
        let reply = stack
            .invoke(password::handle, &change("a-wrong-guess"))
            .await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(reply.body, r#"{"msg":"Wrong password"}"#);
    }
    let reply = stack
        .invoke(password::handle, &change("a-wrong-guess"))
        .await;
    reply.assert_locked(30);
    // The right password too, and logins: it is the same lock.
    stack
        .invoke(password::handle, &change(DEMO_PASSWORD))
        .await
        .assert_locked(30);
    attempt(&stack, DEMO_EMAIL, DEMO_PASSWORD)
        .await
        .assert_locked(30);
}

/// Review 2 (informational): `POST /password` whose new password is the
/// old one, sent with the right old password, leaves no counted attempt:
/// the check matched, so the reservation is taken back, as a matching
/// password's would be.
#[tokio::test]
async fn a_password_change_to_the_same_password_counts_no_attempt() {
    let stack = Stack::new().await;
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let body = json!({"old_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD});
    let request = with_body(
        &with_token(&event("http-api/password-change.json"), &fresh),
        &body.to_string(),
    );
    let reply = stack.invoke(password::handle, &request).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(failed_logins(&stack, DEMO_EMAIL).await, 0);
}
