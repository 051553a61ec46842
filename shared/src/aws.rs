//! Talking to AWS: the SDK configuration every client is built from, once
//! per cold start, and the sorting of SDK failures into [`Error`]s.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use std::time::Duration;

use crate::env::Env;
use crate::error::Error;

/// How long an AWS call (DynamoDB, KMS, Secrets Manager, SQS, SES) may
/// take, and how often it is tried; the variables keep their first name,
/// `DYNAMODB_*`, for deployments that set them. The SDK's
/// own default has no operation timeout at all, so a stalled connection
/// would hold the function until Lambda kills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsSettings {
    /// `DYNAMODB_CONNECT_TIMEOUT_MS`: TCP and TLS connect.
    pub connect_timeout: Duration,
    /// `DYNAMODB_ATTEMPT_TIMEOUT_MS`: one attempt, connect included.
    pub attempt_timeout: Duration,
    /// `DYNAMODB_OPERATION_TIMEOUT_MS`: all attempts and back-off together.
    pub operation_timeout: Duration,
    /// `DYNAMODB_MAX_ATTEMPTS`: the first try plus retries (standard retry mode).
    pub max_attempts: u32,
}

impl AwsSettings {
    /// A failing DynamoDB costs a request at most 2.5 s: two or three
    /// attempts of up to 1.2 s each within the operation timeout. A healthy
    /// GetItem takes milliseconds, so the limits only bite on faults.
    pub const DEFAULT: Self = Self {
        connect_timeout: Duration::from_millis(1_000),
        attempt_timeout: Duration::from_millis(1_200),
        operation_timeout: Duration::from_millis(2_500),
        max_attempts: 3,
    };

    pub(crate) fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        let millis = |name, default: Duration, allowed| {
            env.number_or(name, millis_of(default), allowed)
                .map(Duration::from_millis)
        };
        Ok(Self {
            connect_timeout: millis(
                "DYNAMODB_CONNECT_TIMEOUT_MS",
                Self::DEFAULT.connect_timeout,
                10..=60_000,
            )?,
            attempt_timeout: millis(
                "DYNAMODB_ATTEMPT_TIMEOUT_MS",
                Self::DEFAULT.attempt_timeout,
                10..=60_000,
            )?,
            operation_timeout: millis(
                "DYNAMODB_OPERATION_TIMEOUT_MS",
                Self::DEFAULT.operation_timeout,
                10..=300_000,
            )?,
            max_attempts: env.number_or(
                "DYNAMODB_MAX_ATTEMPTS",
                Self::DEFAULT.max_attempts,
                1..=10,
            )?,
        })
    }
}

fn millis_of(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A DynamoDB client on [`sdk_config`]. Region, credentials and
/// `AWS_ENDPOINT_URL_DYNAMODB` come from the usual AWS environment, which
/// Lambda sets.
pub async fn dynamodb_client(settings: &AwsSettings) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(settings).await)
}

/// The configuration every AWS client is built from (DynamoDB's, and
/// Secrets Manager's for the signing keys at cold start): explicit
/// timeouts and standard retries, from the `DYNAMODB_*` settings.
pub async fn sdk_config(settings: &AwsSettings) -> SdkConfig {
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
/// may retry; [`Error::AwsUnavailable`]) or a plain failure
/// ([`Error::AwsFailure`]). The SDK's text goes into the error for the
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
        Error::AwsUnavailable(detail)
    } else {
        Error::AwsFailure(detail)
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
