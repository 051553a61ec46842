//! Password reset and email verification, end to end on the local
//! DynamoDB, SQS and SES: each request through its handler with a real
//! event, the queue carried to the mailer as the SQS event source would,
//! and every link read back from the mail SES accepted.

use futures_util::future::join_all;
use serde_json::{Value, json};
use sessionless::accounts::PasswordPolicy;
use sessionless::mail::MailKind;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack};

const NEW_EMAIL: &str = "new.user@example.com";
const NEW_PASSWORD: &str = "a-new-password-5678";
const RESET_TO: &str = "a-brand-new-password-9012";
const INVALID_LINK: &str = r#"{"msg":"Invalid or expired link"}"#;

/// The one mail to `email`, after the mailer ran.
fn only_mail(stack: &Stack, email: &str) -> sessionless_tests::mail::SentMail {
    let mails = stack.mails_to(email);
    assert_eq!(mails.len(), 1, "exactly one mail to {email}: {mails:?}");
    mails.into_iter().next().unwrap()
}

/// The claims of a token, read without verifying (the test made it).
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn assert_same_answer(a: &Reply, b: &Reply, what: &str) {
    assert_eq!(
        (a.status, &a.body, &a.headers),
        (b.status, &b.body, &b.headers),
        "{what}"
    );
}

#[tokio::test]
async fn forgot_mail_reset_then_log_in_with_the_new_password_and_nothing_earlier_works() {
    let stack = Stack::with_mail(&[]).await;
    let (access, refresh) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;

    let reply = stack.forgot(DEMO_EMAIL).await;
    assert_eq!(reply.status, 202, "{reply:?}");
    reply.assert_well_formed();
    assert_eq!(
        reply.body,
        r#"{"msg":"If that email has an account, we sent it a link to reset the password"}"#
    );
    assert!(stack.run_mailer().await.is_empty());
    let mail = only_mail(&stack, DEMO_EMAIL);
    assert_eq!(mail.subject, "Reset your password");
    assert!(
        mail.body.contains("https://app.example/reset#token="),
        "{}",
        mail.body
    );
    let token = mail.token();

    let reply = stack.reset_password(&token, RESET_TO).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"msg":"Password reset; log in again"}"#)
    );
    reply.assert_well_formed();

    stack.login(DEMO_EMAIL, RESET_TO, false).await;
    let old = stack
        .login_request(&json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD}))
        .await;
    assert_eq!(old.status, 401, "the old password: {old:?}");
    assert_eq!(
        stack.me(&access).await.status,
        401,
        "the earlier access token"
    );
    let refreshed = stack.refresh(&refresh.unwrap()).await;
    assert_eq!(refreshed.status, 401, "the earlier refresh token");

    let again = stack
        .reset_password(&token, "yet-another-password-3456")
        .await;
    assert_eq!((again.status, again.body.as_str()), (400, INVALID_LINK));
    stack.login(DEMO_EMAIL, RESET_TO, false).await;
}

#[tokio::test]
async fn a_reset_clears_the_lockout_and_verifies_the_address() {
    let stack = Stack::with_mail(&[("LOGIN_LOCK_AFTER", "2")]).await;
    stack.set_email_verified(DEMO_EMAIL, false).await;
    for _ in 0..2 {
        let wrong = json!({"email": DEMO_EMAIL, "password": "wrong-password-0000"});
        assert_eq!(stack.login_request(&wrong).await.status, 401);
    }
    let locked = json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD});
    assert_eq!(stack.login_request(&locked).await.status, 429);

    stack.forgot(DEMO_EMAIL).await;
    stack.run_mailer().await;
    let token = only_mail(&stack, DEMO_EMAIL).token();
    assert_eq!(stack.reset_password(&token, RESET_TO).await.status, 200);
    assert!(stack.user(DEMO_EMAIL).await.unwrap().email_verified);
    stack.login(DEMO_EMAIL, RESET_TO, false).await;
}

#[tokio::test]
async fn a_reset_link_is_spent_by_any_password_change() {
    let stack = Stack::with_mail(&[]).await;
    stack.forgot(DEMO_EMAIL).await;
    stack.run_mailer().await;
    let token = only_mail(&stack, DEMO_EMAIL).token();
    // An operator's reset changes the hash, even to the same password.
    let policy = PasswordPolicy::OWASP_MINIMUM;
    let hash = policy.hash(DEMO_PASSWORD.to_owned()).await.unwrap();
    assert!(
        stack
            .users
            .set_password_hash(DEMO_EMAIL, &hash)
            .await
            .unwrap()
    );
    let reply = stack.reset_password(&token, RESET_TO).await;
    assert_eq!((reply.status, reply.body.as_str()), (400, INVALID_LINK));
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
}

#[tokio::test]
async fn signup_mail_verify_then_log_in() {
    let stack = Stack::with_mail(&[]).await;
    let reply = stack.signup(NEW_EMAIL, NEW_PASSWORD).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (202, r#"{"msg":"Check your inbox to finish signing up"}"#)
    );
    let user = stack.user(NEW_EMAIL).await.expect("created");
    assert!(!user.email_verified, "signup writes false");

    let right = json!({"email": NEW_EMAIL, "password": NEW_PASSWORD});
    let unverified = stack.login_request(&right).await;
    let wrong = json!({"email": NEW_EMAIL, "password": "not-the-password-1"});
    let wrong = stack.login_request(&wrong).await;
    assert_eq!(unverified.status, 401, "{unverified:?}");
    assert_same_answer(
        &unverified,
        &wrong,
        "the right and a wrong password, unverified",
    );

    assert!(stack.run_mailer().await.is_empty());
    let mail = only_mail(&stack, NEW_EMAIL);
    assert_eq!(mail.subject, "Confirm your email address");
    assert!(mail.body.contains("https://app.example/verify#token="));
    let token = mail.token();
    let not_theirs = stack.verify(&token, "not-the-password-1").await;
    assert_eq!(
        (not_theirs.status, not_theirs.body.as_str()),
        (401, r#"{"msg":"Wrong password"}"#)
    );
    let verified = stack.verify(&token, NEW_PASSWORD).await;
    assert_eq!(
        (verified.status, verified.body.as_str()),
        (200, r#"{"msg":"Email verified"}"#)
    );
    assert!(stack.user(NEW_EMAIL).await.unwrap().email_verified);
    let again = stack.verify(&token, NEW_PASSWORD).await;
    assert_eq!((again.status, again.body.as_str()), (400, INVALID_LINK));

    let (access, _) = stack.login(NEW_EMAIL, NEW_PASSWORD, false).await;
    assert_eq!(claims_of(&access)["email_verified"], true);
    let me = stack.me(&access).await.json();
    assert_eq!(me["email_verified"], true, "{me}");
}

#[tokio::test]
async fn signup_of_a_taken_email_answers_the_same_and_mails_a_notice_leaving_the_account_alone() {
    let stack = Stack::with_mail(&[]).await;
    let before = stack.user(DEMO_EMAIL).await.unwrap();
    let new = stack.signup(NEW_EMAIL, NEW_PASSWORD).await;
    let taken = stack.signup(DEMO_EMAIL, "an-attackers-password-1").await;
    assert_same_answer(&new, &taken, "new and taken emails");

    let after = stack.user(DEMO_EMAIL).await.unwrap();
    assert_eq!(after.password_hash, before.password_hash);
    assert_eq!(after.name, before.name);
    assert_eq!(after.account_id, before.account_id);
    assert_eq!(after.token_version(), before.token_version());

    assert!(stack.run_mailer().await.is_empty());
    let notice = only_mail(&stack, DEMO_EMAIL);
    assert_eq!(
        notice.subject,
        "Someone tried to sign up with your email address"
    );
    assert!(notice.body.contains("https://app.example/reset#token="));
    // The notice's link is a working reset link for the owner.
    assert_eq!(
        stack.reset_password(&notice.token(), RESET_TO).await.status,
        200
    );
    stack.login(DEMO_EMAIL, RESET_TO, false).await;
}

#[tokio::test]
async fn forgot_resend_and_signup_answer_byte_identically_whoever_asks() {
    let stack = Stack::with_mail(&[]).await;
    stack
        .add_user("inactive@example.com", DEMO_PASSWORD, false)
        .await;
    let emails = [
        DEMO_EMAIL,
        "nobody@example.com",
        "inactive@example.com",
        DEMO_EMAIL, // asked a moment ago
    ];
    for (name, first) in [("forgot", true), ("resend", false)] {
        let mut replies = Vec::new();
        for email in emails {
            replies.push(match first {
                true => stack.forgot(email).await,
                false => stack.resend(email).await,
            });
        }
        assert_eq!(replies[0].status, 202, "{:?}", replies[0]);
        for (email, reply) in emails.iter().zip(&replies) {
            assert_same_answer(&replies[0], reply, &format!("{name} {email}"));
        }
    }
    assert!(stack.run_mailer().await.is_empty());
    assert!(
        stack.mails_to("nobody@example.com").is_empty(),
        "no account, no mail"
    );
    assert!(
        stack.mails_to("inactive@example.com").is_empty(),
        "inactive, no mail"
    );
    let demo = only_mail(&stack, DEMO_EMAIL);
    assert_eq!(
        demo.subject, "Reset your password",
        "the rest were rate-limited"
    );
}

#[tokio::test]
async fn twenty_concurrent_requests_send_one_mail_per_interval() {
    let stack = Stack::with_mail(&[]).await;
    let replies = join_all((0..20).map(|_| stack.forgot(DEMO_EMAIL))).await;
    assert!(replies.iter().all(|reply| reply.status == 202));
    // Each request in a mailer invocation of its own, all at once.
    let requests: Vec<String> = (0..20)
        .map(|_| json!({"kind": MailKind::PasswordReset, "email": DEMO_EMAIL}).to_string())
        .collect();
    let runs = join_all(requests.iter().map(|body| stack.mailer_on(body))).await;
    assert!(runs.iter().all(|failures| failures.is_empty()), "{runs:?}");
    assert!(stack.run_mailer().await.is_empty());
    assert_eq!(stack.mails_to(DEMO_EMAIL).len(), 1, "one mail per interval");
}

#[tokio::test]
async fn old_items_without_email_verified_count_as_verified() {
    let stack = Stack::with_mail(&[]).await;
    stack
        .edit_item(DEMO_EMAIL)
        .update_expression("REMOVE email_verified")
        .send()
        .await
        .unwrap();
    let (access, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(claims_of(&access)["email_verified"], true);
    assert_eq!(stack.resend(DEMO_EMAIL).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    assert!(
        stack.mails_to(DEMO_EMAIL).is_empty(),
        "already verified: no mail"
    );
}

#[tokio::test]
async fn verification_off_keeps_todays_signup_but_writes_the_truth() {
    let stack = Stack::new().await;
    let reply = stack.signup(NEW_EMAIL, NEW_PASSWORD).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["email_verified"], false);
    let (access, _) = stack.login(NEW_EMAIL, NEW_PASSWORD, false).await;
    assert_eq!(claims_of(&access)["email_verified"], false);
}

#[tokio::test]
async fn a_failed_send_and_a_broken_message_are_reported_for_retry_and_the_claim_given_back() {
    // A sender on a domain the local SES never verified: SendEmail fails.
    let stack = Stack::with_mail(&[("MAIL_FROM", "sender@unverified.test")]).await;
    stack.queue_raw("not a mail request").await;
    stack.forgot(DEMO_EMAIL).await;
    let failures = stack.run_mailer().await;
    assert_eq!(failures.len(), 2, "both reported as batch item failures");
    assert_eq!(
        stack.user(DEMO_EMAIL).await.unwrap().mail_sent_at,
        None,
        "the claim was given back, so a retry may send"
    );
}

/// The sample events in `events/` for the mail flows, both API kinds, get
/// the answers the README gives them; the SQS sample drives the mailer.
#[tokio::test]
async fn the_sample_events_get_their_documented_answers() {
    let stack = Stack::with_mail(&[]).await;
    for kind in ["http-api", "rest-api"] {
        let event = |name: &str| sessionless_tests::event(&format!("{kind}/{name}.json"));
        let forgot = stack
            .invoke(request_link::handle, &event("password-forgot"))
            .await;
        assert_eq!(forgot.status, 202, "{kind}: {forgot:?}");
        let resend = stack
            .invoke(request_link::handle, &event("verify-resend"))
            .await;
        assert_eq!(resend.status, 202, "{kind}: {resend:?}");
        assert_ne!(
            forgot.body, resend.body,
            "{kind}: each route says what it did"
        );
        // The committed tokens are placeholders: real ones come by mail.
        let reset = stack
            .invoke(reset_password::handle, &event("password-reset"))
            .await;
        assert_eq!(
            (reset.status, reset.body.as_str()),
            (400, INVALID_LINK),
            "{kind}"
        );
        let verify = stack.invoke(verify_email::handle, &event("verify")).await;
        assert_eq!(
            (verify.status, verify.body.as_str()),
            (400, INVALID_LINK),
            "{kind}"
        );
        let signup = stack
            .invoke(signup::handle, &event("signup-existing-email"))
            .await;
        assert_eq!(signup.status, 202, "{kind}: {signup:?}");
    }
    let sample: aws_lambda_events::sqs::SqsEvent =
        serde_json::from_str(&sessionless_tests::event("sqs/mail-request.json")).unwrap();
    let answer = mailer::handle(stack.mailer.unwrap(), sample).await.unwrap();
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");
    assert_eq!(
        stack.mails_to(DEMO_EMAIL).len(),
        1,
        "the reset link of the sample"
    );
}

/// Review 2, M1: signing an address up with a password, then logging in
/// with it, must not tell whether the address already had an account.
#[tokio::test]
async fn signup_then_login_tells_nothing_about_whether_the_email_had_an_account() {
    let stack = Stack::with_mail(&[]).await;
    let password = "an-attackers-password-1";
    let new = stack.signup(NEW_EMAIL, password).await;
    let taken = stack.signup(DEMO_EMAIL, password).await;
    assert_same_answer(&new, &taken, "the signups");

    stack.operations.take();
    let new = stack
        .login_request(&json!({"email": NEW_EMAIL, "password": password}))
        .await;
    let new_writes = stack.operations.take();
    let taken = stack
        .login_request(&json!({"email": DEMO_EMAIL, "password": password}))
        .await;
    let taken_writes = stack.operations.take();
    assert_eq!(new.status, 401, "{new:?}");
    assert_same_answer(&new, &taken, "the logins after them");
    assert_eq!(new_writes, taken_writes, "the same calls, so the same time");
}

/// Review 2, M2: an attacker signs the victim's address up with a password
/// of their own and a lure for a name; the victim gets the genuine mail and
/// opens its link. The attacker gets no token, and the victim can still
/// claim the address.
#[tokio::test]
async fn a_victims_click_on_the_verification_link_gives_the_attacker_nothing() {
    let stack = Stack::with_mail(&[("MAIL_MIN_INTERVAL", "1")]).await;
    let victim = "victim@example.com";
    let attackers = "an-attackers-password-1";
    let lure = "Call +1 555 0100 to claim your prize";
    let signup = json!({"email": victim, "password": attackers, "name": lure});
    assert_eq!(stack.signup_request(&signup).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    let mail = only_mail(&stack, victim);
    assert!(
        !mail.body.contains(lure),
        "the lure is not mailed: {}",
        mail.body
    );
    assert!(
        mail.body.contains("If you did not sign up"),
        "{}",
        mail.body
    );

    // The victim opens the link, with whatever password they try.
    let click = stack.verify(&mail.token(), "the-victims-own-guess-1").await;
    assert_eq!(click.status, 401, "{click:?}");
    assert!(!stack.user(victim).await.unwrap().email_verified);
    let login = json!({"email": victim, "password": attackers});
    let reply = stack.login_request(&login).await;
    assert_eq!(reply.status, 401, "no tokens for the attacker: {reply:?}");
    assert!(!reply.body.contains("token"), "{reply:?}");

    // The victim claims the address with a reset, which the attacker's
    // password does not survive.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    stack.forgot(victim).await;
    stack.run_mailer().await;
    let reset = stack.mails_to(victim).pop().expect("a reset mail");
    assert!(!reset.body.contains(lure), "{}", reset.body);
    assert_eq!(
        stack.reset_password(&reset.token(), RESET_TO).await.status,
        200
    );
    assert_eq!(stack.login_request(&login).await.status, 401);
    stack.login(victim, RESET_TO, false).await;
}

/// Review 2, L2: a mail's link carries an opaque secret whose hash the
/// account's item records, not a JWT signed with the access tokens' key
/// (the mailer holds no key at all). Each mail's link replaces the one
/// before it, and a logout everywhere spends it, as a password change does.
#[tokio::test]
async fn each_mails_link_is_an_opaque_secret_that_replaces_the_one_before() {
    let stack = Stack::with_mail(&[("MAIL_MIN_INTERVAL", "1")]).await;
    let mut reset_links = Vec::new();
    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        assert_eq!(stack.forgot(DEMO_EMAIL).await.status, 202);
        assert!(stack.run_mailer().await.is_empty());
        let token = stack.mails_to(DEMO_EMAIL).last().unwrap().token();
        assert!(token.starts_with("srl1."), "{token}");
        assert!(jsonwebtoken::decode_header(&token).is_err(), "no JWT");
        reset_links.push(token);
    }
    let replaced = stack.reset_password(&reset_links[0], RESET_TO).await;
    assert_eq!(
        (replaced.status, replaced.body.as_str()),
        (400, INVALID_LINK)
    );
    let (access, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let logout = stack
        .invoke(
            logout::handle,
            &sessionless_tests::with_token(
                &sessionless_tests::event("http-api/logout.json"),
                &access,
            ),
        )
        .await;
    assert_eq!(logout.status, 200, "{logout:?}");
    let spent = stack.reset_password(&reset_links[1], RESET_TO).await;
    assert_eq!((spent.status, spent.body.as_str()), (400, INVALID_LINK));
    stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;

    assert_eq!(stack.signup(NEW_EMAIL, NEW_PASSWORD).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(stack.resend(NEW_EMAIL).await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    let verify_links: Vec<String> = stack
        .mails_to(NEW_EMAIL)
        .iter()
        .map(|mail| mail.token())
        .collect();
    assert_eq!(verify_links.len(), 2, "{verify_links:?}");
    assert!(verify_links[0].starts_with("svl1."), "{}", verify_links[0]);
    let replaced = stack.verify(&verify_links[0], NEW_PASSWORD).await;
    assert_eq!(
        (replaced.status, replaced.body.as_str()),
        (400, INVALID_LINK)
    );
    assert_eq!(
        stack.verify(&verify_links[1], NEW_PASSWORD).await.status,
        200
    );
}
