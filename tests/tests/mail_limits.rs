//! The limits that keep the mail path from being turned into a flood
//! (review 2, M3), end to end on the local DynamoDB, SQS and SES: one mail
//! slot per mailbox whatever its `+tag`, a lifetime of verification mails
//! per account, unverified signups that expire, and the stack's mails per
//! minute.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use sessionless::accounts::EXPIRY_ATTRIBUTE;
use sessionless::mail::MailKind;
use sessionless_tests::{DEMO_PASSWORD, Stack};

const VICTIM: &str = "victim@example.com";
const ATTACKER_PASSWORD: &str = "the-attackers-password-1";
const VICTIM_PASSWORD: &str = "the-victims-own-password-2";

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The mails that reached `mailbox`, whatever `+tag` they were sent to.
fn mails_to_mailbox(stack: &Stack, mailbox: &str) -> usize {
    let (local, domain) = mailbox.split_once('@').unwrap();
    stack
        .mails()
        .iter()
        .filter(|mail| {
            mail.to.iter().any(|to| {
                to.split_once('@').is_some_and(|(to_local, to_domain)| {
                    to_domain == domain && to_local.split('+').next() == Some(local)
                })
            })
        })
        .count()
}

/// Lets the address's interval pass, as the clock would.
async fn let_the_interval_pass(stack: &Stack, email: &str) {
    stack
        .edit_item(email)
        .update_expression("REMOVE mail_sent_at")
        .send()
        .await
        .expect("clear mail_sent_at");
}

#[tokio::test]
async fn signups_of_tagged_addresses_fill_one_mailbox_no_faster_than_one_address() {
    let stack = Stack::with_mail(&[]).await;
    stack.add_user(VICTIM, VICTIM_PASSWORD, true).await;
    for tag in 0..10 {
        let reply = stack
            .signup(&format!("victim+{tag}@example.com"), ATTACKER_PASSWORD)
            .await;
        assert_eq!(reply.status, 202, "{reply:?}");
    }
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(
        mails_to_mailbox(&stack, VICTIM),
        1,
        "one mail per interval to the mailbox, not one per tag"
    );
    // The untagged address shares the slot: its own account's reset waits.
    assert_eq!(stack.forgot(VICTIM).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(mails_to_mailbox(&stack, VICTIM), 1);
    // Once the mailbox's interval has passed, a tagged address may mail.
    let_the_interval_pass(&stack, VICTIM).await;
    let_the_interval_pass(&stack, "victim+3@example.com").await;
    assert_eq!(stack.resend("victim+3@example.com").await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(mails_to_mailbox(&stack, VICTIM), 2);
    let account = stack.raw_item(VICTIM).await.unwrap();
    assert!(
        !account.contains_key(EXPIRY_ATTRIBUTE),
        "a tagged address's mail never makes the mailbox's account expire"
    );

    // A mailbox without an account: its slot is held on a placeholder
    // that expires, never on an account.
    for tag in ["a", "b"] {
        stack
            .signup(&format!("nobody+{tag}@example.com"), ATTACKER_PASSWORD)
            .await;
    }
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(mails_to_mailbox(&stack, "nobody@example.com"), 1);
    let slot = stack
        .raw_item("nobody@example.com")
        .await
        .expect("the mailbox's slot");
    assert!(slot.contains_key("mail_sent_at"), "{slot:?}");
    assert!(slot.contains_key(EXPIRY_ATTRIBUTE), "{slot:?}");
    assert!(stack.user("nobody@example.com").await.is_none(), "{slot:?}");
}

#[tokio::test]
async fn an_account_gets_at_most_its_lifetime_of_verification_mails() {
    let stack = Stack::with_mail(&[]).await;
    assert_eq!(stack.signup(VICTIM, ATTACKER_PASSWORD).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    for _ in 0..6 {
        let_the_interval_pass(&stack, VICTIM).await;
        assert_eq!(stack.resend(VICTIM).await.status, 202);
        assert!(stack.run_mailer().await.is_empty());
    }
    let verifications = stack
        .mails_to(VICTIM)
        .iter()
        .filter(|mail| mail.subject == "Confirm your email address")
        .count();
    assert_eq!(verifications, 5, "VERIFICATION_MAIL_LIMIT's default");
    // A reset is no verification: the owner can still take the address.
    let_the_interval_pass(&stack, VICTIM).await;
    stack.forgot(VICTIM).await;
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(stack.mails_to(VICTIM).len(), 6);
}

#[tokio::test]
async fn an_unverified_signup_expires_and_its_address_is_free_again() {
    let stack = Stack::with_mail(&[]).await;
    let before = unix_now();
    assert_eq!(stack.signup(VICTIM, ATTACKER_PASSWORD).await.status, 202);
    let squatted = stack.user(VICTIM).await.expect("created");
    let expires_at = squatted.expires_at.expect("an unverified signup expires");
    assert!(
        (before + 604_800..=unix_now() + 604_800).contains(&expires_at),
        "UNVERIFIED_ACCOUNT_TTL's default of a week: {expires_at}"
    );
    assert!(stack.run_mailer().await.is_empty());
    let link = stack.mails_to(VICTIM)[0].token();

    // A week later, before DynamoDB's TTL got to the item.
    stack
        .edit_item(VICTIM)
        .update_expression("SET #expires = :past")
        .expression_attribute_names("#expires", EXPIRY_ATTRIBUTE)
        .expression_attribute_values(":past", AttributeValue::N((before - 1).to_string()))
        .send()
        .await
        .unwrap();
    let late = stack.verify(&link, ATTACKER_PASSWORD).await;
    assert_eq!(
        late.status, 400,
        "an expired account verifies nothing: {late:?}"
    );
    let_the_interval_pass(&stack, VICTIM).await;
    stack.resend(VICTIM).await;
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(stack.mails_to(VICTIM).len(), 1, "nothing more to it");

    // The owner signs up: a new account, and a verification, not a notice.
    assert_eq!(stack.signup(VICTIM, VICTIM_PASSWORD).await.status, 202);
    let owners = stack.user(VICTIM).await.unwrap();
    assert_ne!(owners.account_id, squatted.account_id);
    assert!(stack.run_mailer().await.is_empty());
    let mails = stack.mails_to(VICTIM);
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[1].subject, "Confirm your email address");
    let verified = stack.verify(&mails[1].token(), VICTIM_PASSWORD).await;
    assert_eq!(verified.status, 200, "{verified:?}");
    assert_eq!(
        stack.user(VICTIM).await.unwrap().expires_at,
        None,
        "a verified account never expires"
    );
    stack.login(VICTIM, VICTIM_PASSWORD, false).await;
}

#[tokio::test]
async fn a_reset_or_a_sign_in_ends_an_accounts_expiry() {
    let stack = Stack::with_mail(&[]).await;
    stack.signup(VICTIM, ATTACKER_PASSWORD).await;
    assert!(stack.run_mailer().await.is_empty());
    let_the_interval_pass(&stack, VICTIM).await;
    stack.forgot(VICTIM).await;
    assert!(stack.run_mailer().await.is_empty());
    let reset = stack.mails_to(VICTIM).pop().unwrap();
    assert_eq!(reset.subject, "Reset your password");
    let reply = stack.reset_password(&reset.token(), VICTIM_PASSWORD).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let user = stack.user(VICTIM).await.unwrap();
    assert!(user.email_verified && user.expires_at.is_none(), "{user:?}");

    // Verification switched off later: unverified accounts sign in, and
    // a sign-in keeps the account.
    let stack = stack
        .restarted_with(&[("REQUIRE_EMAIL_VERIFICATION", "false")])
        .await;
    let expiring = "expiring@example.com";
    stack.add_user(expiring, DEMO_PASSWORD, true).await;
    stack
        .edit_item(expiring)
        .update_expression("SET #expires = :later, email_verified = :false")
        .expression_attribute_names("#expires", EXPIRY_ATTRIBUTE)
        .expression_attribute_values(":later", AttributeValue::N((unix_now() + 600).to_string()))
        .expression_attribute_values(":false", AttributeValue::Bool(false))
        .send()
        .await
        .unwrap();
    stack.login(expiring, DEMO_PASSWORD, false).await;
    assert_eq!(stack.user(expiring).await.unwrap().expires_at, None);
}

#[tokio::test]
async fn the_stack_sends_no_more_than_its_mails_per_minute_and_the_rest_wait() {
    let stack = Stack::with_mail(&[("MAIL_MAX_PER_MINUTE", "3")]).await;
    let emails: Vec<String> = (0..4).map(|n| format!("user{n}@example.com")).collect();
    for email in &emails {
        stack.add_user(email, DEMO_PASSWORD, true).await;
    }
    // This minute's and the next one's mails all counted already, so that
    // the test does not depend on where in a minute it runs.
    let minute = unix_now() / 60;
    for minute in [minute, minute + 1] {
        stack
            .edit_item(&format!("sessionless:mails-sent:{minute}"))
            .update_expression("SET mails_sent = :full")
            .expression_attribute_values(":full", AttributeValue::N("3".into()))
            .send()
            .await
            .unwrap();
    }
    for email in &emails {
        let body = json!({"kind": MailKind::PasswordReset, "email": email}).to_string();
        assert_eq!(
            stack.mailer_on(&body).await.len(),
            1,
            "{email}: retried later"
        );
        let user = stack.user(email).await.unwrap();
        assert_eq!(user.mail_sent_at, None, "{email}: the claim given back");
    }
    assert!(stack.mails().is_empty());

    // A ceiling that is not reached sends, and counts what it sent.
    let stack = stack
        .restarted_with(&[("MAIL_MAX_PER_MINUTE", "1000")])
        .await;
    for email in &emails {
        let body = json!({"kind": MailKind::PasswordReset, "email": email}).to_string();
        assert!(stack.mailer_on(&body).await.is_empty(), "{email}");
    }
    assert_eq!(stack.mails().len(), emails.len());
    // Requests that send nothing spend nothing.
    let body = json!({"kind": MailKind::PasswordReset, "email": "nobody@example.com"});
    assert!(stack.mailer_on(&body.to_string()).await.is_empty());
    let (mut counted, mut expiring) = (0, 0);
    for minute in [minute, minute + 1] {
        let item = stack
            .raw_item(&format!("sessionless:mails-sent:{minute}"))
            .await
            .unwrap();
        expiring += usize::from(item.contains_key(EXPIRY_ATTRIBUTE));
        counted += item["mails_sent"].as_n().unwrap().parse::<usize>().unwrap();
    }
    assert_eq!(counted, 3 + 3 + emails.len(), "one count per mail sent");
    assert!(expiring >= 1, "a count the mailer wrote expires");
}
