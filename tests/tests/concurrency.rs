//! Races that the conditional writes must win: one signup per email, one
//! winner per refresh token, and replays that revoke under concurrency.

use std::future::Future;

use serde_json::json;
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, event, with_body, with_refresh_token,
};

/// Runs `count` copies of `make(i)` at once. They interleave at every
/// DynamoDB call and hash on the blocking pool in parallel, which is where
/// the races are.
async fn all_at_once<F>(count: usize, make: impl Fn(usize) -> F) -> Vec<Reply>
where
    F: Future<Output = Reply>,
{
    futures_util::future::join_all((0..count).map(make)).await
}

fn statuses(replies: &[Reply]) -> Vec<u16> {
    let mut statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    statuses.sort();
    statuses
}

#[tokio::test]
async fn twenty_concurrent_signups_create_exactly_one_user() {
    let stack = &Stack::new().await;
    let replies = all_at_once(20, |index| async move {
        let body = json!({"email": "race@example.com", "password": format!("password-number-{index}"), "name": format!("Racer {index}")});
        stack.invoke(signup::handle, &with_body(&event("http-api/signup-ok.json"), &body.to_string())).await
    })
    .await;
    let mut expected = vec![201];
    expected.extend([409; 19]);
    assert_eq!(statuses(&replies), expected);

    // The stored user is the winner's, untouched by the 19 others.
    let winner = replies
        .iter()
        .find(|reply| reply.status == 201)
        .unwrap()
        .json();
    let index = winner["name"]
        .as_str()
        .unwrap()
        .trim_start_matches("Racer ")
        .to_owned();
    let user = stack.user("race@example.com").await.unwrap();
    assert_eq!(user.name, format!("Racer {index}"));
    stack
        .login(
            "race@example.com",
            &format!("password-number-{index}"),
            false,
        )
        .await;
}

/// With no reuse interval (REFRESH_REUSE_INTERVAL=0), the strict rotation.
#[tokio::test]
async fn of_concurrent_refreshes_with_one_token_exactly_one_wins() {
    let stack = &Stack::with_env(&[("REFRESH_REUSE_INTERVAL", "0")]).await;
    let (_, token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let request = &with_refresh_token(&event("http-api/refresh-body-token.json"), &token.unwrap());
    let replies = all_at_once(10, |_| stack.invoke(refresh::handle, request)).await;
    let mut expected = vec![200];
    expected.extend([401; 9]);
    assert_eq!(statuses(&replies), expected);
    for reply in replies.iter().filter(|reply| reply.status == 401) {
        assert_eq!(reply.body, r#"{"msg":"Invalid or expired token"}"#);
    }
}

/// With no reuse interval (REFRESH_REUSE_INTERVAL=0), the strict rotation.
#[tokio::test]
async fn concurrent_replays_are_all_refused_and_revoke_the_family() {
    let stack = &Stack::with_env(&[("REFRESH_REUSE_INTERVAL", "0")]).await;
    let (_, first) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let first = first.unwrap();
    let base = event("http-api/refresh-body-token.json");
    let reply = stack
        .invoke(refresh::handle, &with_refresh_token(&base, &first))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let second = reply.json()["refresh_token"].as_str().unwrap().to_owned();

    let replay = &with_refresh_token(&base, &first);
    let replies = all_at_once(10, |_| stack.invoke(refresh::handle, replay)).await;
    assert_eq!(statuses(&replies), vec![401; 10]);
    let reply = stack
        .invoke(refresh::handle, &with_refresh_token(&base, &second))
        .await;
    assert_eq!(reply.status, 401, "the family is revoked: {reply:?}");
}

#[tokio::test]
async fn two_tabs_refreshing_at_once_get_the_same_successor_and_no_fork() {
    let stack = &Stack::new().await;
    let (_, token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let request = &with_refresh_token(&event("http-api/refresh-body-token.json"), &token.unwrap());
    let replies = all_at_once(10, |_| stack.invoke(refresh::handle, request)).await;
    assert_eq!(statuses(&replies), vec![200; 10], "nobody is logged out");
    let successors: Vec<String> = replies
        .iter()
        .map(|reply| reply.json()["refresh_token"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        successors
            .iter()
            .all(|successor| *successor == successors[0]),
        "one successor"
    );
    let families = stack.refresh_families(DEMO_EMAIL).await;
    assert_eq!(families.len(), 1, "no fork");
    let next = &with_refresh_token(&event("http-api/refresh-body-token.json"), &successors[0]);
    assert_eq!(stack.invoke(refresh::handle, next).await.status, 200);
}

#[tokio::test]
async fn concurrent_remembered_logins_each_get_a_working_family() {
    let stack = &Stack::new().await;
    let body = &event("http-api/login-remember.json");
    let replies = all_at_once(5, |_| stack.invoke(login::handle, body)).await;
    assert_eq!(statuses(&replies), vec![200; 5]);
    assert_eq!(
        stack
            .user(DEMO_EMAIL)
            .await
            .unwrap()
            .refresh_families
            .unwrap()
            .len(),
        5
    );
    let base = event("http-api/refresh-body-token.json");
    for reply in &replies {
        let token = reply.json()["refresh_token"].as_str().unwrap().to_owned();
        let refreshed = stack
            .invoke(refresh::handle, &with_refresh_token(&base, &token))
            .await;
        assert_eq!(refreshed.status, 200, "{refreshed:?}");
    }
}
