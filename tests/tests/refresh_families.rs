//! Refresh families beyond rotation: a detected replay takes the family's
//! access tokens with it, the replaced token is forgiven only briefly (two
//! tabs), families end at their maximum age, refreshed access tokens say
//! how the family's login signed in, and families recorded before these
//! rules keep working.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sessionless::tokens::{OpaqueKind, OpaqueToken};
use sessionless::unix_now;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack};

/// The access and refresh tokens of a successful refresh.
fn refreshed(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// The family a refresh token belongs to.
fn family_of(refresh_token: &str) -> String {
    OpaqueToken::parse(OpaqueKind::Refresh, refresh_token)
        .unwrap()
        .id()
        .to_owned()
}

/// The `amr` claim of an access token, `null` when it has none.
fn amr_of(access_token: &str) -> Value {
    let payload = access_token.split('.').nth(1).expect("a JWT");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["amr"].clone()
}

/// Rewrites `path` (`started_at`, or `replaced.#at`: `at` is a reserved
/// word) of the demo user's family of `refresh_token`.
async fn set_family_attribute(stack: &Stack, refresh_token: &str, path: &str, value: u64) {
    let fam = family_of(refresh_token);
    let mut update = stack
        .edit_item(DEMO_EMAIL)
        .update_expression(format!("SET refresh_families.#fam.{path} = :value"))
        .expression_attribute_names("#fam", fam);
    if path.contains("#at") {
        update = update.expression_attribute_names("#at", "at");
    }
    update
        .expression_attribute_values(":value", AttributeValue::N(value.to_string()))
        .send()
        .await
        .expect("edit the family");
}

#[tokio::test]
async fn a_detected_replay_revokes_the_familys_access_tokens_too() {
    let stack = Stack::new().await;
    let (owner_access, stolen) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let stolen = stolen.unwrap();
    // The thief refreshes twice with the stolen token's family...
    let (_, first) = refreshed(&stack.refresh(&stolen).await);
    let (thief_access, _) = refreshed(&stack.refresh(&first).await);
    assert_eq!(stack.me(&thief_access).await.status, 200);
    // ...then the owner presents the stolen token: a replay.
    assert_eq!(stack.refresh(&stolen).await.status, 401);
    assert_eq!(
        stack.me(&thief_access).await.status,
        401,
        "the thief's access token died with its family"
    );
    assert_eq!(
        stack.me(&owner_access).await.status,
        401,
        "so did the login's, which carried the family"
    );
    let (unrelated, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(stack.me(&unrelated).await.status, 200, "no family, no harm");
}

#[tokio::test]
async fn the_replaced_token_gets_the_same_successor_only_within_the_interval() {
    let stack = Stack::new().await;
    let (_, parent) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let parent = parent.unwrap();
    let (_, successor) = refreshed(&stack.refresh(&parent).await);
    let (_, again) = refreshed(&stack.refresh(&parent).await);
    assert_eq!(again, successor, "the other tab gets the same successor");

    // Eleven seconds later, with the default ten: a replay.
    set_family_attribute(&stack, &successor, "replaced.#at", unix_now().unwrap() - 11).await;
    assert_eq!(stack.refresh(&parent).await.status, 401);
    assert_eq!(
        stack.refresh(&successor).await.status,
        401,
        "the family is revoked"
    );
}

#[tokio::test]
async fn only_the_immediate_parent_is_forgiven() {
    let stack = Stack::new().await;
    let (_, grandparent) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let grandparent = grandparent.unwrap();
    let (_, parent) = refreshed(&stack.refresh(&grandparent).await);
    let (_, current) = refreshed(&stack.refresh(&parent).await);
    assert_eq!(stack.refresh(&grandparent).await.status, 401);
    assert_eq!(stack.refresh(&current).await.status, 401, "revoked");
}

#[tokio::test]
async fn families_end_at_their_maximum_age_however_often_they_rotate() {
    let stack = Stack::with_env(&[("REFRESH_FAMILY_MAX_AGE", "120")]).await;
    let (_, token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let token = token.unwrap();
    let login_time = unix_now().unwrap();
    let family = stack
        .user(DEMO_EMAIL)
        .await
        .unwrap()
        .refresh_family(&family_of(&token))
        .cloned()
        .expect("the family");
    assert!(
        family.exp <= login_time + 120,
        "a family's token never outlives the family: {family:?}"
    );
    let (_, rotated) = refreshed(&stack.refresh(&token).await);
    // The login was 121 seconds ago: the family has ended, rotations or not.
    set_family_attribute(&stack, &rotated, "started_at", unix_now().unwrap() - 121).await;
    assert_eq!(stack.refresh(&rotated).await.status, 401);
    let families = stack.user(DEMO_EMAIL).await.unwrap().refresh_families;
    assert!(
        families.unwrap_or_default().is_empty(),
        "the ended family is gone"
    );
}

#[tokio::test]
async fn families_recorded_before_these_rules_keep_working() {
    let stack = Stack::new().await;
    let (_, token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let token = token.unwrap();
    let fam = family_of(&token);
    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("REMOVE refresh_families.#fam.started_at")
        .expression_attribute_names("#fam", &fam)
        .send()
        .await
        .unwrap();
    let (access, next) = refreshed(&stack.refresh(&token).await);
    assert_eq!(stack.me(&access).await.status, 200);
    let family = stack
        .user(DEMO_EMAIL)
        .await
        .unwrap()
        .refresh_family(&fam)
        .cloned();
    let family = family.expect("the family lives on");
    assert!(family.started_at.is_some(), "counted from this rotation");
    let replaced = family.replaced.expect("the rotation is recorded");
    let parent = OpaqueToken::parse(OpaqueKind::Refresh, &token).unwrap();
    assert_eq!(replaced.token_hash, Some(parent.hash()));
    refreshed(&stack.refresh(&next).await);
}

/// RFC 8176's `amr` travels from the login into every access token its
/// family's refreshes issue, rotated and regranted (two tabs) alike; a
/// family recorded before it names no method, so its tokens prove none.
#[tokio::test]
async fn refreshed_access_tokens_say_how_the_familys_login_signed_in() {
    let stack = Stack::new().await;
    let (login_access, token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let token = token.unwrap();
    assert_eq!(amr_of(&login_access), json!(["pwd"]));
    let (access, next) = refreshed(&stack.refresh(&token).await);
    assert_eq!(amr_of(&access), json!(["pwd"]));
    // The parent again, within the reuse interval: the same successor,
    // and an access token that says the same.
    let (again, same_next) = refreshed(&stack.refresh(&token).await);
    assert_eq!(same_next, next);
    assert_eq!(amr_of(&again), json!(["pwd"]));

    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("REMOVE refresh_families.#fam.amr")
        .expression_attribute_names("#fam", family_of(&next))
        .send()
        .await
        .unwrap();
    let (old_family_access, _) = refreshed(&stack.refresh(&next).await);
    assert_eq!(amr_of(&old_family_access), Value::Null);
    assert_eq!(stack.me(&old_family_access).await.status, 200);
}
