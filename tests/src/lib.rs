//! The harness every test shares: a users table of its own on the local
//! DynamoDB-compatible server, events from `events/`, and the real event
//! path from a Lambda event to the response Lambda returns.
//!
//! The server is started by `scripts/test`, which exports
//! `AWS_ENDPOINT_URL_DYNAMODB`. Each [`Stack`] creates a fresh table, so
//! tests run in parallel without seeing each other's users.

pub mod expressions;
pub mod fault_server;
pub mod forge;
pub mod mail;
pub mod openapi;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Context, LambdaEvent, Request, Response, Service};
use serde_json::{Map, Value};
use sessionless::AwsSettings;
use sessionless::accounts::{Password, RefreshFamily, User};
use sessionless::accounts::{UserStore, create_table};
use sessionless::http::State;
use sessionless::mail::{MailConfig, MailQueue, Mailer};
use sessionless::tokens::{SigningKeys, Subject, Tokens};
use sessionless::{Auth, Config, Error, NewAccount, Registrar, Registration, aws};

/// The demo user the `events/` files log in as.
pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "demo-password-1234";
pub const DEMO_NAME: &str = "Demo User";
/// The demo user's account id: fixed, unlike a signup's, so that the
/// hand-made tokens of [`forge`] can carry it.
pub const DEMO_ACCOUNT_ID: &str = "demo-account-id";

/// Whom the demo user's tokens speak for, at token version `version`.
pub fn demo_subject(version: u64) -> Subject<'static> {
    Subject {
        email: DEMO_EMAIL,
        account_id: Some(DEMO_ACCOUNT_ID),
        version,
        email_verified: true,
    }
}

/// The expired sample token in the `events/*me*` files, signed with a key
/// used nowhere. Tests swap it for a fresh one with [`with_token`].
pub const SAMPLE_TOKEN: &str = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiIsImtpZCI6ImRlZmF1bHQifQ.eyJzdWIiOiJkZW1vQGV4YW1wbGUuY29tIiwiaXNzIjoic2Vzc2lvbmxlc3MiLCJhdWQiOiJzZXNzaW9ubGVzcyIsImlhdCI6MTc2NzIyNTYwMCwibmJmIjoxNzY3MjI1NjAwLCJleHAiOjE3NjcyMjY1MDAsImp0aSI6IkQxcTJ0VnczUms2Y1h5OXpQYkxtTkEiLCJ2ZXIiOjAsImZyZXNoIjp0cnVlfQ.2NswrMA1ZRwGypl8ZE0tCfL39DwFauE2mvkCwL1232g";

/// The sample refresh token in the `events/*refresh*` files: well formed,
/// of no live family.
pub const SAMPLE_REFRESH_TOKEN: &str = "srt1.ZGVtb0BleGFtcGxlLmNvbQ.Fh3kP9qLm2VtYw7xZc1rJA.c2FtcGxlLXJlZnJlc2gtdG9rZW4tbm90LWxpdmUtMDA";

/// DynamoDB timeouts for test stacks. The local server answers one request
/// at a time, and a loaded CI machine can queue a request past the
/// production attempt timeout; the SDK then retries while the first attempt
/// still waits in the queue, and that stale write may land after the test's
/// next step. Generous timeouts keep the tests about the code; the fault
/// tests use the production ones ([`Stack::with_production_timeouts`]).
pub const TEST_AWS_SETTINGS: AwsSettings = AwsSettings {
    connect_timeout: std::time::Duration::from_secs(5),
    attempt_timeout: std::time::Duration::from_secs(20),
    operation_timeout: std::time::Duration::from_secs(60),
    max_attempts: 3,
};

/// The signing key of every test stack.
pub const TEST_SECRET: &str = "test-secret-of-at-least-32-bytes-for-hs256";

/// Both API Gateway event kinds, as folders under `events/`.
pub const EVENT_KINDS: [&str; 2] = ["http-api", "rest-api"];

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}

/// The folders that hold Lambda functions: Sessionless's own, and the
/// examples of a team's own functions built on it.
pub const FUNCTION_FOLDERS: [&str; 2] = ["functions", "examples"];

/// Every Lambda function's crate, by name, with its folder relative to
/// the repository root (`functions/me`, `examples/axum-backend`).
pub fn function_dirs() -> BTreeMap<String, String> {
    let mut crates = BTreeMap::new();
    for folder in FUNCTION_FOLDERS {
        for entry in std::fs::read_dir(repo_root().join(folder)).expect(folder) {
            let name = entry
                .expect("an entry of a function folder")
                .file_name()
                .to_string_lossy()
                .into_owned();
            crates.insert(name.clone(), format!("{folder}/{name}"));
        }
    }
    crates
}

/// The names of [`function_dirs`]: one Lambda function each.
pub fn function_crates() -> BTreeSet<String> {
    function_dirs().into_keys().collect()
}

/// The text of `events/<name>`.
pub fn event(name: &str) -> String {
    let path = repo_root().join("events").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The event with the sample token replaced by `token`.
pub fn with_token(event: &str, token: &str) -> String {
    assert!(event.contains(SAMPLE_TOKEN), "event has no sample token");
    event.replace(SAMPLE_TOKEN, token)
}

/// The event with the sample refresh token replaced by `token`.
pub fn with_refresh_token(event: &str, token: &str) -> String {
    assert!(
        event.contains(SAMPLE_REFRESH_TOKEN),
        "event has no sample refresh token"
    );
    event.replace(SAMPLE_REFRESH_TOKEN, token)
}

/// The event with its JSON `body` replaced by `body` (sent as plain text).
pub fn with_body(event: &str, body: &str) -> String {
    let mut event: Value = serde_json::from_str(event).expect("event is JSON");
    event["body"] = Value::String(body.to_owned());
    event["isBase64Encoded"] = Value::Bool(false);
    event.to_string()
}

/// The DynamoDB wire requests a client made: each by operation name, the
/// top-level attributes they named ([`expressions::attributes_named`]),
/// and what their GetItems read.
#[derive(Debug, Default, Clone)]
pub struct OperationLog(
    Arc<Mutex<Vec<String>>>,
    Arc<Mutex<BTreeSet<String>>>,
    Arc<Mutex<BTreeSet<String>>>,
);

/// What [`OperationLog::take_reads`] records for a GetItem without a
/// projection, which reads every attribute.
pub const WHOLE_ITEM: &str = "*";

impl OperationLog {
    /// The operations made since the last take, in order.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().expect("log lock"))
    }

    /// The attributes the requests named since the last take.
    pub fn take_attributes(&self) -> BTreeSet<String> {
        std::mem::take(&mut self.1.lock().expect("log lock"))
    }

    /// The attributes the GetItems read since the last take:
    /// [`WHOLE_ITEM`] for one without a projection.
    pub fn take_reads(&self) -> BTreeSet<String> {
        std::mem::take(&mut self.2.lock().expect("log lock"))
    }
}

impl Intercept for OperationLog {
    fn name(&self) -> &'static str {
        "OperationLog"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or(target).to_owned();
        self.0.lock().expect("log lock").push(operation.clone());
        let body = context.request().body().bytes().unwrap_or_default();
        if let Ok(body) = serde_json::from_slice::<Value>(body) {
            let named = expressions::attributes_named(&body);
            if operation == "GetItem" {
                let mut reads = self.2.lock().expect("log lock");
                if body.get("ProjectionExpression").is_none() {
                    reads.insert(WHOLE_ITEM.to_owned());
                }
                reads.extend(named.iter().cloned());
            }
            self.1.lock().expect("log lock").extend(named);
        }
        Ok(())
    }
}

/// One test's world: a fresh users table holding the demo user, and the
/// state a function would build from that configuration: an `Auth`, and for
/// signup, which never loads a signing key, a `Registrar`.
pub struct Stack {
    pub auth: &'static Auth,
    pub registrar: &'static Registrar,
    /// With email verification on ([`Stack::with_mail`]): what the
    /// request-link function holds, and the mailer.
    pub mail_queue: Option<&'static MailQueue>,
    pub mailer: Option<&'static Mailer>,
    pub users: UserStore,
    pub operations: OperationLog,
    client: aws_sdk_dynamodb::Client,
    /// The client the state's DynamoDB calls go through (logged).
    handler_client: aws_sdk_dynamodb::Client,
    /// The environment `auth` was configured from.
    env: HashMap<String, String>,
}

/// What a function returned, read back from the Lambda response JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header names lower-cased, single- and multi-value headers merged.
    pub headers: HashMap<String, Vec<String>>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|values| values.first())
            .map(String::as_str)
    }

    /// A login refused by a lock with about `secs` left to wait.
    #[track_caller]
    pub fn assert_locked(&self, secs: u64) {
        assert_eq!(self.status, 429, "{self:?}");
        self.assert_well_formed();
        assert_eq!(
            self.body,
            r#"{"msg":"Too many failed logins, try again later"}"#
        );
        let wait: u64 = self
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!(
            (secs.saturating_sub(2)..=secs).contains(&wait),
            "Retry-After {wait}, expected about {secs}"
        );
    }

    /// Every response must be JSON, uncacheable and cookie-free.
    pub fn assert_well_formed(&self) {
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        assert_eq!(self.header("cache-control"), Some("no-store"), "{self:?}");
        assert!(!self.headers.contains_key("set-cookie"), "{self:?}");
        assert!(
            self.json().get("msg").is_some() || self.status == 200,
            "{self:?}"
        );
    }
}

impl Stack {
    /// A stack with the default configuration (but generous DynamoDB
    /// timeouts, see [`Stack::with_env`]).
    pub async fn new() -> Self {
        Self::with_env(&[]).await
    }

    /// A stack that signs with `forger`'s key (RS256, ES256 or HS256).
    pub async fn signing_with(forger: &forge::Forger) -> Self {
        let env = forger.env();
        Self::with_env(&env_refs(&env)).await
    }

    /// A stack with the production DynamoDB timeouts and retries, for the
    /// tests of how failures are bounded.
    pub async fn with_production_timeouts() -> Self {
        let defaults = AwsSettings::DEFAULT;
        let millis = |duration: std::time::Duration| duration.as_millis().to_string();
        let (connect, attempt, operation) = (
            millis(defaults.connect_timeout),
            millis(defaults.attempt_timeout),
            millis(defaults.operation_timeout),
        );
        let attempts = defaults.max_attempts.to_string();
        Self::with_env(&[
            ("DYNAMODB_CONNECT_TIMEOUT_MS", &connect),
            ("DYNAMODB_ATTEMPT_TIMEOUT_MS", &attempt),
            ("DYNAMODB_OPERATION_TIMEOUT_MS", &operation),
            ("DYNAMODB_MAX_ATTEMPTS", &attempts),
        ])
        .await
    }

    /// A stack whose configuration has `overrides` on top of the defaults.
    pub async fn with_env(overrides: &[(&str, &str)]) -> Self {
        let table = format!("users-{}", uuid::Uuid::new_v4().simple());
        let mut env: HashMap<String, String> = HashMap::from([
            ("USERS_TABLE".into(), table.clone()),
            ("JWT_SECRET".into(), TEST_SECRET.into()),
            // Today's signup for the tests that are not about mail; those
            // that are build their stack with Stack::with_mail.
            ("REQUIRE_EMAIL_VERIFICATION".into(), "false".into()),
            (
                "DYNAMODB_ATTEMPT_TIMEOUT_MS".into(),
                TEST_AWS_SETTINGS.attempt_timeout.as_millis().to_string(),
            ),
            (
                "DYNAMODB_OPERATION_TIMEOUT_MS".into(),
                TEST_AWS_SETTINGS.operation_timeout.as_millis().to_string(),
            ),
        ]);
        apply(&mut env, overrides);
        // Setup and inspection use their own client, so a test's short
        // timeouts only apply to the handlers, and the operation log only
        // sees what the handlers do.
        let client = aws::dynamodb_client(&TEST_AWS_SETTINGS).await;
        create_table(&client, &table).await.expect(
            "creating a users table failed; is the local DynamoDB running? Run the tests with scripts/test",
        );
        let stack = Self::configured(env, client, OperationLog::default()).await;
        stack.add_user(DEMO_EMAIL, DEMO_PASSWORD, true).await;
        stack
            .edit_item(DEMO_EMAIL)
            .update_expression("SET account_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(DEMO_ACCOUNT_ID.to_owned()))
            .send()
            .await
            .expect("fix the demo account id");
        stack
    }

    /// The same table after a new cold start with `overrides` on top of this
    /// stack's environment, as after a configuration change.
    pub async fn restarted_with(&self, overrides: &[(&str, &str)]) -> Self {
        let mut env = self.env.clone();
        apply(&mut env, overrides);
        Self::configured(env, self.client.clone(), self.operations.clone()).await
    }

    /// Builds the `Auth` a function would from `env`, on the table `env`
    /// names, with handler calls logged to `operations`.
    async fn configured(
        env: HashMap<String, String>,
        client: aws_sdk_dynamodb::Client,
        operations: OperationLog,
    ) -> Self {
        let config = Config::from_lookup(|name| env.get(name).cloned()).expect("test config");
        let handler_client = logged_client(&config.accounts.aws, operations.clone()).await;
        let table = config.accounts.users_table.clone();
        let lookup = |name: &str| env.get(name).cloned();
        let mail_queue = match config.accounts.require_email_verification {
            true => Some(MailQueue::from_lookup(lookup).await.expect("mail queue")),
            false => None,
        };
        let registrar = Registrar::new(
            config.accounts.clone(),
            handler_client.clone(),
            mail_queue.clone(),
        )
        .expect("registrar");
        // As a cold start builds them: keys from the environment or the
        // local Secrets Manager, or the local KMS key.
        let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
        let tokens = Tokens::from_source(&config.tokens, &config.signing_keys, &sdk_config)
            .await
            .expect("tokens");
        let mailer = mailer(&env, &config, &sdk_config, &handler_client).await;
        let auth: &'static Auth = Box::leak(Box::new(Auth::with_tokens(
            config,
            tokens,
            handler_client.clone(),
        )));
        Self {
            auth,
            handler_client,
            registrar: Box::leak(Box::new(registrar)),
            mail_queue: mail_queue.map(|queue| &*Box::leak(Box::new(queue))),
            mailer,
            users: UserStore::new(client.clone(), table),
            operations,
            client,
            env,
        }
    }

    /// The same stack, but with the handlers' DynamoDB at `endpoint`: for
    /// failure tests. Setup and inspection still reach the real table.
    pub async fn with_dynamodb_endpoint(&self, endpoint: &str) -> Self {
        let handler_client = aws::dynamodb_client(&self.auth.config().accounts.aws).await;
        let config = handler_client
            .config()
            .to_builder()
            .endpoint_url(endpoint)
            .build();
        let handler_client = aws_sdk_dynamodb::Client::from_conf(config);
        let mail_queue = self.mail_queue.cloned();
        let registrar = Registrar::new(
            self.auth.config().accounts.clone(),
            handler_client.clone(),
            mail_queue,
        )
        .expect("registrar");
        let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
        let tokens = Tokens::from_source(
            &self.auth.config().tokens,
            &self.auth.config().signing_keys,
            &sdk_config,
        )
        .await
        .expect("tokens");
        let mailer = mailer(&self.env, self.auth.config(), &sdk_config, &handler_client).await;
        let auth = Auth::with_tokens(self.auth.config().clone(), tokens, handler_client.clone());
        Self {
            auth: Box::leak(Box::new(auth)),
            handler_client,
            registrar: Box::leak(Box::new(registrar)),
            mail_queue: self.mail_queue,
            mailer,
            users: self.users.clone(),
            operations: self.operations.clone(),
            client: self.client.clone(),
            env: self.env.clone(),
        }
    }

    /// Writes a user the way signup and the admin tool do.
    pub async fn add_user(&self, email: &str, password: &str, active: bool) -> User {
        let registration = NewAccount {
            registration: Registration {
                email,
                password: Password(password),
                name: DEMO_NAME,
            },
            active,
            email_verified: true,
        };
        registration
            .register(&self.users, self.auth.config().accounts.password_policy)
            .await
            .expect("create user")
    }

    /// Sets `active = false` on a user's item and nothing else, as another
    /// tool writing the item would (sessionless-admin also retires tokens).
    pub async fn deactivate(&self, email: &str) {
        self.edit_item(email)
            .update_expression("SET active = :inactive")
            .expression_attribute_values(":inactive", AttributeValue::Bool(false))
            .send()
            .await
            .expect("deactivate");
    }

    /// Deletes a user's item.
    pub async fn delete(&self, email: &str) {
        self.client
            .delete_item()
            .table_name(&self.auth.config().accounts.users_table)
            .key("email", AttributeValue::S(email.to_owned()))
            .send()
            .await
            .expect("delete");
    }

    /// The item under `key` in this stack's table, as DynamoDB holds it
    /// (placeholders too), through the setup client: one strongly
    /// consistent GetItem.
    pub async fn raw_item(&self, key: &str) -> Option<HashMap<String, AttributeValue>> {
        self.client
            .get_item()
            .table_name(&self.auth.config().accounts.users_table)
            .key("email", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem")
            .item
    }

    /// An UpdateItem on `email`'s item in this stack's table, through the
    /// setup client, for the caller to finish: tests that set up state
    /// directly, as another tool writing the item would.
    pub fn edit_item(&self, email: &str) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.auth.config().accounts.users_table)
            .key("email", AttributeValue::S(email.to_owned()))
    }

    /// A variable of the environment this stack was configured from.
    pub fn env_value(&self, name: &str) -> String {
        self.env
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not set for this stack"))
            .clone()
    }

    /// The setup client, for tests that inspect or edit items directly.
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    /// A valid access token for the demo user.
    pub async fn demo_token(&self) -> String {
        self.auth
            .tokens()
            .issue_access(demo_subject(0), true, &[], None)
            .await
            .expect("issue")
            .token
    }

    /// Logs `email` in through the login handler; returns the access token
    /// and, with `remember`, the refresh token.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        remember: bool,
    ) -> (String, Option<String>) {
        let body = serde_json::json!({"email": email, "password": password, "remember": remember});
        let reply = self.login_request(&body).await;
        assert_eq!(reply.status, 200, "login {email}: {reply:?}");
        let body = reply.json();
        let access = body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned();
        let refresh = body["refresh_token"].as_str().map(str::to_owned);
        assert_eq!(
            refresh.is_some(),
            remember,
            "a refresh token exactly with remember"
        );
        (access, refresh)
    }

    /// `POST /login` with `body`, whatever it answers.
    pub async fn login_request(&self, body: &Value) -> Reply {
        let request = with_body(&event("http-api/login-ok.json"), &body.to_string());
        self.invoke(login::handle, &request).await
    }

    /// `POST /login` with `body` `size` times at once, each from a function
    /// instance of its own (its own configuration and DynamoDB client) on
    /// the shared table, as concurrent Lambda environments would be.
    /// Returns how many got to try their password (401) and how many were
    /// refused by a lock (429); any other answer fails the test.
    pub async fn login_burst(&self, size: usize, body: &Value) -> (usize, usize) {
        let instances =
            futures_util::future::join_all((0..size).map(|_| self.restarted_with(&[]))).await;
        let replies = futures_util::future::join_all(
            instances
                .iter()
                .map(|instance| instance.login_request(body)),
        )
        .await;
        let tried = replies.iter().filter(|reply| reply.status == 401).count();
        let refused = replies.iter().filter(|reply| reply.status == 429).count();
        assert_eq!(tried + refused, size, "only 401s and 429s: {replies:?}");
        (tried, refused)
    }

    /// `GET /me` with `access` in the `Authorization` header.
    pub async fn me(&self, access: &str) -> Reply {
        let request = with_token(&event("http-api/me-header-token.json"), access);
        self.invoke(me::handle, &request).await
    }

    /// `POST /refresh` with `token` in the JSON body.
    pub async fn refresh(&self, token: &str) -> Reply {
        let request = with_refresh_token(&event("http-api/refresh-body-token.json"), token);
        self.invoke(refresh::handle, &request).await
    }

    /// The user's item as stored now.
    pub async fn user(&self, email: &str) -> Option<User> {
        self.users.find_by_email(email).await.expect("GetItem")
    }

    /// The user's refresh families as stored now (none when the map is
    /// missing).
    pub async fn refresh_families(&self, email: &str) -> HashMap<String, RefreshFamily> {
        let user = self.user(email).await.expect("the user");
        user.refresh_families.unwrap_or_default()
    }

    /// Sends `event` (JSON text) through the production event path with
    /// `handler`, as the Lambda runtime would, lending it the state it takes.
    pub async fn invoke<S, H, F>(&self, handler: H, event: &str) -> Reply
    where
        S: StackState,
        H: Fn(&'static S, Request) -> F + Copy + Send + 'static,
        F: Future<Output = Result<Response<Body>, Error>> + Send + 'static,
    {
        let response = sessionless::testing::invoke(S::of(self), handler, event)
            .await
            .expect("an API Gateway event");
        let reply = reply_from_lambda_response(response);
        let event: Value = serde_json::from_str(event).expect("an event is JSON");
        // Every reply a suite sees is held to openapi.yaml.
        openapi::check_and_record(&event, &reply);
        reply
    }

    /// The stack's `Auth` as a team's axum app holds it: another one built
    /// from the same configuration, whose calls go through the same
    /// logged client.
    pub async fn shared_auth(&self) -> Arc<Auth> {
        let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
        let config = self.auth.config().clone();
        let tokens = Tokens::from_source(&config.tokens, &config.signing_keys, &sdk_config)
            .await
            .expect("tokens");
        Arc::new(Auth::with_tokens(
            config,
            tokens,
            self.handler_client.clone(),
        ))
    }

    /// Sends `event` (JSON text) to a team's own axum `app` as
    /// `lambda_http::run` would: the event becomes a request, the app's
    /// response the Lambda response.
    pub async fn invoke_app(&self, app: axum::Router, event: &str) -> Reply {
        let payload: LambdaRequest = serde_json::from_str(event).expect("an API Gateway event");
        let mut adapter = lambda_http::Adapter::from(app);
        let response = adapter
            .call(LambdaEvent::new(payload, Context::default()))
            .await
            .expect("an axum app never fails");
        let reply = reply_from_lambda_response(
            serde_json::to_value(&response).expect("the response serialises"),
        );
        let event: Value = serde_json::from_str(event).expect("an event is JSON");
        // Every reply a suite sees is held to openapi.yaml.
        openapi::check_and_record(&event, &reply);
        reply
    }

    /// Sends an authorizer event (JSON text) to the authorizer's handler;
    /// its answer as the JSON Lambda would return.
    pub async fn authorize(&self, event: &str) -> Result<Value, Error> {
        let event: Value = serde_json::from_str(event).expect("an authorizer event");
        let response = authorizer::handle(self.auth, event).await?;
        Ok(serde_json::to_value(response).expect("the answer serialises"))
    }
}

/// A function state a [`Stack`] holds, for [`Stack::invoke`].
pub trait StackState: State {
    /// The stack's instance of this state.
    fn of(stack: &Stack) -> &'static Self;
}

impl StackState for Auth {
    fn of(stack: &Stack) -> &'static Self {
        stack.auth
    }
}

impl StackState for Registrar {
    fn of(stack: &Stack) -> &'static Self {
        stack.registrar
    }
}

impl StackState for MailQueue {
    fn of(stack: &Stack) -> &'static Self {
        stack
            .mail_queue
            .expect("a stack with mail: build it with Stack::with_mail")
    }
}

/// The mailer of a stack whose `env` names a sender (`MAIL_FROM`), as its
/// cold start builds it, on the handlers' DynamoDB `client`.
async fn mailer(
    env: &HashMap<String, String>,
    config: &Config,
    sdk_config: &aws_config::SdkConfig,
    client: &aws_sdk_dynamodb::Client,
) -> Option<&'static Mailer> {
    if !env.contains_key("MAIL_FROM") {
        return None;
    }
    let mail = MailConfig::from_lookup(|name| env.get(name).cloned()).expect("mail config");
    let users = UserStore::new(client.clone(), config.accounts.users_table.clone());
    let ses = aws_sdk_sesv2::Client::new(sdk_config);
    let mailer = Mailer::new(mail, users, ses);
    Some(Box::leak(Box::new(mailer)))
}

async fn logged_client(settings: &AwsSettings, log: OperationLog) -> aws_sdk_dynamodb::Client {
    let client = aws::dynamodb_client(settings).await;
    let config = client.config().to_builder().interceptor(log).build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Reads a v1 or v2 Lambda proxy response.
pub fn reply_from_lambda_response(response: Value) -> Reply {
    let status = response["statusCode"].as_u64().expect("statusCode") as u16;
    let mut headers: HashMap<String, Vec<String>> = HashMap::new();
    let empty = Map::new();
    for (name, value) in response["headers"].as_object().unwrap_or(&empty) {
        if let Some(value) = value.as_str() {
            headers
                .entry(name.to_lowercase())
                .or_default()
                .push(value.to_owned());
        }
    }
    for (name, values) in response["multiValueHeaders"].as_object().unwrap_or(&empty) {
        let entry = headers.entry(name.to_lowercase()).or_default();
        for value in values
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !entry.iter().any(|known| known == value) {
                entry.push(value.to_owned());
            }
        }
    }
    let raw_body = response["body"].as_str().unwrap_or_default();
    let body = if response["isBase64Encoded"].as_bool() == Some(true) {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(raw_body)
            .expect("base64 body");
        String::from_utf8(bytes).expect("UTF-8 body")
    } else {
        raw_body.to_owned()
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Owned environment overrides as the `(&str, &str)` pairs that
/// [`Stack::with_env`] and [`Stack::restarted_with`] take.
pub fn env_refs<'a>(env: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    env.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The signing keys `config` names, read as a cold start would: from the
/// environment, or from Secrets Manager on the local server; `None` for a
/// function that only verifies.
pub async fn load_keys(config: &Config) -> Option<SigningKeys> {
    load_keys_from(config).await.expect("signing keys")
}

/// [`load_keys`], for tests of how loading fails.
pub async fn load_keys_from(config: &Config) -> Result<Option<SigningKeys>, Error> {
    let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
    config.signing_keys.load(&sdk_config).await
}

/// A Secrets Manager client for the local server.
pub async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&aws::sdk_config(&TEST_AWS_SETTINGS).await)
}

fn apply(env: &mut HashMap<String, String>, overrides: &[(&str, &str)]) {
    for (name, value) in overrides {
        env.insert((*name).into(), (*value).into());
    }
}
