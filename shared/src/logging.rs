//! Log setup for every function: `tracing` to stdout, JSON when Lambda's
//! advanced logging controls ask for it (`AWS_LAMBDA_LOG_FORMAT=JSON`),
//! each line inside the runtime's span that carries the request id.
//!
//! The level comes from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO,
//! as in lambda_runtime's default subscriber, with exceptions: at TRACE,
//! lambda_runtime logs every raw event (passwords and tokens included) and
//! the AWS SDK logs every HTTP body (password hashes included). Those
//! targets are capped at DEBUG whatever the level asks; the end-to-end test
//! runs everything at TRACE and checks the logs hold no secret. A cap never
//! raises a target above the configured level: at INFO, the SDK's DEBUG
//! chatter (about twenty lines a call) would cost CPU and log storage.

use lambda_http::tracing::Level;
use lambda_http::tracing::subscriber::filter::{LevelFilter, Targets};
use lambda_http::tracing::subscriber::fmt;
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;

/// The targets that log raw events or HTTP bodies at TRACE.
const SECRET_LOGGING_TARGETS: [&str; 5] = [
    "lambda_runtime::layers::api_response",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_sdk_dynamodb",
    "aws_sdk_secretsmanager",
];

/// Installs the log subscriber every Sessionless function uses: Lambda's
/// level and format settings (`AWS_LAMBDA_LOG_LEVEL`,
/// `AWS_LAMBDA_LOG_FORMAT`), `RUST_LOG`, and never a raw event or body
/// at TRACE, where tokens and passwords would be. [`crate::http::run`]
/// calls it; a function that runs its own service (an axum app) calls it
/// first thing. A second call changes nothing.
pub fn init() {
    let filter = filter(
        std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
    );
    let builder = fmt()
        .with_target(false)
        .without_time()
        .with_max_level(LevelFilter::TRACE);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    // try_init: a subscriber set before (say, by a test) stays in place.
    let _ = if json {
        builder.json().finish().with(filter).try_init()
    } else {
        builder.finish().with(filter).try_init()
    };
}

/// Lambda's level if it names one, else `RUST_LOG`'s directives
/// (`info`, or `info,sessionless=debug`), else INFO; then the
/// secret-logging targets capped at DEBUG, never above what they had.
/// `Targets` rather than `EnvFilter`: no span or field filters, and none
/// of their code to load at every cold start.
fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    let configured = match lambda_level.and_then(|level| level.parse::<LevelFilter>().ok()) {
        Some(level) => Targets::new().with_default(level),
        None => rust_log
            .and_then(|directives| directives.parse::<Targets>().ok())
            .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO)),
    };
    let mut capped = configured.clone();
    for target in SECRET_LOGGING_TARGETS {
        let cap = [Level::DEBUG, Level::INFO, Level::WARN, Level::ERROR]
            .into_iter()
            .find(|level| configured.would_enable(target, level))
            .map_or(LevelFilter::OFF, LevelFilter::from_level);
        capped = capped.with_target(target, cap);
    }
    capped
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDK: &str = "aws_smithy_runtime";

    #[test]
    fn caps_never_raise_a_target_above_the_level() {
        let info = filter(Some("INFO"), None);
        assert!(info.would_enable(SDK, &Level::INFO));
        assert!(!info.would_enable(SDK, &Level::DEBUG));
        assert!(!info.would_enable("sessionless", &Level::DEBUG));
        let error = filter(None, Some("error"));
        assert!(!error.would_enable(SDK, &Level::WARN));
    }

    #[test]
    fn at_trace_the_secret_logging_targets_stop_at_debug() {
        for trace in [filter(Some("trace"), None), filter(None, Some("trace"))] {
            assert!(trace.would_enable("sessionless", &Level::TRACE));
            for target in SECRET_LOGGING_TARGETS {
                assert!(trace.would_enable(target, &Level::DEBUG), "{target}");
                assert!(!trace.would_enable(target, &Level::TRACE), "{target}");
            }
        }
    }

    #[test]
    fn rust_log_directives_are_kept_and_lambda_level_wins() {
        let directives = filter(None, Some("warn,sessionless=debug"));
        assert!(directives.would_enable("sessionless", &Level::DEBUG));
        assert!(!directives.would_enable("lambda_http", &Level::INFO));
        let lambda = filter(Some("ERROR"), Some("trace"));
        assert!(!lambda.would_enable("sessionless", &Level::WARN));
        let garbled = filter(Some("loud"), Some("=="));
        assert!(garbled.would_enable("sessionless", &Level::INFO));
        assert!(!garbled.would_enable("sessionless", &Level::DEBUG));
    }
}
