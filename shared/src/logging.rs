//! Log setup for every function: `tracing` to stdout, JSON when Lambda's
//! advanced logging controls ask for it (`AWS_LAMBDA_LOG_FORMAT=JSON`),
//! each line inside the runtime's span that carries the request id.
//!
//! The level comes from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO,
//! as in lambda_runtime's default subscriber, with exceptions: at TRACE,
//! lambda_runtime logs every raw event (passwords and tokens included) and
//! the AWS SDK logs every HTTP body (password hashes included). Those
//! targets are capped at DEBUG whatever the level asks; the end-to-end test
//! runs everything at TRACE and checks the logs hold no secret.

use lambda_http::tracing::subscriber::filter::{Directive, EnvFilter, LevelFilter};
use lambda_http::tracing::subscriber::fmt;

/// The targets that log raw events or HTTP bodies at TRACE.
const SECRET_LOGGING_CAPS: [&str; 4] = [
    "lambda_runtime::layers::api_response=debug",
    "aws_smithy_runtime=debug",
    "aws_smithy_runtime_api=debug",
    "aws_sdk_dynamodb=debug",
];

/// Installs the subscriber; a second call changes nothing.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let mut filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    for cap in SECRET_LOGGING_CAPS
        .iter()
        .filter_map(|cap| cap.parse::<Directive>().ok())
    {
        filter = filter.add_directive(cap);
    }
    let builder = fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    // try_init: a subscriber set before (say, by a test) stays in place.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
