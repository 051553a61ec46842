//! Device tokens (the security review's finding 2): whoever knows an email
//! can keep it locked, but not against its owner. Every login hands out a
//! device token; a login that presents one of the same account is held by
//! that device's own lockout instead of the email's.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use sessionless::accounts::{
    DEFAULT_LOCK_AFTER as FREE_FAILURES, MAX_DEVICE_LOCKOUTS, MAX_DEVICES,
};
use sessionless::tokens::{OpaqueKind, OpaqueToken};
use sessionless::unix_now;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, event, with_body, with_token};

const WRONG: &str = "not-the-password";
const NEW_PASSWORD: &str = "a-new-password-5678";

/// Logs the demo user in with the right password; returns the device
/// token the login handed out.
async fn device_token(stack: &Stack) -> String {
    let reply = login(stack, DEMO_PASSWORD, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    device_token_of(&reply)
}

fn device_token_of(reply: &Reply) -> String {
    reply.json()["device_token"]
        .as_str()
        .expect("every login hands out a device_token")
        .to_owned()
}

async fn login(stack: &Stack, password: &str, device_token: Option<&str>) -> Reply {
    let mut body = json!({"email": DEMO_EMAIL, "password": password});
    if let Some(token) = device_token {
        body["device_token"] = json!(token);
    }
    stack.login_request(&body).await
}

/// Fails `times` logins with a wrong password, each answered 401.
async fn fail(stack: &Stack, device_token: Option<&str>, times: u64) {
    for _ in 0..times {
        let reply = login(stack, WRONG, device_token).await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
}

/// The id a device token's lockout entry is kept under.
fn device_id(_stack: &Stack, token: &str) -> String {
    OpaqueToken::parse(OpaqueKind::Device, token)
        .expect("a device token")
        .id()
        .to_owned()
}

/// Sets `field` of `device_token`'s lockout entry to a second ago, as
/// waiting would.
async fn move_into_the_past(stack: &Stack, device_token: &str, field: &str) {
    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("SET device_lockouts.#device.#field = :past")
        .expression_attribute_names("#device", device_id(stack, device_token))
        .expression_attribute_names("#field", field)
        .expression_attribute_values(
            ":past",
            AttributeValue::N((unix_now().unwrap() - 1).to_string()),
        )
        .send()
        .await
        .expect("edit the device's entry");
}

async fn device_lockouts(stack: &Stack) -> usize {
    let user = stack.user(DEMO_EMAIL).await.expect("the demo user");
    user.device_lockouts.map_or(0, |map| map.len())
}

#[tokio::test]
async fn an_attacker_who_locks_the_email_does_not_lock_out_its_owner() {
    let stack = Stack::new().await;
    let owners = device_token(&stack).await;
    // Anyone who knows the email locks it.
    fail(&stack, None, FREE_FAILURES).await;
    login(&stack, DEMO_PASSWORD, None).await.assert_locked(30);

    // The owner's device is not held by that lock.
    let reply = login(&stack, DEMO_PASSWORD, Some(&owners)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(stack.me(&access).await.status, 200);
    assert_eq!(
        device_token_of(&reply),
        owners,
        "a login with a live device token keeps it rather than minting another"
    );
    // The owner's success does not lift the attacker's lock.
    login(&stack, DEMO_PASSWORD, None).await.assert_locked(30);
}

#[tokio::test]
async fn a_device_has_a_lock_of_its_own_that_a_success_clears() {
    let stack = Stack::new().await;
    let device = device_token(&stack).await;
    fail(&stack, Some(&device), FREE_FAILURES - 1).await;
    let reply = login(&stack, DEMO_PASSWORD, Some(&device)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        device_lockouts(&stack).await,
        0,
        "a success clears the entry"
    );

    fail(&stack, Some(&device), FREE_FAILURES).await;
    // The device is locked, the right password too...
    login(&stack, DEMO_PASSWORD, Some(&device))
        .await
        .assert_locked(30);
    // ...but not the email: the device's failures were its own.
    assert_eq!(login(&stack, DEMO_PASSWORD, None).await.status, 200);
    // Nor another device of the same account.
    let other = device_token(&stack).await;
    assert_eq!(login(&stack, DEMO_PASSWORD, Some(&other)).await.status, 200);

    // The lock doubles with the next failure after it, as the email's does.
    move_into_the_past(&stack, &device, "locked_until").await;
    fail(&stack, Some(&device), 1).await;
    login(&stack, DEMO_PASSWORD, Some(&device))
        .await
        .assert_locked(60);
}

#[tokio::test]
async fn a_burst_from_one_device_gets_no_more_tries_than_its_lock_allows() {
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "5")]).await;
    let device = device_token(&stack).await;
    let body = json!({"email": DEMO_EMAIL, "password": WRONG, "device_token": device});
    let (tried, _) = stack.login_burst(20, &body).await;
    assert_eq!(tried, 5, "the attempts below the lock, and the one at it");
    login(&stack, DEMO_PASSWORD, Some(&device))
        .await
        .assert_locked(30);
}

#[tokio::test]
async fn only_a_device_token_of_this_very_account_escapes_the_email_lock() {
    let stack = Stack::new().await;
    let access = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await.0;
    let other_email = "other@example.com";
    stack.add_user(other_email, DEMO_PASSWORD, true).await;
    let other_reply = stack
        .login_request(&json!({"email": other_email, "password": DEMO_PASSWORD}))
        .await;
    let others = device_token_of(&other_reply);
    let before_recreation = device_token(&stack).await;
    stack.delete(DEMO_EMAIL).await;
    stack.add_user(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let mangled = format!("{}x", device_token(&stack).await);

    fail(&stack, None, FREE_FAILURES).await;
    for (what, token) in [
        ("another account's device token", others.as_str()),
        (
            "the device token of the deleted account",
            &before_recreation,
        ),
        ("an access token", &access),
        ("a mangled device token", &mangled),
        ("not a token", "device"),
    ] {
        let reply = login(&stack, DEMO_PASSWORD, Some(token)).await;
        assert_eq!(reply.status, 429, "{what}: {reply:?}");
    }
    let reply = stack
        .login_request(&json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "device_token": 7}))
        .await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.body, r#"{"msg":"`device_token` must be a string"}"#);
}

#[tokio::test]
async fn a_device_token_opens_nothing_else() {
    let stack = Stack::new().await;
    let device = device_token(&stack).await;
    assert_eq!(stack.me(&device).await.status, 401, "not an access token");
    assert_eq!(
        stack.refresh(&device).await.status,
        401,
        "not a refresh token"
    );
}

#[tokio::test]
async fn the_devices_an_account_keeps_are_bounded() {
    // A threshold whose device ceiling (twice it) is above one failure on
    // each of the devices an account keeps.
    let lock_after = (MAX_DEVICE_LOCKOUTS as u64) / 2 + 1;
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", &lock_after.to_string())]).await;
    let mut devices = Vec::new();
    for _ in 0..=MAX_DEVICES {
        devices.push(device_token(&stack).await);
    }
    let kept = stack
        .user(DEMO_EMAIL)
        .await
        .expect("the demo user")
        .devices
        .unwrap_or_default();
    assert_eq!(kept.len(), MAX_DEVICES);
    // One of the devices whose tokens expire first (all of them, within
    // this second) was dropped to make room for the last.
    let (dropped, trusted): (Vec<&String>, Vec<&String>) = devices
        .iter()
        .partition(|device| !kept.contains_key(&device_id(&stack, device)));
    assert_eq!(dropped.len(), 1);
    // Every trusted device may count failures of its own: one entry each,
    // within the bound.
    for device in &trusted {
        fail(&stack, Some(device), 1).await;
    }
    assert_eq!(device_lockouts(&stack).await, MAX_DEVICE_LOCKOUTS);
    // The dropped device's token no longer counts: the email's lock holds
    // it, as it would hold a client without a token.
    fail(&stack, Some(dropped[0]), lock_after).await;
    assert_eq!(device_lockouts(&stack).await, MAX_DEVICE_LOCKOUTS);
    login(&stack, DEMO_PASSWORD, None).await.assert_locked(30);
    // The others still get in, each on its own lock.
    let reply = login(&stack, DEMO_PASSWORD, Some(trusted[0])).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(device_lockouts(&stack).await, MAX_DEVICE_LOCKOUTS - 1);
}

/// Review 2, M4: device tokens were handed out to whoever knew the old
/// password, so a password change retires them all, and with them the
/// guesses each device's own lock would allow.
#[tokio::test]
async fn a_password_change_retires_every_device_token() {
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "2")]).await;
    let thiefs = device_token(&stack).await;
    // The owner changes the password, with a fresh login.
    let (access, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let body = json!({"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD});
    let request = with_body(
        &with_token(&event("http-api/password-change.json"), &access),
        &body.to_string(),
    );
    let reply = stack.invoke(password::handle, &request).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let user = stack.user(DEMO_EMAIL).await.unwrap();
    assert_eq!(
        user.devices, None,
        "no device token of the old password is left"
    );
    // The old device token no longer has a lock of its own: the thief's
    // guesses count on the email's, and lock it.
    fail(&stack, Some(&thiefs), 2).await;
    let reply = login(&stack, NEW_PASSWORD, Some(&thiefs)).await;
    reply.assert_locked(30);
}

/// The failures all of an account's devices have counted on their own
/// locks, within their windows.
async fn device_failures(stack: &Stack) -> u64 {
    let user = stack.user(DEMO_EMAIL).await.expect("the demo user");
    let now = unix_now().unwrap();
    user.device_lockouts
        .unwrap_or_default()
        .values()
        .filter(|entry| entry.failures_expire_at > now)
        .map(|entry| entry.failed_logins)
        .sum()
}

/// Review 2, M4: each device had a lock of its own, so whoever held many
/// of an account's device tokens guessed that many times as fast. All the
/// devices together now stop at a ceiling, past which the email's lock
/// holds them.
#[tokio::test]
async fn the_devices_of_an_account_share_a_ceiling_of_failures() {
    let stack = Stack::new().await;
    let ceiling = 2 * FREE_FAILURES;
    let mut devices = Vec::new();
    for _ in 0..4 {
        devices.push(device_token(&stack).await);
    }
    // Each device stays below its own lock: without the ceiling, 16 guesses
    // would leave the email unlocked and every device open.
    let per_device = FREE_FAILURES - 1;
    let mut answers = Vec::new();
    for device in &devices {
        for _ in 0..per_device {
            answers.push(login(&stack, WRONG, Some(device)).await.status);
        }
    }
    assert_eq!(device_failures(&stack).await, ceiling);
    assert!(
        answers.contains(&429),
        "past the ceiling the email's lock held them: {answers:?}"
    );
    login(&stack, DEMO_PASSWORD, Some(&devices[0]))
        .await
        .assert_locked(30);
}

/// The ceiling holds for a burst from many devices at once: their
/// reservations go one at a time.
#[tokio::test]
async fn a_burst_from_many_devices_counts_no_more_than_the_ceiling_on_them() {
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "2")]).await;
    let mut devices = Vec::new();
    for _ in 0..12 {
        devices.push(device_token(&stack).await);
    }
    let answers = futures_util::future::join_all(
        devices
            .iter()
            .map(|device| login(&stack, WRONG, Some(device))),
    )
    .await;
    assert!(
        answers
            .iter()
            .all(|reply| [401, 429].contains(&reply.status)),
        "{answers:?}"
    );
    assert!(
        device_failures(&stack).await <= 4,
        "twice the threshold at most"
    );
}
