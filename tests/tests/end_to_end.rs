//! Every function through the real Lambda runtime path: `cargo lambda
//! watch` runs the actual binaries behind its Runtime API emulator and
//! routes HTTP requests at the API Gateway paths, as `scripts/dev` does.
//! `cargo lambda invoke` sends the `events/` files through the same path,
//! and reaches the authorizer and the backend behind it, which have no
//! route of their own locally.
//!
//! Needs `cargo-lambda` on PATH; `scripts/test` puts the pinned one there.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use sessionless::tokens::generate_private_pem;
use sessionless_tests::mail::sqs_event;
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, Reply, Stack, event, function_crates, reply_from_lambda_response,
    repo_root, with_token,
};

/// A `cargo lambda watch` process group, stopped when dropped, so that a
/// failing assertion does not leave it running.
struct Watch {
    child: Child,
    port: u16,
    env_file: PathBuf,
    log_file: PathBuf,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.env_file);
        let _ = std::fs::remove_file(&self.log_file);
    }
}

/// What the mail functions are told, from the stack's own queue and sender.
const MAIL_VARIABLES: [&str; 6] = [
    "REQUIRE_EMAIL_VERIFICATION",
    "MAIL_MIN_INTERVAL",
    "MAIL_QUEUE_URL",
    "MAIL_FROM",
    "RESET_URL",
    "VERIFY_URL",
];

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Watch {
    fn start(stack: &Stack) -> Self {
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
            .expect("AWS_ENDPOINT_URL_DYNAMODB; run the tests with scripts/test");
        let env_path =
            std::env::temp_dir().join(format!("sessionless-e2e-{}.env", uuid::Uuid::new_v4()));
        let port = free_port();
        // As scripts/dev runs it: RS256 with a key made for the run, and the
        // local URL as the issuer, so the discovery routes work.
        let pem = generate_private_pem(Algorithm::RS256).expect("key pair");
        let keys = json!({"current": "e2e", "e2e": pem}).to_string();
        let mut env_file = std::fs::File::create(&env_path).expect("env file");
        writeln!(
            env_file,
            "USERS_TABLE={}\nJWT_ISSUER=http://127.0.0.1:{port}\n\
             AWS_ENDPOINT_URL_DYNAMODB={endpoint}\n\
             AWS_ACCESS_KEY_ID=local\nAWS_SECRET_ACCESS_KEY=local\nAWS_REGION=us-east-1\n\
             RUST_LOG=trace\nAWS_LAMBDA_LOG_FORMAT=JSON",
            stack.auth.config().accounts.users_table
        )
        .expect("write env file");

        // The most verbose logs there are, kept for the secrets check.
        let log_file = env_path.with_extension("log");
        let log = std::fs::File::create(&log_file).expect("log file");
        // As scripts/dev serves them: the API's functions and nothing else.
        let child = Command::new(repo_root().join("scripts/serve"))
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            .arg("--env-file")
            .arg(&env_path)
            // Through the environment, as scripts/dev does: a dotenv file
            // does not keep a JSON value with PEM keys in it intact, nor a
            // link template with `#` in it.
            .env("JWT_SIGNING_KEYS", &keys)
            .envs(MAIL_VARIABLES.map(|name| (name, stack.env_value(name))))
            .current_dir(repo_root())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("scripts/serve starts cargo lambda watch; run the tests with scripts/test");
        let watch = Self {
            child,
            port,
            env_file: env_path,
            log_file,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not start listening"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        watch
    }

    /// Everything cargo lambda watch and the functions printed so far.
    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log_file).expect("log file")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// An HTTP request at an API Gateway path. The first request to a
    /// function compiles it, hence the long timeout.
    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(600)))
            .build()
            .into();
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.unwrap_or_default().to_owned())
            .expect("request");
        let mut response = agent.run(request).expect("HTTP response");
        let mut reply = Reply {
            status: response.status().as_u16(),
            headers: Default::default(),
            body: response.body_mut().read_to_string().expect("body"),
        };
        for (name, value) in response.headers() {
            reply
                .headers
                .entry(name.as_str().to_owned())
                .or_default()
                .push(value.to_str().unwrap_or_default().to_owned());
        }
        reply
    }

    /// Carries everything queued to the mailer binary, as the SQS event
    /// source would (scripts/mail_relay.py locally), and checks it reported
    /// no failure.
    fn relay_mail(&self, stack: &Stack) {
        let queued = tokio::runtime::Handle::current().block_on(stack.take_queued());
        assert!(!queued.is_empty(), "a mail request was queued");
        let event = serde_json::to_string(&sqs_event(&queued)).unwrap();
        let answer = self.invoke_raw("mailer", &event);
        assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    }

    /// `cargo lambda invoke FUNCTION` with an event, as the README shows.
    fn invoke(&self, function: &str, event: &str) -> Reply {
        reply_from_lambda_response(self.invoke_raw(function, event))
    }

    /// `cargo lambda invoke FUNCTION`, returning what the function returned.
    fn invoke_raw(&self, function: &str, event: &str) -> Value {
        let output = self.run_invoke(function, event);
        assert!(
            output.status.success(),
            "cargo lambda invoke {function} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("invoke prints the response")
    }

    /// `cargo lambda invoke FUNCTION` with an event the function must
    /// refuse as an invocation error; returns the error text.
    fn invoke_failing(&self, function: &str, event: &str) -> String {
        let output = self.run_invoke(function, event);
        assert!(
            !output.status.success(),
            "cargo lambda invoke {function} {event} succeeded: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    fn run_invoke(&self, function: &str, event: &str) -> std::process::Output {
        Command::new("cargo")
            .args([
                "lambda",
                "invoke",
                function,
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
            ])
            .arg(self.port.to_string())
            .arg("--data-ascii")
            .arg(event)
            .current_dir(repo_root())
            .output()
            .expect("cargo lambda invoke runs")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_through_cargo_lambda_watch() {
    // One mail a second per address, so the flows need not wait a minute.
    let stack = Stack::with_mail(&[("MAIL_MIN_INTERVAL", "1")]).await;
    // The blocking HTTP calls and subprocesses below run off the runtime.
    tokio::task::spawn_blocking(move || run_end_to_end(&stack))
        .await
        .expect("end-to-end run");
}

fn run_end_to_end(stack: &Stack) {
    let watch = Watch::start(stack);
    let json_headers = [("content-type", "application/json")];

    // login over HTTP at its API Gateway path.
    let credentials = json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).to_string();
    let reply = watch.http("POST", "/login", &json_headers, Some(&credentials));
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.assert_well_formed();
    let token = reply.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    let wrong = json!({"email": DEMO_EMAIL, "password": "wrong-password"}).to_string();
    let reply = watch.http("POST", "/login", &json_headers, Some(&wrong));
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Bad email or password"}"#)
    );
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert!(!reply.headers.contains_key("set-cookie"));

    // me over HTTP: header token on GET, body token on POST.
    let bearer = format!("Bearer {token}");
    let reply = watch.http("GET", "/me", &[("authorization", bearer.as_str())], None);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["email"], DEMO_EMAIL);
    let body = json!({"access_token": token}).to_string();
    let reply = watch.http("POST", "/me", &json_headers, Some(&body));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["email"], DEMO_EMAIL);
    let reply = watch.http("GET", "/me", &[], None);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Missing access token"}"#)
    );

    // A team's own axum route, the user loaded in process.
    let reply = watch.http(
        "GET",
        "/whoami",
        &[("authorization", bearer.as_str())],
        None,
    );
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"email":"demo@example.com","name":"Demo User"}"#)
    );
    let reply = watch.http("GET", "/whoami", &[], None);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Missing access token"}"#)
    );

    // The events/ files through `cargo lambda invoke`, both event kinds.
    for kind in ["http-api", "rest-api"] {
        let reply = watch.invoke("login", &event(&format!("{kind}/login-ok.json")));
        assert_eq!(reply.status, 200, "{kind}: {reply:?}");
        let reply = watch.invoke(
            "login",
            &event(&format!("{kind}/login-malformed-body.json")),
        );
        assert_eq!(reply.status, 400, "{kind}: {reply:?}");
        let reply = watch.invoke(
            "me",
            &with_token(&event(&format!("{kind}/me-header-token.json")), &token),
        );
        assert_eq!(reply.status, 200, "{kind}: {reply:?}");
        let reply = watch.invoke(
            "me",
            &with_token(&event(&format!("{kind}/me-body-token.json")), &token),
        );
        assert_eq!(reply.status, 200, "{kind}: {reply:?}");
    }

    only_the_api_is_served(&watch);
    published_keys(&watch, &token);
    token_lifecycle(&watch, stack, &token);
    not_api_gateway_events(&watch);
    assert_logs_hold_no_secrets(&watch.logs());
}

/// The local stack serves the API's functions alone, and every method of a
/// route reaches its function, which refuses the ones it does not serve.
fn only_the_api_is_served(watch: &Watch) {
    let reply = watch.http("DELETE", "/login", &[], None);
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (405, r#"{"msg":"Method not allowed"}"#)
    );
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = watch.http("PUT", "/me", &[], None);
    assert_eq!(reply.header("allow"), Some("GET, POST"), "{reply:?}");

    let reply = watch.http("POST", "/lambda-url/floor-hello/", &[], Some("{}"));
    assert_eq!(reply.status, 404, "{reply:?}");
    // cargo lambda's own answer, which lists what it serves.
    let detail = reply.json()["detail"].as_str().expect("detail").to_owned();
    let functions = function_crates();
    for binary in [
        "floor-hello",
        "floor-argon2",
        "sessionless-bench",
        "sessionless-admin",
    ] {
        assert!(!detail.contains(&format!("\"{binary}\"")), "{detail}");
    }
    for function in &functions {
        assert!(detail.contains(&format!("\"{function}\"")), "{detail}");
    }
}

/// The discovery routes answer as any verifier expects, and an independent
/// JWT implementation (PyJWT, from the dev virtualenv) verifies a token of
/// this stack's `/login` with nothing but what they publish.
fn published_keys(watch: &Watch, token: &str) {
    let issuer = watch.url("");
    let reply = watch.http("GET", "/.well-known/openid-configuration", &[], None);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
    let discovery = reply.json();
    assert_eq!(discovery["issuer"], issuer.as_str());
    let jwks_uri = format!("{issuer}/.well-known/jwks.json");
    assert_eq!(discovery["jwks_uri"], jwks_uri.as_str());
    let reply = watch.http("GET", "/.well-known/jwks.json", &[], None);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("public, max-age=300"));
    let jwks = reply.json();
    assert_eq!(jwks["keys"][0]["kid"], "e2e");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert!(jwks["keys"][0].get("d").is_none(), "{jwks}");

    let verified = verify_with_pyjwt(&issuer, token).expect("PyJWT accepts the token");
    let claims: Value = serde_json::from_str(&verified).expect("claims");
    assert_eq!(claims["sub"], DEMO_EMAIL);
    assert_eq!(claims["iss"], issuer.as_str());
    // And refuses a token whose signature is not the key's.
    let at = token.len() - 10;
    let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
    let refusal = verify_with_pyjwt(&issuer, &forged).expect_err("PyJWT refuses a bad signature");
    assert!(refusal.contains("InvalidSignatureError"), "{refusal}");
}

/// `scripts/verify_token.py ISSUER TOKEN`: the claims, or why not.
fn verify_with_pyjwt(issuer: &str, token: &str) -> Result<String, String> {
    let output = Command::new(repo_root().join(".venv/bin/python"))
        .arg(repo_root().join("scripts/verify_token.py"))
        .args([issuer, token])
        .output()
        .expect("the dev virtualenv's python runs; run the tests with scripts/test");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Direct invocations with events that are not from API Gateway fail
/// cleanly, and the function lives on to serve the next request.
fn not_api_gateway_events(watch: &Watch) {
    for event in [
        "{}",
        r#"{"Records": [{"eventSource": "aws:sqs"}]}"#,
        "[1, 2]",
    ] {
        for function in ["login", "me", "authorizer"] {
            let error = watch.invoke_failing(function, event);
            assert!(!error.contains("panicked"), "{function} {event}: {error}");
        }
    }
    let reply = watch.invoke("login", &event("http-api/login-ok.json"));
    assert_eq!(reply.status, 200, "still serving: {reply:?}");
}

/// The functions ran at TRACE with JSON logs: every line of theirs carries
/// the request id, and no password, hash or whole token appears anywhere.
fn assert_logs_hold_no_secrets(logs: &str) {
    let function_lines: Vec<&str> = logs.lines().filter(|line| line.starts_with('{')).collect();
    assert!(!function_lines.is_empty(), "no JSON log lines:\n{logs}");
    let invocations = function_lines
        .iter()
        .filter(|line| line.contains("\"requestId\""))
        .count();
    assert!(
        invocations > 20,
        "request ids missing from the logs:\n{logs}"
    );
    for secret in [
        DEMO_PASSWORD,
        "e2e-password-1",
        "e2e-password-2",
        "$argon2id$",
    ] {
        if let Some(line) = logs.lines().find(|line| line.contains(secret)) {
            panic!(
                "{secret:?} appears in the logs: {}",
                &line[..line.len().min(600)]
            );
        }
    }
    if let Some(token) = first_jwt(logs) {
        panic!("a whole token appears in the logs: {token}");
    }
}

/// The first `header.payload.signature` in `text`, if any.
fn first_jwt(text: &str) -> Option<&str> {
    let segment = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices("eyJ").find_map(|(start, _)| {
        let rest = &text[start..];
        let end = rest
            .find(|c: char| !segment(c) && c != '.')
            .unwrap_or(rest.len());
        let candidate = &rest[..end];
        let parts: Vec<&str> = candidate.split('.').collect();
        (parts.len() == 3 && parts.iter().all(|part| !part.is_empty())).then_some(candidate)
    })
}

/// signup, refresh, password, logout over HTTP at their API Gateway paths;
/// the authorizer and the backend behind it through `cargo lambda invoke`.
fn token_lifecycle(watch: &Watch, stack: &Stack, demo_token: &str) {
    let json_headers = [("content-type", "application/json")];
    let signup =
        json!({"email": "e2e@example.com", "password": "e2e-password-1", "name": "End To End"});
    let reply = watch.http("POST", "/signup", &json_headers, Some(&signup.to_string()));
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (202, r#"{"msg":"Check your inbox to finish signing up"}"#)
    );
    let login = json!({"email": "e2e@example.com", "password": "e2e-password-1"}).to_string();
    let reply = watch.http("POST", "/login", &json_headers, Some(&login));
    assert_eq!(reply.status, 401, "not verified yet: {reply:?}");
    watch.relay_mail(stack);
    let mails = stack.mails_to("e2e@example.com");
    let verification = mails.last().expect("a verification mail").token();
    let body = json!({"token": verification, "password": "e2e-password-1"}).to_string();
    let reply = watch.http("POST", "/verify", &json_headers, Some(&body));
    assert_eq!(reply.status, 200, "{reply:?}");

    let login = json!({"email": "e2e@example.com", "password": "e2e-password-1", "remember": true});
    let reply = watch.http("POST", "/login", &json_headers, Some(&login.to_string()));
    assert_eq!(reply.status, 200, "{reply:?}");
    let fresh = reply.json()["access_token"].as_str().unwrap().to_owned();
    let refresh_token = reply.json()["refresh_token"].as_str().unwrap().to_owned();

    let body = json!({"refresh_token": refresh_token}).to_string();
    let reply = watch.http("POST", "/refresh", &json_headers, Some(&body));
    assert_eq!(reply.status, 200, "{reply:?}");
    let successor = reply.json()["refresh_token"].as_str().unwrap().to_owned();
    let again = watch.http("POST", "/refresh", &json_headers, Some(&body));
    assert_eq!(
        again.status, 200,
        "a second tab, within the interval: {again:?}"
    );
    assert_eq!(again.json()["refresh_token"], successor.as_str());
    let next = json!({"refresh_token": successor}).to_string();
    let reply = watch.http("POST", "/refresh", &json_headers, Some(&next));
    assert_eq!(reply.status, 200, "{reply:?}");
    let replay = watch.http("POST", "/refresh", &json_headers, Some(&body));
    assert_eq!(replay.status, 401, "replayed refresh token: {replay:?}");
    // The login's access token came with that family, and died with it.
    let bearer = format!("Bearer {fresh}");
    let reply = watch.http("GET", "/me", &[("authorization", bearer.as_str())], None);
    assert_eq!(reply.status, 401, "revoked with its family: {reply:?}");
    let login = json!({"email": "e2e@example.com", "password": "e2e-password-1"});
    let reply = watch.http("POST", "/login", &json_headers, Some(&login.to_string()));
    assert_eq!(reply.status, 200, "{reply:?}");
    let fresh = reply.json()["access_token"].as_str().unwrap().to_owned();

    let bearer = format!("Bearer {fresh}");
    let change =
        json!({"old_password": "e2e-password-1", "new_password": "e2e-password-2"}).to_string();
    let headers = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    let reply = watch.http("POST", "/password", &headers, Some(&change));
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = watch.http("GET", "/me", &[("authorization", bearer.as_str())], None);
    assert_eq!(
        reply.status, 401,
        "retired by the password change: {reply:?}"
    );

    let login = json!({"email": "e2e@example.com", "password": "e2e-password-2"});
    let reply = watch.http("POST", "/login", &json_headers, Some(&login.to_string()));
    assert_eq!(reply.status, 200, "{reply:?}");
    let bearer = format!("Bearer {}", reply.json()["access_token"].as_str().unwrap());
    let reply = watch.http(
        "POST",
        "/logout",
        &[("authorization", bearer.as_str())],
        None,
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    let reply = watch.http("GET", "/me", &[("authorization", bearer.as_str())], None);
    assert_eq!(reply.status, 401, "retired by the logout: {reply:?}");

    // A forgotten password, by mail (past the one-second mail interval).
    std::thread::sleep(Duration::from_millis(2_100));
    let forgot = json!({"email": "e2e@example.com"}).to_string();
    let reply = watch.http("POST", "/password/forgot", &json_headers, Some(&forgot));
    assert_eq!(reply.status, 202, "{reply:?}");
    watch.relay_mail(stack);
    let mails = stack.mails_to("e2e@example.com");
    assert_eq!(mails.len(), 2, "{mails:?}");
    let reset = mails.last().unwrap().token();
    let body = json!({"token": reset, "new_password": "e2e-password-3"}).to_string();
    let reply = watch.http("POST", "/password/reset", &json_headers, Some(&body));
    assert_eq!(reply.status, 200, "{reply:?}");
    let login = json!({"email": "e2e@example.com", "password": "e2e-password-3"});
    let reply = watch.http("POST", "/login", &json_headers, Some(&login.to_string()));
    assert_eq!(reply.status, 200, "{reply:?}");

    for file in [
        "authorizer/http-api-request.json",
        "authorizer/rest-token.json",
        "authorizer/rest-request.json",
    ] {
        let allowed = watch.invoke_raw("authorizer", &with_token(&event(file), demo_token));
        let denied = watch.invoke_raw("authorizer", &event(file));
        if file.starts_with("authorizer/http") {
            assert_eq!(allowed["isAuthorized"], true, "{file}: {allowed}");
            assert_eq!(denied["isAuthorized"], false, "{file}: {denied}");
        } else {
            assert_eq!(
                allowed["policyDocument"]["Statement"][0]["Effect"], "Allow",
                "{file}"
            );
            assert_eq!(
                denied["policyDocument"]["Statement"][0]["Effect"], "Deny",
                "{file}"
            );
        }
        assert_eq!(allowed["context"]["email"], DEMO_EMAIL, "{file}");
    }
    let reply = watch.invoke("hello", &event("http-api/hello-authorized.json"));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["msg"], "Hello, Demo User!");
}

#[test]
fn the_token_detector_finds_whole_tokens_only() {
    assert_eq!(
        first_jwt("x eyJhb.eyJzd.sig-_9 y"),
        Some("eyJhb.eyJzd.sig-_9")
    );
    assert_eq!(
        first_jwt(r#"{"t":"eyJhb.eyJzd.sig"}"#),
        Some("eyJhb.eyJzd.sig")
    );
    assert_eq!(first_jwt("eyJhb.eyJzd. and eyJhb alone"), None);
}
