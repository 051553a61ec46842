//! The token lifecycle against the local DynamoDB-compatible server: signup,
//! refresh with rotation and replay detection, logout everywhere, password
//! change with fresh tokens, inactive users and re-hashing.

use serde_json::json;
use sessionless::accounts::PasswordPolicy;
use sessionless::accounts::User;
use sessionless::tokens::TokenKind;
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, EVENT_KINDS, Reply, Stack, event, with_body, with_refresh_token,
    with_token,
};

const NEW_EMAIL: &str = "new.user@example.com";
const NEW_PASSWORD: &str = "a-new-password-5678";

async fn refresh(stack: &Stack, kind: &str, file: &str, token: &str) -> Reply {
    let request = with_refresh_token(&event(&format!("{kind}/{file}")), token);
    stack.invoke(refresh::handle, &request).await
}

async fn logout(stack: &Stack, kind: &str, access: &str) -> Reply {
    let request = with_token(&event(&format!("{kind}/logout.json")), access);
    stack.invoke(logout::handle, &request).await
}

/// The new access and refresh tokens of a successful refresh.
fn refreshed(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.assert_well_formed();
    let body = reply.json();
    assert_eq!(body["msg"], "Token refreshed");
    assert_eq!(body["token_type"], "Bearer");
    (
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        body["refresh_token"]
            .as_str()
            .expect("refresh_token")
            .to_owned(),
    )
}

fn assert_invalid_token(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 401, "{what}: {reply:?}");
    assert_eq!(
        reply.body, r#"{"msg":"Invalid or expired token"}"#,
        "{what}"
    );
}

#[tokio::test]
async fn the_whole_story() {
    let stack = Stack::new().await;
    for kind in EVENT_KINDS {
        let email = format!("{kind}.{NEW_EMAIL}");
        // Sign up, then log in with remember.
        let signup =
            json!({"email": email, "password": NEW_PASSWORD, "name": "New User"}).to_string();
        let reply = stack
            .invoke(
                signup::handle,
                &with_body(&event(&format!("{kind}/signup-ok.json")), &signup),
            )
            .await;
        assert_eq!(reply.status, 201, "{reply:?}");
        let (first_access, first_refresh) = stack.login(&email, NEW_PASSWORD, true).await;
        let first_refresh = first_refresh.unwrap();
        assert_eq!(
            stack.me(&first_access).await.json()["email"],
            email.as_str()
        );

        // Refresh, and refresh again with the rotated token.
        let (second_access, second_refresh) =
            refreshed(&refresh(&stack, kind, "refresh-body-token.json", &first_refresh).await);
        let claims = stack
            .auth
            .tokens()
            .verify(TokenKind::Access, &second_access)
            .unwrap();
        assert!(!claims.is_fresh(), "a refreshed access token is not fresh");
        assert_eq!(stack.me(&second_access).await.status, 200);
        let (_, third_refresh) =
            refreshed(&refresh(&stack, kind, "refresh-header-token.json", &second_refresh).await);

        // Replaying a rotated token is refused and revokes its family.
        let replay = refresh(&stack, kind, "refresh-body-token.json", &first_refresh).await;
        assert_invalid_token(&replay, "replayed refresh token");
        let after_replay = refresh(&stack, kind, "refresh-body-token.json", &third_refresh).await;
        assert_invalid_token(&after_replay, "the family's newest token after a replay");

        // A new login starts a new family; refresh it once.
        let (before_refresh_access, family_refresh) = stack.login(&email, NEW_PASSWORD, true).await;
        let family_refresh = family_refresh.unwrap();
        let (after_refresh_access, after_refresh_refresh) =
            refreshed(&refresh(&stack, kind, "refresh-body-token.json", &family_refresh).await);

        // Logout retires every token issued before it, before and after a refresh.
        let reply = logout(&stack, kind, &after_refresh_access).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.json()["msg"], "Logged out everywhere");
        for (what, access) in [
            ("first access token", &first_access),
            ("refreshed access token", &second_access),
            (
                "access token from before the refresh",
                &before_refresh_access,
            ),
            ("access token from after the refresh", &after_refresh_access),
        ] {
            assert_invalid_token(&stack.me(access).await, what);
        }
        for (what, token) in [
            ("refresh token from before the refresh", &family_refresh),
            (
                "refresh token from after the refresh",
                &after_refresh_refresh,
            ),
        ] {
            assert_invalid_token(
                &refresh(&stack, kind, "refresh-body-token.json", token).await,
                what,
            );
        }
        let reply = logout(&stack, kind, &after_refresh_access).await;
        assert_invalid_token(&reply, "logging out again with a retired token");

        // And a fresh login works again.
        let (access, _) = stack.login(&email, NEW_PASSWORD, false).await;
        assert_eq!(stack.me(&access).await.status, 200);
    }
}

#[tokio::test]
async fn refresh_needs_a_refresh_token() {
    let stack = Stack::new().await;
    let (access, refresh_token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let reply = refresh(&stack, "http-api", "refresh-body-token.json", &access).await;
    assert_invalid_token(&reply, "an access token as a refresh token");
    let reply = stack.me(&refresh_token.unwrap()).await;
    assert_invalid_token(&reply, "a refresh token as an access token");
    for kind in EVENT_KINDS {
        let reply = stack
            .invoke(
                refresh::handle,
                &event(&format!("{kind}/refresh-body-token.json")),
            )
            .await;
        assert_invalid_token(&reply, "the sample refresh token, of no live family");
        let none = with_body(&event(&format!("{kind}/refresh-body-token.json")), "{}");
        let reply = stack.invoke(refresh::handle, &none).await;
        assert_eq!(
            (reply.status, reply.json()["msg"].clone()),
            (401, "Missing access token".into())
        );
    }
}

#[tokio::test]
async fn refresh_families_are_per_login_and_bounded() {
    let stack = Stack::new().await;
    // Two devices: rotating one family leaves the other alone.
    let (_, phone) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let (_, laptop) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    refreshed(
        &refresh(
            &stack,
            "http-api",
            "refresh-body-token.json",
            &phone.unwrap(),
        )
        .await,
    );
    refreshed(
        &refresh(
            &stack,
            "http-api",
            "refresh-body-token.json",
            &laptop.unwrap(),
        )
        .await,
    );

    // Past the cap, the least recently used families are dropped, so the
    // item stays small. Expiry times have whole seconds: wait one out so
    // that `oldest` is unambiguously the oldest.
    let cap = sessionless::accounts::MAX_REFRESH_FAMILIES;
    let (_, oldest) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for _ in 0..cap {
        stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    }
    let user = stack.user(DEMO_EMAIL).await.unwrap();
    assert_eq!(user.refresh_families.unwrap().len(), cap);
    let reply = refresh(
        &stack,
        "http-api",
        "refresh-body-token.json",
        &oldest.unwrap(),
    )
    .await;
    assert_invalid_token(&reply, "a family dropped for the cap");
}

#[tokio::test]
async fn password_change_needs_a_fresh_token_and_retires_every_token() {
    let stack = Stack::new().await;
    let (fresh, refresh_token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let (not_fresh, _) = refreshed(
        &refresh(
            &stack,
            "http-api",
            "refresh-body-token.json",
            &refresh_token.unwrap(),
        )
        .await,
    );

    for kind in EVENT_KINDS {
        let request = with_token(&event(&format!("{kind}/password-change.json")), &not_fresh);
        let reply = stack.invoke(password::handle, &request).await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert_eq!(reply.body, r#"{"msg":"Fresh token required"}"#);
        assert_eq!(
            reply.header("www-authenticate"),
            Some(r#"Bearer error="insufficient_user_authentication""#)
        );
    }

    let base = with_token(&event("http-api/password-change.json"), &fresh);
    for (body, status, msg) in [
        (
            json!({"old_password": "wrong-password", "new_password": "a-better-password-4321"}),
            401,
            "Wrong password",
        ),
        (
            json!({"old_password": DEMO_PASSWORD, "new_password": "short"}),
            400,
            "`password` must be at least 8 characters",
        ),
        (
            json!({"old_password": DEMO_PASSWORD, "new_password": DEMO_PASSWORD}),
            400,
            "`new_password` must differ from `old_password`",
        ),
        (
            json!({"old_password": "wrong-password", "new_password": "wrong-password"}),
            401,
            "Wrong password",
        ),
        (
            json!({"old_password": DEMO_PASSWORD}),
            400,
            "`new_password` is required",
        ),
    ] {
        let reply = stack
            .invoke(password::handle, &with_body(&base, &body.to_string()))
            .await;
        assert_eq!(
            (reply.status, reply.json()["msg"].clone()),
            (status, msg.into()),
            "{body}"
        );
    }

    let reply = stack.invoke(password::handle, &base).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["msg"], "Password changed; log in again");
    assert_invalid_token(
        &stack.me(&fresh).await,
        "access token from before the change",
    );
    assert_invalid_token(
        &stack.me(&not_fresh).await,
        "refreshed token from before the change",
    );
    let old = with_body(
        &event("http-api/login-ok.json"),
        &json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).to_string(),
    );
    assert_eq!(
        stack.invoke(login::handle, &old).await.status,
        401,
        "the old password"
    );
    stack
        .login(DEMO_EMAIL, "a-better-password-4321", false)
        .await;
}

#[tokio::test]
async fn an_inactive_user_can_do_nothing() {
    let stack = Stack::new().await;
    let (access, refresh_token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    stack.deactivate(DEMO_EMAIL).await;
    let reply = stack
        .invoke(login::handle, &event("http-api/login-ok.json"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Bad email or password"}"#)
    );
    assert_invalid_token(&stack.me(&access).await, "me");
    let reply = refresh(
        &stack,
        "http-api",
        "refresh-body-token.json",
        &refresh_token.unwrap(),
    )
    .await;
    assert_invalid_token(&reply, "refresh");
    assert_invalid_token(&logout(&stack, "http-api", &access).await, "logout");
    let reply = stack
        .invoke(
            password::handle,
            &with_token(&event("http-api/password-change.json"), &access),
        )
        .await;
    assert_invalid_token(&reply, "password");
}

/// Review 2, L3: the access-token loader reads no password hash, so a
/// password change must load the user with it; given a user loaded
/// without, it says so instead of finding every password wrong.
#[tokio::test]
async fn a_password_change_needs_the_user_loaded_with_its_hash() {
    let stack = Stack::new().await;
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let change = || sessionless::PasswordChange {
        old_password: sessionless::accounts::Password(DEMO_PASSWORD),
        new_password: sessionless::accounts::Password("a-new-password-1234"),
    };
    let checked = stack.auth.user_for_access_token(&fresh).await.unwrap();
    assert!(checked.user.password_hash.is_none(), "projected away");
    let error = stack
        .auth
        .change_password(&checked.require_fresh().unwrap(), change())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("current_user_with_password"),
        "{error}"
    );
    let whole = stack
        .auth
        .user_and_password_for_access_token(&fresh)
        .await
        .unwrap();
    assert!(whole.user.password_hash.is_some());
    stack
        .auth
        .change_password(&whole.require_fresh().unwrap(), change())
        .await
        .unwrap();
    stack.login(DEMO_EMAIL, "a-new-password-1234", false).await;
}

#[tokio::test]
async fn signup_validates_and_never_overwrites() {
    let stack = Stack::new().await;
    for kind in EVENT_KINDS {
        let reply = stack
            .invoke(
                signup::handle,
                &event(&format!("{kind}/signup-existing-email.json")),
            )
            .await;
        assert_eq!(reply.status, 409, "{reply:?}");
        assert_eq!(reply.body, r#"{"msg":"User already exists"}"#);
    }
    // The existing user's password still works.
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;

    let reply = stack
        .invoke(signup::handle, &event("rest-api/signup-ok.json"))
        .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let body = reply.json();
    assert_eq!(body["email"], "new.user@example.com");
    assert_eq!(body["name"], "New User");
    assert!(body.get("password_hash").is_none());

    let base = event("http-api/signup-ok.json");
    let long = "p".repeat(1025);
    let seventy_three = "x".repeat(73);
    for (body, status, msg) in [
        (
            json!({"email": "a@example.com", "password": "short", "name": "A"}),
            400,
            "`password` must be at least 8 characters",
        ),
        (
            json!({"email": "a@example.com", "password": long, "name": "A"}),
            400,
            "`password` must be at most 1024 characters",
        ),
        (
            json!({"email": "not-an-email", "password": "long-enough", "name": "A"}),
            400,
            "`email` must be an email address",
        ),
        (
            json!({"email": "a@example.com", "password": "long-enough", "name": "  "}),
            400,
            "`name` must be 1 to 200 characters of text, with no control, bidirectional or zero-width characters",
        ),
        (
            json!({"email": "a@example.com", "password": "long-enough"}),
            400,
            "`name` is required",
        ),
        (
            json!({"email": " Mixed@Example.COM ", "password": seventy_three, "name": "Mixed"}),
            201,
            "",
        ),
    ] {
        let reply = stack
            .invoke(signup::handle, &with_body(&base, &body.to_string()))
            .await;
        assert_eq!(reply.status, status, "{body}: {reply:?}");
        if status == 201 {
            assert_eq!(reply.json()["email"], "mixed@example.com", "normalised");
        } else {
            assert_eq!(reply.json()["msg"], msg, "{body}");
        }
    }
    // 73 bytes and more are not truncated: a 72-byte prefix does not log in.
    let prefix = json!({"email": "mixed@example.com", "password": "x".repeat(72)}).to_string();
    let reply = stack
        .invoke(
            login::handle,
            &with_body(&event("http-api/login-ok.json"), &prefix),
        )
        .await;
    assert_eq!(reply.status, 401);
    stack
        .login("mixed@example.com", &"x".repeat(73), false)
        .await;
}

#[tokio::test]
async fn signup_can_be_switched_off() {
    let stack = Stack::with_env(&[("SIGNUP_ENABLED", "false")]).await;
    let reply = stack
        .invoke(signup::handle, &event("http-api/signup-ok.json"))
        .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (403, r#"{"msg":"Signup is disabled"}"#)
    );
    assert!(stack.user("new.user@example.com").await.is_none());
}

#[tokio::test]
async fn outdated_hashes_are_upgraded_at_login() {
    let stack = Stack::with_env(&[("ARGON2_MEMORY_KIB", "32768")]).await;
    let old_hash = PasswordPolicy::OWASP_MINIMUM
        .hash("an-old-password".into())
        .await
        .unwrap();
    let user = User::new("old@example.com".into(), "Old".into(), old_hash.clone()).unwrap();
    stack.users.create(&user).await.unwrap();

    stack
        .login("old@example.com", "an-old-password", false)
        .await;
    let upgraded = stack
        .user("old@example.com")
        .await
        .unwrap()
        .password_hash
        .expect("a password hash");
    assert_ne!(upgraded, old_hash);
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=32768,t=2,p=1$"),
        "{upgraded}"
    );
    stack
        .login("old@example.com", "an-old-password", false)
        .await;
    assert_eq!(
        stack.user("old@example.com").await.unwrap().password_hash,
        Some(upgraded),
        "once only"
    );

    // The demo user was hashed at the current policy: left alone.
    let demo = stack.user(DEMO_EMAIL).await.unwrap().password_hash;
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(stack.user(DEMO_EMAIL).await.unwrap().password_hash, demo);
}

/// Review 2, L7: a hash dearer than the policy (written before the policy
/// was lowered) made a wrong password against it slower than an unknown
/// email, for as long as it stayed. It is re-hashed to the policy at the
/// next login, as a cheaper one is; until then, ARGON2_STRONGEST_IN_USE
/// prices every refusal at its cost (the padding itself is unit-tested in
/// accounts/password.rs, and shown by scripts/bench-login-timing).
#[tokio::test]
async fn hashes_above_a_lowered_policy_are_rehashed_to_it_at_login() {
    let stack = Stack::with_env(&[("ARGON2_STRONGEST_IN_USE", "m=32768,t=2,p=1")]).await;
    let before_the_policy_fell = PasswordPolicy {
        memory_kib: 32_768,
        ..PasswordPolicy::OWASP_MINIMUM
    };
    assert_eq!(
        stack.auth.config().accounts.password_policy,
        PasswordPolicy {
            strongest_in_use: Some(before_the_policy_fell.cost()),
            ..PasswordPolicy::OWASP_MINIMUM
        }
    );
    let dear_hash = before_the_policy_fell
        .hash("a-dear-password".into())
        .await
        .unwrap();
    let user = User::new("dear@example.com".into(), "Dear".into(), dear_hash).unwrap();
    stack.users.create(&user).await.unwrap();

    stack
        .login("dear@example.com", "a-dear-password", false)
        .await;
    let rehashed = stack
        .user("dear@example.com")
        .await
        .unwrap()
        .password_hash
        .expect("a password hash");
    assert!(
        rehashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{rehashed}"
    );
}

/// Signup never signs or verifies a token, so it starts with no signing key
/// at all: the template gives it none, and no permission to the secret. It
/// has the table, and the mail queue email verification (on by default)
/// needs.
#[tokio::test]
async fn signup_starts_and_works_with_no_signing_key() {
    let stack = Stack::with_mail(&[]).await;
    let table = stack.auth.config().accounts.users_table.clone();
    let queue_url = stack.env_value("MAIL_QUEUE_URL");
    let only_table_and_queue = |name: &str| match name {
        "USERS_TABLE" => Some(table.clone()),
        "MAIL_QUEUE_URL" => Some(queue_url.clone()),
        _ => None,
    };
    assert!(
        sessionless::Config::from_lookup(only_table_and_queue).is_err(),
        "a function that handles tokens needs a key"
    );
    let accounts = sessionless::AccountsConfig::from_lookup(only_table_and_queue).unwrap();
    assert!(accounts.require_email_verification, "on by default");
    let client = sessionless::aws::dynamodb_client(&sessionless_tests::TEST_AWS_SETTINGS).await;
    assert!(
        sessionless::Registrar::new(accounts.clone(), client.clone(), None).is_err(),
        "verification needs the queue"
    );
    let queue = sessionless::mail::MailQueue::from_lookup(only_table_and_queue)
        .await
        .unwrap();
    let registrar: &'static sessionless::Registrar = Box::leak(Box::new(
        sessionless::Registrar::new(accounts, client, Some(queue)).unwrap(),
    ));
    let response =
        sessionless::testing::invoke(registrar, signup::handle, &event("http-api/signup-ok.json"))
            .await
            .unwrap();
    let reply = sessionless_tests::reply_from_lambda_response(response);
    assert_eq!(reply.status, 202, "{reply:?}");
    assert!(stack.user("new.user@example.com").await.is_some());
}
