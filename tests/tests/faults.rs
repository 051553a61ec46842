//! DynamoDB failing: unreachable, hanging, throttling, erroring. Every case
//! must answer 503 with Retry-After within the configured bound (about 3 s
//! by default) instead of hanging until the Lambda timeout or failing open,
//! and the function must recover by itself when DynamoDB comes back. A
//! write that landed but whose answer was lost, and that the SDK retried,
//! must count as done.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde_json::json;
use sessionless_tests::fault_server::{Fault, FaultServer, LOST_ANSWER_DELAY};
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, env_refs, event, with_body, with_refresh_token,
    with_token,
};

/// The documented bound: the default operation timeout plus a margin for
/// the handler's own work on a loaded test machine.
const BOUND: Duration = Duration::from_millis(3_000);

fn moto() -> SocketAddr {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("run the tests with scripts/test");
    let authority = endpoint.trim_start_matches("http://");
    authority
        .to_socket_addrs()
        .expect("moto address")
        .next()
        .expect("an address")
}

async fn timed<F: std::future::Future<Output = Reply>>(call: F) -> (Reply, Duration) {
    let start = Instant::now();
    let reply = call.await;
    (reply, start.elapsed())
}

fn assert_unavailable(reply: &Reply, elapsed: Duration, what: &str) {
    assert_eq!(reply.status, 503, "{what}: {reply:?}");
    assert_eq!(
        reply.body, r#"{"msg":"Service temporarily unavailable, try again"}"#,
        "{what}"
    );
    assert_eq!(reply.header("retry-after"), Some("1"), "{what}");
    // Shown with --nocapture: the figures behind the bound.
    println!("{what}: 503 after {elapsed:?}");
    assert!(
        elapsed <= BOUND,
        "{what}: answered after {elapsed:?}, over {BOUND:?}"
    );
}

/// login (a public endpoint) and me (a protected one) against `endpoint`.
async fn both_endpoints(stack: &Stack, endpoint: &str, what: &str) {
    let failing = stack.with_dynamodb_endpoint(endpoint).await;
    let (reply, elapsed) =
        timed(failing.invoke(login::handle, &event("http-api/login-ok.json"))).await;
    assert_unavailable(&reply, elapsed, &format!("{what}, login"));
    let me_request = with_token(
        &event("http-api/me-header-token.json"),
        &stack.demo_token().await,
    );
    let (reply, elapsed) = timed(failing.invoke(me::handle, &me_request)).await;
    assert_unavailable(&reply, elapsed, &format!("{what}, me"));
}

#[tokio::test]
async fn unreachable_dynamodb_is_a_prompt_503() {
    let stack = Stack::with_production_timeouts().await;
    // Bound to nothing: connections are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    both_endpoints(&stack, &format!("http://{closed}"), "closed port").await;
}

#[tokio::test]
async fn hanging_dynamodb_is_a_503_within_the_bound() {
    let stack = Stack::with_production_timeouts().await;
    let server = FaultServer::start(Fault::Hang, moto());
    both_endpoints(&stack, &server.endpoint(), "hanging listener").await;
}

#[tokio::test]
async fn throttling_and_server_errors_are_503s_within_the_bound() {
    let stack = Stack::with_production_timeouts().await;
    let server = FaultServer::start(Fault::Throttle, moto());
    both_endpoints(&stack, &server.endpoint(), "throttled").await;
    server.set(Fault::ServerError);
    both_endpoints(&stack, &server.endpoint(), "500 answers").await;
}

#[tokio::test]
async fn the_function_recovers_when_dynamodb_comes_back() {
    let stack = Stack::with_production_timeouts().await;
    let server = FaultServer::start(Fault::Hang, moto());
    let flaky = stack.with_dynamodb_endpoint(&server.endpoint()).await;
    let login = event("http-api/login-ok.json");
    for fault in [Fault::Hang, Fault::Throttle, Fault::ServerError] {
        server.set(fault);
        assert_eq!(
            flaky.invoke(login::handle, &login).await.status,
            503,
            "{fault:?}"
        );
        // Back, with the same client and connection pool: no restart needed.
        server.set(Fault::Forward);
        let reply = flaky.invoke(login::handle, &login).await;
        assert_eq!(reply.status, 200, "after {fault:?}: {reply:?}");
    }
}

/// Attempts that time out well before the fault server hands back a held
/// answer, with room in the operation timeout for the SDK's retry.
fn retrying_settings() -> [(&'static str, String); 3] {
    [
        (
            "DYNAMODB_ATTEMPT_TIMEOUT_MS",
            (LOST_ANSWER_DELAY / 3).as_millis().to_string(),
        ),
        ("DYNAMODB_OPERATION_TIMEOUT_MS", "20000".to_owned()),
        ("DYNAMODB_MAX_ATTEMPTS", "3".to_owned()),
    ]
}

/// A stack on [`retrying_settings`].
async fn retrying_stack() -> Stack {
    Stack::with_env(&env_refs(&retrying_settings())).await
}

#[tokio::test]
async fn a_rotation_whose_answer_was_lost_still_hands_out_the_successor() {
    let stack = retrying_stack().await;
    let (_, refresh) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let server = FaultServer::losing_answer(moto(), "refresh_families.#fam = :next");
    let lossy = stack.with_dynamodb_endpoint(&server.endpoint()).await;
    let request = with_refresh_token(
        &event("http-api/refresh-header-token.json"),
        &refresh.expect("remember"),
    );
    let reply = lossy.invoke(refresh::handle, &request).await;
    assert_eq!(
        reply.status, 200,
        "the retry finds its own write: {reply:?}"
    );
    let successor = reply.json()["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    let next = with_refresh_token(&event("http-api/refresh-header-token.json"), &successor);
    let reply = stack.invoke(refresh::handle, &next).await;
    assert_eq!(reply.status, 200, "the successor works: {reply:?}");
}

#[tokio::test]
async fn a_password_change_whose_answer_was_lost_still_succeeds() {
    let stack = retrying_stack().await;
    let (fresh, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let server = FaultServer::losing_answer(moto(), "password_hash = :new");
    let lossy = stack.with_dynamodb_endpoint(&server.endpoint()).await;
    let new_password = "a-better-password-4321";
    let body = json!({"old_password": DEMO_PASSWORD, "new_password": new_password});
    let request = with_body(
        &with_token(&event("http-api/password-change.json"), &fresh),
        &body.to_string(),
    );
    let reply = lossy.invoke(password::handle, &request).await;
    assert_eq!(
        reply.status, 200,
        "the retry finds its own write: {reply:?}"
    );
    stack.login(DEMO_EMAIL, new_password, false).await;
}

#[tokio::test]
async fn a_mail_claim_whose_answer_was_lost_still_sends_the_mail() {
    let stack = Stack::with_mail(&env_refs(&retrying_settings())).await;
    let server = FaultServer::losing_answer(moto(), "SET mail_sent_at = :now");
    let lossy = stack.with_dynamodb_endpoint(&server.endpoint()).await;
    assert_eq!(stack.forgot(DEMO_EMAIL).await.status, 202);
    assert!(lossy.run_mailer().await.is_empty(), "no failure to report");
    let mails = stack.mails_to(DEMO_EMAIL);
    assert_eq!(mails.len(), 1, "the retry finds its own claim: {mails:?}");
    assert!(
        stack.user(DEMO_EMAIL).await.unwrap().mail_sent_at.is_some(),
        "the claim stands"
    );
}

#[tokio::test]
async fn a_verification_whose_answer_was_lost_still_succeeds() {
    let stack = Stack::with_mail(&env_refs(&retrying_settings())).await;
    let email = "unverified@example.com";
    assert_eq!(stack.signup(email, "a-new-password-5678").await.status, 202);
    assert!(stack.run_mailer().await.is_empty());
    let [mail] = stack.mails_to(email).try_into().expect("one mail");
    let server = FaultServer::losing_answer(moto(), "SET email_verified = :verified");
    let lossy = stack.with_dynamodb_endpoint(&server.endpoint()).await;
    let reply = lossy.verify(&mail.token(), "a-new-password-5678").await;
    assert_eq!(
        reply.status, 200,
        "the retry finds its own write: {reply:?}"
    );
    assert!(stack.user(email).await.unwrap().email_verified);
    let again = stack.verify(&mail.token(), "a-new-password-5678").await;
    assert_eq!(
        again.status, 400,
        "a second use is still refused: {again:?}"
    );
}
