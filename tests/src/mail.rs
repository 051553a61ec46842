//! Mail in the tests, on the local server's real SQS and SES: a stack with
//! email verification, the mailer run the way the SQS event source runs
//! it, and the mails SES accepted, read back from the server.

use aws_lambda_events::sqs::SqsEvent;
use serde_json::{Value, json};
use sessionless::aws;
use sessionless::tokens::{OpaqueKind, OpaqueToken};

use crate::{Reply, Stack, TEST_AWS_SETTINGS, event, with_body};

/// The domain every test sender is on: verified once in the local SES, so
/// each stack can send from an address of its own.
pub const MAIL_DOMAIN: &str = "mail.test";
/// The link templates of test stacks.
pub const RESET_URL: &str = "https://app.example/reset#token={token}";
pub const VERIFY_URL: &str = "https://app.example/verify#token={token}";

/// The event the SQS event source sends the mailer for these messages
/// (id, body), as in `events/sqs/mail-request.json`.
pub fn sqs_event(messages: &[(String, String)]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({
                "messageId": id,
                "receiptHandle": format!("receipt-{id}"),
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sessionless-mail",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}

/// One mail the local SES accepted.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: Vec<String>,
    pub subject: String,
    /// The HTML body (the local SES keeps only one body, the HTML one).
    pub body: String,
}

impl SentMail {
    /// The token of the link in the mail.
    pub fn token(&self) -> String {
        let start = self
            .body
            .find("#token=")
            .unwrap_or_else(|| panic!("no link in the mail: {}", self.body))
            + "#token=".len();
        self.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect()
    }
}

impl Stack {
    /// A stack with email verification on: a queue and a sender address of
    /// its own, so that its mails are told apart from other tests'.
    pub async fn with_mail(overrides: &[(&str, &str)]) -> Self {
        let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
        let sqs = aws_sdk_sqs::Client::new(&sdk_config);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("mail-{id}"))
            .send()
            .await
            .expect("creating a queue failed; is the local server running? Run scripts/test")
            .queue_url
            .expect("queue URL");
        aws_sdk_sesv2::Client::new(&sdk_config)
            .create_email_identity()
            .email_identity(MAIL_DOMAIN)
            .send()
            .await
            .expect("verify the test mail domain");
        let from = format!("stack-{id}@{MAIL_DOMAIN}");
        let mut env = vec![
            ("REQUIRE_EMAIL_VERIFICATION", "true"),
            ("MAIL_QUEUE_URL", queue_url.as_str()),
            ("MAIL_FROM", from.as_str()),
            ("RESET_URL", RESET_URL),
            ("VERIFY_URL", VERIFY_URL),
        ];
        env.extend_from_slice(overrides);
        Self::with_env(&env).await
    }

    /// Sets `email_verified` on `email`'s item, as another tool might.
    pub async fn set_email_verified(&self, email: &str, verified: bool) {
        self.edit_item(email)
            .update_expression("SET email_verified = :verified")
            .expression_attribute_values(
                ":verified",
                aws_sdk_dynamodb::types::AttributeValue::Bool(verified),
            )
            .send()
            .await
            .expect("set email_verified");
    }

    /// A link's token of `kind` for `email`'s account, recorded on its item
    /// as the mailer records the link of the mail it sends, for
    /// `RESET_TOKEN_TTL`'s default of 30 minutes, with no mail: for tests
    /// of the links' pages, not of the mail.
    pub async fn mailed_link(&self, kind: OpaqueKind, email: &str) -> String {
        let link = OpaqueToken::mint_entry(kind, email).expect("a token");
        let now = sessionless::unix_now().expect("the clock");
        assert!(
            self.users
                .record_mailed_link(&link, now + 1_800)
                .await
                .expect("recording the link"),
            "no account {email}"
        );
        link.encode()
    }

    /// `POST /password/forgot` with `email`.
    pub async fn forgot(&self, email: &str) -> Reply {
        let body = json!({ "email": email }).to_string();
        let request = with_body(&event("http-api/password-forgot.json"), &body);
        self.invoke(request_link::handle, &request).await
    }

    /// `POST /verify/resend` with `email`.
    pub async fn resend(&self, email: &str) -> Reply {
        let body = json!({ "email": email }).to_string();
        let request = with_body(&event("http-api/verify-resend.json"), &body);
        self.invoke(request_link::handle, &request).await
    }

    /// `POST /signup` with `email` and `password`.
    pub async fn signup(&self, email: &str, password: &str) -> Reply {
        let body = json!({ "email": email, "password": password, "name": "New User" });
        self.signup_request(&body).await
    }

    /// `POST /signup` with `body`.
    pub async fn signup_request(&self, body: &Value) -> Reply {
        let request = with_body(&event("http-api/signup-ok.json"), &body.to_string());
        self.invoke(signup::handle, &request).await
    }

    /// `POST /password/reset` with `token` and `new_password`.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Reply {
        let body = json!({ "token": token, "new_password": new_password }).to_string();
        let request = with_body(&event("http-api/password-reset.json"), &body);
        self.invoke(reset_password::handle, &request).await
    }

    /// `POST /verify` with `token` and the signup `password`.
    pub async fn verify(&self, token: &str, password: &str) -> Reply {
        let body = json!({ "token": token, "password": password }).to_string();
        let request = with_body(&event("http-api/verify.json"), &body);
        self.invoke(verify_email::handle, &request).await
    }

    /// Runs the mailer over everything queued, as the SQS event source
    /// does: batches of up to 10, the messages the mailer did not report
    /// as failures deleted. Returns the ids it reported as failures.
    pub async fn run_mailer(&self) -> Vec<String> {
        let queue = self.mail_queue_client().await;
        let mut failures = Vec::new();
        loop {
            let batch = queue.receive().await;
            if batch.is_empty() {
                return failures;
            }
            let records: Vec<(String, String)> = batch
                .iter()
                .map(|message| (message.id.clone(), message.body.clone()))
                .collect();
            let failed = self.mailer_run(&records).await;
            for message in batch.iter().filter(|message| !failed.contains(&message.id)) {
                queue.delete(message).await;
            }
            failures.extend(failed);
        }
    }

    /// Runs the mailer on one message with `body`, delivered straight to
    /// it, not through the queue: for concurrent invocations. Returns the
    /// ids it reported as failures.
    pub async fn mailer_on(&self, body: &str) -> Vec<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.mailer_run(&[(id, body.to_owned())]).await
    }

    /// The mailer's handler on the SQS event of `messages` (id, body): the
    /// ids it reported as failures.
    async fn mailer_run(&self, messages: &[(String, String)]) -> Vec<String> {
        let mailer = self
            .mailer
            .expect("a stack with mail: build it with Stack::with_mail");
        let response = mailer::handle(mailer, sqs_event(messages))
            .await
            .expect("the mailer answers");
        response
            .batch_item_failures
            .into_iter()
            .map(|failure| failure.item_identifier)
            .collect()
    }

    /// Receives and deletes everything on the stack's mail queue: the
    /// (id, body) of each message, for a mailer run elsewhere.
    pub async fn take_queued(&self) -> Vec<(String, String)> {
        let queue = self.mail_queue_client().await;
        let mut taken = Vec::new();
        loop {
            let batch = queue.receive().await;
            if batch.is_empty() {
                return taken;
            }
            for message in batch {
                queue.delete(&message).await;
                taken.push((message.id, message.body));
            }
        }
    }

    /// Puts `body` on the stack's mail queue as is, as a broken or foreign
    /// producer might.
    pub async fn queue_raw(&self, body: &str) {
        let queue = self.mail_queue_client().await;
        queue
            .sqs
            .send_message()
            .queue_url(&queue.url)
            .message_body(body)
            .send()
            .await
            .expect("SendMessage");
    }

    async fn mail_queue_client(&self) -> QueueClient {
        QueueClient {
            sqs: aws_sdk_sqs::Client::new(&aws::sdk_config(&TEST_AWS_SETTINGS).await),
            url: self.env_value("MAIL_QUEUE_URL"),
        }
    }

    /// The mails this stack's sender got accepted by the local SES, oldest
    /// first.
    pub fn mails(&self) -> Vec<SentMail> {
        let from = self.env_value("MAIL_FROM");
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("the local server");
        let text = ureq::get(format!("{endpoint}/moto-api/data.json"))
            .call()
            .expect("the local server's data")
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_string()
            .expect("the local server's data");
        let data: Value = serde_json::from_str(&text).expect("JSON");
        data["ses"]["Message"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|message| message["source"] == from.as_str())
            .map(|message| SentMail {
                to: message["destinations"]["ToAddresses"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                subject: message["subject"].as_str().unwrap_or_default().to_owned(),
                body: message["body"].as_str().unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// The mails to `email`, oldest first.
    pub fn mails_to(&self, email: &str) -> Vec<SentMail> {
        self.mails()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to == email))
            .collect()
    }
}

/// The stack's mail queue, as the tests reach it.
struct QueueClient {
    sqs: aws_sdk_sqs::Client,
    url: String,
}

/// A received message: what the mailer gets, and what deletes it.
struct Received {
    id: String,
    body: String,
    receipt: String,
}

impl QueueClient {
    /// Up to 10 messages, hidden from the next receive for 5 minutes, as
    /// the event source's visibility timeout would; empty when none is left.
    async fn receive(&self) -> Vec<Received> {
        self.sqs
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .visibility_timeout(300)
            .send()
            .await
            .expect("ReceiveMessage")
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|message| Received {
                id: message.message_id.unwrap_or_default(),
                body: message.body.unwrap_or_default(),
                receipt: message.receipt_handle.unwrap_or_default(),
            })
            .collect()
    }

    async fn delete(&self, message: &Received) {
        self.sqs
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&message.receipt)
            .send()
            .await
            .expect("DeleteMessage");
    }
}
