//! The mail queue, as the request functions see it: one SQS SendMessage
//! per request.

use crate::aws::{self, AwsSettings, aws_error};
use crate::env::Env;
use crate::error::Error;
use crate::mail::MailRequest;

/// The SQS queue the mailer reads: `MAIL_QUEUE_URL`. Built once per cold
/// start. Needs `sqs:SendMessage` on that queue and nothing else.
#[derive(Debug, Clone)]
pub struct MailQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl MailQueue {
    /// Reads `MAIL_QUEUE_URL` (and the `DYNAMODB_*` timeouts, which every
    /// AWS call of a function shares) from the process environment.
    pub async fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok()).await
    }

    /// [`MailQueue::from_env`] through `lookup`.
    pub async fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env(lookup);
        let url = env.required("MAIL_QUEUE_URL")?;
        let settings = AwsSettings::from_env(&env)?;
        let client = aws_sdk_sqs::Client::new(&aws::sdk_config(&settings).await);
        Ok(Self::new(client, url))
    }

    /// The queue at `url`, through `client`.
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }

    /// Puts `request` on the queue.
    pub async fn send(&self, request: &MailRequest) -> Result<(), Error> {
        let body = serde_json::to_string(request)
            .map_err(|error| Error::Internal(format!("serialising a mail request: {error}")))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|error| aws_error("SendMessage", error))?;
        Ok(())
    }
}
