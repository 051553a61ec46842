//! Accounts across their whole life: tokens bound to one generation of an
//! account (deleted and signed up again, deactivated and re-activated),
//! items from before account ids, and the `sessionless-admin` binary that
//! operators use for all of it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use sessionless::accounts::{EXPIRY_ATTRIBUTE, Password};
use sessionless::tokens::TokenKind;
use sessionless::{Operator, aws};
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Stack, TEST_AWS_SETTINGS};

fn operator(stack: &Stack) -> Operator {
    Operator::new(
        stack.users.clone(),
        stack.auth.config().accounts.password_policy,
    )
}

#[tokio::test]
async fn an_email_signed_up_again_is_a_new_account_that_old_tokens_do_not_open() {
    let stack = Stack::new().await;
    let (access, refresh_token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    operator(&stack).delete_user(DEMO_EMAIL).await.unwrap();
    // Same email, same password, token version 0 again: another account.
    stack.add_user(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    assert_eq!(stack.me(&access).await.status, 401);
    assert_eq!(stack.refresh(&refresh_token.unwrap()).await.status, 401);
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(stack.me(&fresh).await.status, 200);
}

#[tokio::test]
async fn deactivating_retires_every_token_so_reactivating_revives_none() {
    let stack = Stack::new().await;
    let (access, refresh_token) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let operator = operator(&stack);
    operator.deactivate(DEMO_EMAIL).await.unwrap();
    assert_eq!(stack.me(&access).await.status, 401);
    operator.activate(DEMO_EMAIL).await.unwrap();
    assert_eq!(stack.me(&access).await.status, 401, "still retired");
    assert_eq!(stack.refresh(&refresh_token.unwrap()).await.status, 401);
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(stack.me(&fresh).await.status, 200);
}

#[tokio::test]
async fn items_without_an_account_id_keep_working_until_a_password_change_gives_one() {
    let stack = Stack::new().await;
    let email = "legacy@example.com";
    stack.add_user(email, DEMO_PASSWORD, true).await;
    stack
        .edit_item(email)
        .update_expression("REMOVE account_id")
        .send()
        .await
        .unwrap();
    let (access, _) = stack.login(email, DEMO_PASSWORD, false).await;
    assert_eq!(stack.me(&access).await.status, 200);
    let claims = stack
        .auth
        .tokens()
        .verify(TokenKind::Access, &access)
        .unwrap();
    assert_eq!(claims.account_id, None, "one fixed generation");

    operator(&stack)
        .set_password(email, Password("a-new-password-5678"))
        .await
        .unwrap();
    assert_eq!(stack.me(&access).await.status, 401, "retired");
    let user = stack.user(email).await.unwrap();
    assert!(user.account_id.is_some(), "the change gave it an id");
    let (access, _) = stack.login(email, "a-new-password-5678", false).await;
    assert_eq!(stack.me(&access).await.status, 200);
}

#[tokio::test]
async fn operator_commands_on_an_unknown_email_say_so() {
    let stack = Stack::new().await;
    let operator = operator(&stack);
    let nobody = "nobody@example.com";
    for result in [
        operator.deactivate(nobody).await,
        operator.activate(nobody).await,
        operator.delete_user(nobody).await,
        operator.logout_everywhere(nobody).await,
        operator
            .set_password(nobody, Password("a-new-password-5678"))
            .await,
    ] {
        assert!(
            matches!(result, Err(sessionless::Error::NoSuchAccount)),
            "{result:?}"
        );
    }
    assert!(stack.user(nobody).await.is_none(), "nothing was created");
}

/// The `sessionless-admin` binary `scripts/test` built beside this test.
fn admin_binary() -> PathBuf {
    let test = std::env::current_exe().expect("the test binary");
    let dir = test
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    dir.join("sessionless-admin")
}

/// Runs `sessionless-admin ARGS` on the stack's table, `stdin` on its input.
fn admin(stack: &Stack, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(admin_binary())
        .args(args)
        .env("USERS_TABLE", &stack.auth.config().accounts.users_table)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sessionless-admin (built by scripts/test)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("sessionless-admin ran")
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_admin_tool_covers_the_account_life() {
    let stack = Stack::new().await;
    let email = "ops@example.com";
    let said = succeeded(&admin(
        &stack,
        &["add-user", "--email", email, "--name", "  Ops  "],
        "first-password-1\n",
    ));
    assert!(said.contains("added ops@example.com"), "{said}");
    assert_eq!(
        stack.user(email).await.unwrap().name,
        "Ops",
        "names are trimmed"
    );
    let (access, _) = stack.login(email, "first-password-1", false).await;

    succeeded(&admin(&stack, &["logout-everywhere", "--email", email], ""));
    assert_eq!(stack.me(&access).await.status, 401);

    succeeded(&admin(
        &stack,
        &["set-password", "--email", email],
        "second-password-2\n",
    ));
    let (access, _) = stack.login(email, "second-password-2", false).await;
    succeeded(&admin(&stack, &["deactivate", "--email", email], ""));
    assert!(!stack.user(email).await.unwrap().active);
    succeeded(&admin(&stack, &["activate", "--email", email], ""));
    assert_eq!(
        stack.me(&access).await.status,
        401,
        "deactivation retired it"
    );
    stack.login(email, "second-password-2", false).await;

    succeeded(&admin(&stack, &["delete-user", "--email", email], ""));
    assert!(stack.user(email).await.is_none());

    // Failures are command-line failures: a message and a non-zero status.
    let missing = admin(&stack, &["deactivate", "--email", email], "");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no account with this email"),
        "{missing:?}"
    );
    let short = admin(
        &stack,
        &["add-user", "--email", email, "--name", "Ops"],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(1));
    let usage = admin(&stack, &["add-user", "--email", email], "");
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
    let help = admin(&stack, &["--help"], "");
    for command in [
        "create-table",
        "add-user",
        "deactivate",
        "activate",
        "delete-user",
        "logout-everywhere",
        "set-password",
    ] {
        assert!(
            String::from_utf8_lossy(&help.stdout).contains(command),
            "{command}"
        );
    }
}

#[tokio::test]
async fn create_table_switches_on_the_placeholder_ttl() {
    let stack = Stack::new().await;
    let table = format!("{}-admin", stack.auth.config().accounts.users_table);
    let mut command = Command::new(admin_binary());
    command.arg("create-table").env("USERS_TABLE", &table);
    let said = succeeded(&command.output().expect("run sessionless-admin"));
    assert!(said.contains("created table"), "{said}");
    let client = aws::dynamodb_client(&TEST_AWS_SETTINGS).await;
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let description = ttl.time_to_live_description().expect("a TTL description");
    assert_eq!(description.attribute_name(), Some(EXPIRY_ATTRIBUTE));
    let again = succeeded(&command.output().expect("run sessionless-admin"));
    assert!(again.contains("already exists"), "{again}");
}
