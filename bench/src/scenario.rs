//! What each benchmarked binary is sent, call after call, and how its
//! answers are checked: every measured call must take the success path.

use std::path::Path;

use serde_json::{Value, json};
use sessionless::Config;
use sessionless::accounts::create_table;
use sessionless::accounts::{Password, RefreshFamily, User};
use sessionless::tokens::{AuthMethod, KmsSigner, OpaqueKind, OpaqueToken};
use sessionless::unix_now;
use sessionless::{Auth, NewAccount, Registration, aws};
use tokio::runtime::Runtime;

use crate::BenchError;

/// The seeded user every read-only function acts for.
pub const DEMO_EMAIL: &str = "demo@example.com";
const DEMO_PASSWORD: &str = "demo-password-1234";
/// Users whose state each call changes get their own, so no function's
/// calls disturb another's.
const REFRESH_EMAIL: &str = "bench-refresh@example.com";
const LOGOUT_EMAIL: &str = "bench-logout@example.com";
const PASSWORD_EMAIL: &str = "bench-password@example.com";
const RESET_EMAIL: &str = "bench-reset@example.com";
const PASSWORD_TURNS: [&str; 2] = ["bench-password-first", "bench-password-second"];
/// The mailer's sender, an identity the local SES accepts, and its links.
const MAIL_FROM: &str = "bench@mail.bench";
const RESET_URL: &str = "https://app.example/reset#token={token}";
const VERIFY_URL: &str = "https://app.example/verify#token={token}";

/// A floor sets the bar; a function is measured against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Floor,
    Function,
}

/// The database and signing keys the bench shares with the functions, to
/// seed users and to mint the tokens its events carry.
pub struct Context {
    pub runtime: Runtime,
    pub auth: Auth,
    /// The mail queue signup and request-link send to, as deployed.
    mail_queue_url: String,
    /// How many new emails the run has made up: each pass makes its own
    /// accounts, and none may meet another's.
    fresh_emails: std::sync::atomic::AtomicU64,
    /// How many times the password scenario changed its user's password,
    /// over every pass.
    password_turns: std::sync::atomic::AtomicUsize,
    /// The demo password's hash, for the accounts the scenarios make.
    demo_hash: std::sync::OnceLock<String>,
}

impl Context {
    /// Reads the same environment as the functions, except for the table:
    /// each run creates its own, `table`, and seeds the users the
    /// scenarios act for.
    pub fn seed(table: &str) -> Result<Self, BenchError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| BenchError::new(format!("tokio: {error}")))?;
        let config = Config::from_lookup(|name| match name {
            "USERS_TABLE" => Some(table.to_owned()),
            _ => std::env::var(name).ok(),
        })?;
        let auth = runtime.block_on(async {
            create_table(&aws::dynamodb_client(&config.accounts.aws).await, table).await?;
            let auth = Auth::from_config(config).await?;
            for (email, password) in [
                (DEMO_EMAIL, DEMO_PASSWORD),
                (REFRESH_EMAIL, DEMO_PASSWORD),
                (LOGOUT_EMAIL, DEMO_PASSWORD),
                (PASSWORD_EMAIL, PASSWORD_TURNS[0]),
                (RESET_EMAIL, PASSWORD_TURNS[0]),
            ] {
                let registration = NewAccount {
                    registration: Registration {
                        email,
                        password: Password(password),
                        name: "Bench",
                    },
                    active: true,
                    email_verified: true,
                };
                registration
                    .register(auth.users(), auth.config().accounts.password_policy)
                    .await?;
            }
            Ok::<_, BenchError>(auth)
        })?;
        let mail_queue_url = runtime.block_on(mail_setup(&auth, table))?;
        Ok(Self {
            runtime,
            auth,
            mail_queue_url,
            fresh_emails: std::sync::atomic::AtomicU64::new(0),
            password_turns: std::sync::atomic::AtomicUsize::new(0),
            demo_hash: std::sync::OnceLock::new(),
        })
    }

    /// An email no account of this run has yet.
    fn fresh_email(&self, kind: &str) -> String {
        let count = self
            .fresh_emails
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("bench-{kind}-{}-{count}@example.com", std::process::id())
    }

    /// A new account, created now: `verified` or not.
    ///
    /// Every one shares the demo password's hash, made once: hashing here,
    /// between two calls, would leave the function under measurement
    /// caches argon2 had just swept.
    fn new_user(&self, kind: &str, verified: bool) -> Result<User, BenchError> {
        let hash = match self.demo_hash.get() {
            Some(hash) => hash.clone(),
            None => {
                let policy = self.auth.config().accounts.password_policy;
                let hash = self
                    .runtime
                    .block_on(policy.hash(DEMO_PASSWORD.to_owned()))?;
                self.demo_hash.get_or_init(|| hash).clone()
            }
        };
        let mut user = User::new(self.fresh_email(kind), "Bench".to_owned(), hash)?;
        user.email_verified = verified;
        self.runtime.block_on(self.auth.users().create(&user))?;
        Ok(user)
    }

    /// The environment of signup and request-link: the mail queue.
    fn queue_env(&self) -> Vec<(String, String)> {
        vec![("MAIL_QUEUE_URL".to_owned(), self.mail_queue_url.clone())]
    }

    /// A link's token of `kind` for `email`, recorded on the item as the
    /// mailer records a mail's link, with no mail.
    fn mailed_link(&self, kind: OpaqueKind, email: &str) -> Result<String, BenchError> {
        let link = OpaqueToken::mint_entry(kind, email)?;
        let expires_at = unix_now()? + 1_800;
        if !self
            .runtime
            .block_on(self.auth.users().record_mailed_link(&link, expires_at))?
        {
            return Err(BenchError::new(format!("seeded user {email} is gone")));
        }
        Ok(link.encode())
    }

    fn user(&self, email: &str) -> Result<User, BenchError> {
        self.runtime
            .block_on(self.auth.users().find_by_email(email))?
            .ok_or_else(|| BenchError::new(format!("seeded user {email} is gone")))
    }

    /// An access token for `email` at the user's current token version.
    fn access_token(&self, email: &str, fresh: bool) -> Result<String, BenchError> {
        let user = self.user(email)?;
        let issued = self.runtime.block_on(self.auth.tokens().issue_access(
            user.subject(),
            fresh,
            &[],
            None,
        ))?;
        Ok(issued.token)
    }

    /// The hash `floor: argon2` verifies `floor-password` against.
    fn floor_argon2_hash(&self) -> Result<String, BenchError> {
        let policy = self.auth.config().accounts.password_policy;
        Ok(self
            .runtime
            .block_on(policy.hash("floor-password".to_owned()))?)
    }

    /// The environment of a function that only verifies, as the template
    /// deploys it: the public keys of the bench's key set, and no key.
    fn verifier_env(&self) -> Result<Vec<(String, String)>, BenchError> {
        let jwks = serde_json::to_string(&self.auth.tokens().verifying_keys().public_jwks())
            .map_err(|error| BenchError::new(format!("the bench JWKS: {error}")))?;
        Ok(vec![
            ("JWT_SIGNING_KEYS".to_owned(), String::new()),
            ("JWT_PUBLIC_KEYS".to_owned(), jwks),
        ])
    }

    /// The environment of login and refresh as the template deploys them: a
    /// KMS key on the local KMS signs, and the JWKS lists it beside the
    /// bench's own key, whose refresh tokens the scenarios present.
    fn kms_signer_env(&self) -> Result<Vec<(String, String)>, BenchError> {
        self.runtime.block_on(async {
            let sdk_config = aws::sdk_config(&self.auth.config().accounts.aws).await;
            let client = aws_sdk_kms::Client::new(&sdk_config);
            let key = client
                .create_key()
                .key_spec(aws_sdk_kms::types::KeySpec::Rsa2048)
                .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
                .send()
                .await
                .map_err(|error| {
                    BenchError::new(format!(
                        "creating the KMS key: {}",
                        aws_sdk_kms::error::DisplayErrorContext(&error)
                    ))
                })?;
            let arn = key
                .key_metadata
                .and_then(|metadata| metadata.arn)
                .ok_or_else(|| BenchError::new("the KMS key has no ARN"))?;
            let signer = KmsSigner::new(client, &arn, jsonwebtoken::Algorithm::RS256)?;
            let mut keys = self.auth.tokens().verifying_keys().public_jwks().keys;
            keys.push(signer.public_jwk().await?);
            let jwks = json!({ "keys": keys }).to_string();
            Ok(vec![
                ("JWT_SIGNING_KEYS".to_owned(), String::new()),
                ("JWT_SIGNING_KMS_KEY_ID".to_owned(), arn),
                ("JWT_PUBLIC_KEYS".to_owned(), jwks),
            ])
        })
    }

    /// A refresh token recorded on the user's item, as a login would.
    fn refresh_token(&self, email: &str) -> Result<String, BenchError> {
        let user = self.user(email)?;
        let refresh = self.auth.tokens().issue_refresh(email, None, u64::MAX)?;
        self.runtime.block_on(self.auth.users().add_refresh_family(
            &user,
            refresh.family(),
            &RefreshFamily::started(&refresh, &[AuthMethod::Password]),
            unix_now()?,
        ))?;
        Ok(refresh.token.encode())
    }
}

/// The mail queue of the run, and the sender as an identity of the local
/// SES. Returns the queue's URL.
async fn mail_setup(auth: &Auth, table: &str) -> Result<String, BenchError> {
    let sdk_config = aws::sdk_config(&auth.config().accounts.aws).await;
    let failed = |what: &str, error: &dyn std::fmt::Display| {
        BenchError::new(format!("{what} on the local server: {error}"))
    };
    aws_sdk_sesv2::Client::new(&sdk_config)
        .create_email_identity()
        .email_identity(MAIL_FROM)
        .send()
        .await
        .map_err(|error| {
            failed(
                "verifying the sender",
                &aws_sdk_sesv2::error::DisplayErrorContext(error),
            )
        })?;
    aws_sdk_sqs::Client::new(&sdk_config)
        .create_queue()
        .queue_name(format!("{table}-mail"))
        .send()
        .await
        .map_err(|error| {
            failed(
                "creating the mail queue",
                &aws_sdk_sqs::error::DisplayErrorContext(error),
            )
        })?
        .queue_url
        .ok_or_else(|| BenchError::new("the mail queue has no URL"))
}

/// Functions the bench leaves out, and why: none serves a request.
const NOT_MEASURED: [(&str, &str); 1] = [(
    "signing-key-jwks",
    "a CloudFormation custom resource: it runs once per deployment that \
     changes the signing key, on no request path",
)];

/// How the next event is made.
enum Events {
    /// The same event every call.
    Fixed(Value),
    /// A new email each call.
    Signup { template: Value },
    /// Each call presents the refresh token the previous call returned.
    Refresh { template: Value, token: String },
    /// Each call retires every token of its user, so each needs a new one.
    Logout { template: Value },
    /// Each call changes the password back and forth, with a fresh token.
    Password { template: Value },
    /// Each call resets the password back and forth, with a fresh link.
    Reset { template: Value, turn: usize },
    /// Each call verifies a new, unverified account's address.
    Verify { template: Value },
    /// Each call mails a reset link to a new account, so no call meets the
    /// per-address rate limit.
    Mail { calls: u64 },
}

/// What a successful answer looks like.
#[derive(Clone, Copy)]
enum Success {
    Status(u16),
    Authorized,
    /// An SQS batch answer that reports no failed message.
    NoBatchFailures,
}

/// One binary the bench runs, and its scenario.
pub struct Subject {
    pub name: &'static str,
    pub binary: &'static str,
    pub role: Role,
    pub env: Vec<(String, String)>,
    events: Events,
    success: Success,
}

impl Subject {
    /// The floors, then every function, in the order they are run.
    pub fn all(context: &Context, events_dir: &Path) -> Result<Vec<Self>, BenchError> {
        let event = |name: &str| read_event(&events_dir.join(name));
        let demo_token = context.access_token(DEMO_EMAIL, true)?;
        let me_event = with_bearer(event("http-api/me-header-token.json")?, &demo_token);
        let subject = |name, binary, role, events, success| Self {
            name,
            binary,
            role,
            env: Vec::new(),
            events,
            success,
        };
        let mut floor_getitem = subject(
            "floor: GetItem",
            "floor-getitem",
            Role::Floor,
            Events::Fixed(me_event.clone()),
            Success::Status(200),
        );
        floor_getitem
            .env
            .push(("BENCH_EMAIL".to_owned(), DEMO_EMAIL.to_owned()));
        let mut floor_argon2 = subject(
            "floor: argon2",
            "floor-argon2",
            Role::Floor,
            Events::Fixed(me_event.clone()),
            Success::Status(200),
        );
        floor_argon2
            .env
            .push(("BENCH_ARGON2_HASH".to_owned(), context.floor_argon2_hash()?));
        // As the template deploys them: verifiers hold the public keys
        // only, and refresh signs through KMS. Login signs with a local
        // RS256 key here, and has rows of its own for KMS, as deployed, and
        // for HS256, for the cost of signing.
        let verifier = |name, events, success| {
            let mut subject = subject(name, name, Role::Function, events, success);
            subject.env = context.verifier_env()?;
            Ok::<_, BenchError>(subject)
        };
        let mut discovery = verifier(
            "discovery",
            Events::Fixed(event("http-api/jwks.json")?),
            Success::Status(200),
        )?;
        discovery.env.push((
            "JWT_ISSUER".to_owned(),
            "https://auth.example.com".to_owned(),
        ));
        let mut login_kms = subject(
            "login, KMS signing",
            "login",
            Role::Function,
            Events::Fixed(event("http-api/login-ok.json")?),
            Success::Status(200),
        );
        login_kms.env = context.kms_signer_env()?;
        let mut refresh = subject(
            "refresh",
            "refresh",
            Role::Function,
            Events::Refresh {
                template: event("http-api/refresh-header-token.json")?,
                token: context.refresh_token(REFRESH_EMAIL)?,
            },
            Success::Status(200),
        );
        refresh.env = context.kms_signer_env()?;
        let mut signup = subject(
            "signup",
            "signup",
            Role::Function,
            Events::Signup {
                template: event("http-api/signup-ok.json")?,
            },
            Success::Status(202),
        );
        signup.env = context.queue_env();
        let mut request_link = subject(
            "request-link",
            "request-link",
            Role::Function,
            Events::Fixed(event("http-api/password-forgot.json")?),
            Success::Status(202),
        );
        request_link.env = context.queue_env();
        let mut mailer = subject(
            "mailer",
            "mailer",
            Role::Function,
            Events::Mail { calls: 0 },
            Success::NoBatchFailures,
        );
        // No key: a link's token is an opaque secret. The stack's mails per
        // minute as high as they go: the bench sends hundreds a minute, and
        // measures the path that sends (the count is still taken).
        mailer.env = [
            ("MAIL_FROM", MAIL_FROM),
            ("RESET_URL", RESET_URL),
            ("VERIFY_URL", VERIFY_URL),
            ("MAIL_MAX_PER_MINUTE", "1000000"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .to_vec();
        let mut login_hs256 = subject(
            "login, HS256",
            "login",
            Role::Function,
            Events::Fixed(event("http-api/login-ok.json")?),
            Success::Status(200),
        );
        login_hs256.env = vec![
            ("JWT_SIGNING_KEYS".to_owned(), String::new()),
            (
                "JWT_SECRET".to_owned(),
                "bench-hmac-key-not-used-anywhere-else-0123456789".to_owned(),
            ),
        ];
        Ok(vec![
            subject(
                "floor: hello",
                "floor-hello",
                Role::Floor,
                Events::Fixed(me_event.clone()),
                Success::Status(200),
            ),
            floor_getitem,
            floor_argon2,
            verifier("me", Events::Fixed(me_event), Success::Status(200))?,
            // A team's own axum route: the same GetItem as me, no authorizer.
            verifier(
                "axum-backend",
                Events::Fixed(with_bearer(
                    event("http-api/whoami-header-token.json")?,
                    &demo_token,
                )),
                Success::Status(200),
            )?,
            verifier(
                "authorizer",
                Events::Fixed(with_bearer(
                    event("authorizer/http-api-request.json")?,
                    &demo_token,
                )),
                Success::Authorized,
            )?,
            subject(
                "hello",
                "hello",
                Role::Function,
                Events::Fixed(event("http-api/hello-authorized.json")?),
                Success::Status(200),
            ),
            discovery,
            subject(
                "login",
                "login",
                Role::Function,
                Events::Fixed(event("http-api/login-ok.json")?),
                Success::Status(200),
            ),
            login_kms,
            login_hs256,
            signup,
            refresh,
            verifier(
                "logout",
                Events::Logout {
                    template: event("http-api/logout.json")?,
                },
                Success::Status(200),
            )?,
            verifier(
                "password",
                Events::Password {
                    template: event("http-api/password-change.json")?,
                },
                Success::Status(200),
            )?,
            request_link,
            verifier(
                "reset-password",
                Events::Reset {
                    template: event("http-api/password-reset.json")?,
                    turn: 0,
                },
                Success::Status(200),
            )?,
            verifier(
                "verify-email",
                Events::Verify {
                    template: event("http-api/verify.json")?,
                },
                Success::Status(200),
            )?,
            mailer,
        ])
    }

    /// Checks that `subjects` measure every function crate in
    /// `function_dirs` (functions/ and examples/, the workspace's one list
    /// of functions), and nothing else: a new function cannot slip past
    /// the bench.
    pub fn check_coverage(subjects: &[Self], function_dirs: &[&Path]) -> Result<(), BenchError> {
        let mut crates = Vec::new();
        for dir in function_dirs {
            let entries = std::fs::read_dir(dir)
                .map_err(|error| BenchError::new(format!("{dir:?}: {error}")))?;
            for entry in entries {
                let entry = entry.map_err(|error| BenchError::new(format!("{dir:?}: {error}")))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if !NOT_MEASURED
                    .iter()
                    .any(|(crate_name, _)| *crate_name == name)
                {
                    crates.push(name);
                }
            }
        }
        crates.sort();
        let mut measured: Vec<String> = subjects
            .iter()
            .filter(|subject| subject.role == Role::Function)
            .map(|subject| subject.binary.to_owned())
            .collect();
        measured.sort();
        measured.dedup();
        if crates == measured {
            Ok(())
        } else {
            Err(BenchError::new(format!(
                "the bench measures {measured:?}, but {function_dirs:?} hold {crates:?}: \
                 give each function a subject in bench/src/scenario.rs"
            )))
        }
    }

    /// The event for the next call.
    pub fn next_event(&mut self, context: &Context) -> Result<Value, BenchError> {
        match &mut self.events {
            Events::Fixed(event) => Ok(event.clone()),
            Events::Signup { template } => {
                let body = json!({
                    "email": context.fresh_email("signup"),
                    "password": "a-new-password-5678",
                    "name": "Bench",
                });
                Ok(with_body(template.clone(), &body))
            }
            Events::Refresh { template, token } => Ok(with_bearer(template.clone(), token)),
            Events::Logout { template } => {
                let token = context.access_token(LOGOUT_EMAIL, true)?;
                Ok(with_bearer(template.clone(), &token))
            }
            Events::Password { template } => {
                let token = context.access_token(PASSWORD_EMAIL, true)?;
                // The turn lives in the context: the user's password is
                // where the last pass left it.
                let turn = context
                    .password_turns
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let old = PASSWORD_TURNS.get(turn % 2).copied().unwrap_or_default();
                let new = PASSWORD_TURNS
                    .get((turn + 1) % 2)
                    .copied()
                    .unwrap_or_default();
                let body = json!({ "old_password": old, "new_password": new });
                Ok(with_body(with_bearer(template.clone(), &token), &body))
            }
            Events::Reset { template, turn } => {
                let token = context.mailed_link(OpaqueKind::ResetLink, RESET_EMAIL)?;
                *turn += 1;
                let new = PASSWORD_TURNS.get(*turn % 2).copied().unwrap_or_default();
                let body = json!({ "token": token, "new_password": new });
                Ok(with_body(template.clone(), &body))
            }
            Events::Verify { template } => {
                let user = context.new_user("verify", false)?;
                let token = context.mailed_link(OpaqueKind::VerifyLink, &user.email)?;
                Ok(with_body(
                    template.clone(),
                    &json!({ "token": token, "password": DEMO_PASSWORD }),
                ))
            }
            Events::Mail { calls } => {
                *calls += 1;
                let user = context.new_user("mail", true)?;
                let request = json!({ "kind": "password_reset", "email": user.email });
                Ok(json!({
                    "Records": [{
                        "messageId": format!("bench-{calls}"),
                        "receiptHandle": format!("bench-{calls}"),
                        "body": request.to_string(),
                        "attributes": {},
                        "messageAttributes": {},
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-mail",
                        "awsRegion": "us-east-1"
                    }]
                }))
            }
        }
    }

    /// Checks that `response` is a success, and keeps what the next call needs.
    pub fn accept(&mut self, response: &Value) -> Result<(), BenchError> {
        let failure = || BenchError::new(format!("{}: not a success: {response}", self.name));
        match self.success {
            Success::Status(status) => {
                if response.get("statusCode").and_then(Value::as_u64) != Some(u64::from(status)) {
                    return Err(failure());
                }
            }
            Success::Authorized => {
                if response.get("isAuthorized") != Some(&Value::Bool(true)) {
                    return Err(failure());
                }
            }
            Success::NoBatchFailures => {
                if response.get("batchItemFailures") != Some(&json!([])) {
                    return Err(failure());
                }
            }
        }
        if let Events::Refresh { token, .. } = &mut self.events {
            let body: Value = response
                .get("body")
                .and_then(Value::as_str)
                .and_then(|body| serde_json::from_str(body).ok())
                .unwrap_or_default();
            match body.get("refresh_token").and_then(Value::as_str) {
                Some(next) => *token = next.to_owned(),
                None => return Err(failure()),
            }
        }
        Ok(())
    }
}

fn read_event(path: &Path) -> Result<Value, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| BenchError::new(format!("{path:?}: {error}")))?;
    serde_json::from_str(&text).map_err(|error| BenchError::new(format!("{path:?}: {error}")))
}

/// `event` with `token` wherever the sample carried its expired one.
fn with_bearer(mut event: Value, token: &str) -> Value {
    let bearer = Value::String(format!("Bearer {token}"));
    if let Some(headers) = event.get_mut("headers").and_then(Value::as_object_mut) {
        headers.insert("authorization".to_owned(), bearer.clone());
    }
    if let Some(source) = event.get_mut("identitySource") {
        *source = Value::Array(vec![bearer]);
    }
    event
}

fn with_body(mut event: Value, body: &Value) -> Value {
    if let Some(fields) = event.as_object_mut() {
        fields.insert("body".to_owned(), Value::String(body.to_string()));
        fields.insert("isBase64Encoded".to_owned(), Value::Bool(false));
    }
    event
}
