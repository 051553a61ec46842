//! Talking to AWS: the SDK configuration every client is built from, once
//! per cold start, and the sorting of SDK failures into [`Error`]s.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::config::DynamoDbSettings;
use crate::error::Error;

/// A DynamoDB client on [`sdk_config`]. Region, credentials and
/// `AWS_ENDPOINT_URL_DYNAMODB` come from the usual AWS environment, which
/// Lambda sets.
pub async fn dynamodb_client(settings: &DynamoDbSettings) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(settings).await)
}

/// The configuration every AWS client is built from (DynamoDB's, and
/// Secrets Manager's for the signing keys at cold start): explicit
/// timeouts and standard retries, from the `DYNAMODB_*` settings.
pub async fn sdk_config(settings: &DynamoDbSettings) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .operation_attempt_timeout(settings.attempt_timeout)
        .operation_timeout(settings.operation_timeout)
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts))
        .load()
        .await
}

/// Error codes after which a later retry may succeed.
const TRANSIENT_CODES: [&str; 6] = [
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "InternalServerError",
    "ServiceUnavailable",
    // SES's throttle.
    "TooManyRequestsException",
];

/// Sorts a failed AWS call (DynamoDB, or KMS when it signs) into
/// "unavailable" (timeouts, connection failures, throttling, 5xx: the client
/// may retry; [`Error::StoreUnavailable`]) or a plain failure
/// ([`Error::StoreFailure`]). The SDK's text goes into the error for the
/// logs only.
pub(crate) fn aws_error<E, R>(operation: &str, error: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let transient = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .is_some_and(|code| TRANSIENT_CODES.contains(&code)),
        _ => false,
    };
    let detail = format!("{operation}: {}", DisplayErrorContext(&error));
    if transient {
        Error::StoreUnavailable(detail)
    } else {
        Error::StoreFailure(detail)
    }
}

/// True when a call succeeded, false when DynamoDB refused it the way
/// `refused` recognises (a failed condition, a table that exists): an
/// answer the caller has a meaning for, not a failure. Anything else is
/// sorted by [`aws_error`].
pub(crate) fn succeeded<O, E, R>(
    operation: &str,
    result: Result<O, SdkError<E, R>>,
    refused: impl FnOnce(&E) -> bool,
) -> Result<bool, Error>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(error) if error.as_service_error().is_some_and(refused) => Ok(false),
        Err(error) => Err(aws_error(operation, error)),
    }
}
