//! The mailer: consumes the mail queue (an SQS event source with
//! `ReportBatchItemFailures`) and hands each request to
//! [`Mailer::deliver`], which decides what, if anything, to send.
//!
//! A request that fails (the table or SES failing, or a body that is
//! no mail request) is reported as a batch item failure: SQS delivers it
//! again, and after the queue's `maxReceiveCount` moves it to the
//! dead-letter queue, so nothing is lost silently. The rest of the batch
//! is done with.
//!
//! AWS calls: 2 × `dynamodb:UpdateItem`, `ses:SendEmail`.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use sessionless::Error;
use sessionless::mail::{Delivery, MailRequest, Mailer};

pub async fn handle(mailer: &Mailer, event: SqsEvent) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for record in &event.records {
        // Without an id a failure cannot be reported alone; an empty one
        // makes Lambda retry the whole batch, which is the safe side.
        let id = record.message_id.clone().unwrap_or_default();
        match deliver(mailer, record).await {
            Ok(delivery) => tracing::info!(message_id = %id, ?delivery, "mail request done"),
            Err(error) => {
                tracing::error!(message_id = %id, %error, "mail request failed; SQS retries it");
                response.add_failure(id);
            }
        }
    }
    Ok(response)
}

async fn deliver(mailer: &Mailer, record: &SqsMessage) -> Result<Delivery, Error> {
    let body = record
        .body
        .as_deref()
        .ok_or_else(|| Error::bad_request("queue message without a body"))?;
    let request: MailRequest = serde_json::from_str(body)
        .map_err(|error| Error::bad_request(format!("not a mail request: {error}")))?;
    mailer.deliver(&request).await
}
