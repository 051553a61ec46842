//! The one error type of Sessionless, and its one classification:
//! [`Error::status`]. The HTTP response, the log level and the
//! authorizer's "deny or fail" decision all follow from it.

use std::borrow::Cow;

use lambda_http::http::StatusCode;

/// Everything that can stop a request, or a cold start.
///
/// The `Display` text is for logs. What a client sees is decided in
/// `http::response`, which never sends this text for token, credential or
/// store problems.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The request itself is malformed. The message is safe to show the client
    /// and never echoes what the client sent.
    #[error("bad request: {0}")]
    BadRequest(Cow<'static, str>),

    /// The request body is larger than any valid request needs.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge {
        /// The largest body accepted, in bytes.
        limit: usize,
    },

    /// The route exists but not for this HTTP method.
    #[error("method {method} not allowed (allowed: {allowed:?})")]
    MethodNotAllowed {
        /// The method the request used.
        method: lambda_http::http::Method,
        /// The methods the route serves, for the `Allow` header.
        allowed: &'static [lambda_http::http::Method],
    },

    /// Login failed: unknown email, wrong password or inactive user. The
    /// three are deliberately one variant so that they cannot be told apart.
    #[error("bad email or password")]
    BadCredentials,

    /// Too many failed logins for this email: locked for `retry_after`
    /// seconds, whether or not the account exists.
    #[error("login locked for {retry_after} s after repeated failures")]
    TooManyAttempts {
        /// Seconds until the lock ends, for the `Retry-After` header.
        retry_after: u64,
    },

    /// No token in any accepted location.
    #[error("no access token in the accepted locations")]
    MissingToken,

    /// A token was presented and refused. The reason is for the logs only.
    #[error("invalid token: {0}")]
    InvalidToken(Cow<'static, str>),

    /// An AWS service (DynamoDB, KMS, Secrets Manager, SQS or SES) could
    /// not be reached in time, or is throttling us: worth a retry.
    #[error("AWS unavailable: {0}")]
    AwsUnavailable(String),

    /// The stack sent `MAIL_MAX_PER_MINUTE` mails this clock minute: the
    /// mail waits, and its queue message is retried.
    #[error("the stack's mails per minute are spent; next minute in {retry_after} s")]
    MailCeiling {
        /// Seconds until the next minute.
        retry_after: u64,
    },

    /// An AWS service answered with an error that a retry will not fix
    /// (missing table or key, denied access), or DynamoDB holds an item
    /// that is not what we wrote (malformed).
    #[error("AWS failure: {0}")]
    AwsFailure(String),

    /// A valid access token, but the operation needs one straight from a
    /// password login.
    #[error("fresh token required")]
    FreshTokenRequired,

    /// A reset or verification link's token was used, expired, mangled,
    /// of another kind or for another account. The reason is for the logs.
    #[error("invalid link: {0}")]
    InvalidLink(Cow<'static, str>),

    /// The password given to prove the account (its current password, to
    /// change it; the signup password, to verify the address) was wrong.
    #[error("wrong password")]
    WrongPassword,

    /// Self-service signup is switched off (`SIGNUP_ENABLED=false`).
    #[error("signup is disabled")]
    SignupDisabled,

    /// A user with this email already exists.
    #[error("user already exists")]
    UserExists,

    /// No account has this email: for operator tools, which name accounts
    /// directly. Requests never say so (see [`Error::BadCredentials`]).
    #[error("no account with this email")]
    NoSuchAccount,

    /// The path names nothing this function serves.
    #[error("no such route")]
    NotFound,

    /// A bug or an impossible state; never caused by the client.
    #[error("internal error: {0}")]
    Internal(String),

    /// The environment does not describe a working configuration. Only ever
    /// raised during a cold start, before any request is served.
    #[error("configuration error: {0}")]
    Config(String),
}

impl Error {
    /// A [`Error::BadRequest`] with a message safe to show the client.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest(message.into())
    }

    /// An [`Error::InvalidToken`] with the reason for the logs.
    pub fn invalid_token(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidToken(reason.into())
    }

    /// An [`Error::InvalidLink`] with the reason for the logs.
    pub fn invalid_link(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidLink(reason.into())
    }

    /// The HTTP status this error answers with: the one classification of
    /// every variant. A 5xx is our fault (see [`Error::is_server_fault`]);
    /// anything else is the caller's.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::InvalidLink(_) => StatusCode::BAD_REQUEST,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::BadCredentials
            | Error::MissingToken
            | Error::InvalidToken(_)
            | Error::FreshTokenRequired
            | Error::WrongPassword => StatusCode::UNAUTHORIZED,
            Error::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::SignupDisabled => StatusCode::FORBIDDEN,
            Error::UserExists => StatusCode::CONFLICT,
            Error::NoSuchAccount | Error::NotFound => StatusCode::NOT_FOUND,
            Error::AwsUnavailable(_) | Error::MailCeiling { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::AwsFailure(_) | Error::Internal(_) | Error::Config(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// True when the failure is ours (an outage, a bug, a broken
    /// configuration), not the caller's: logged as an error, and an
    /// authorizer fails the invocation rather than deny the caller.
    pub fn is_server_fault(&self) -> bool {
        self.status().is_server_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_bugs_and_configuration_are_server_faults() {
        for error in [
            Error::AwsUnavailable("timeout".into()),
            Error::MailCeiling { retry_after: 7 },
            Error::AwsFailure("no table".into()),
            Error::Internal("bug".into()),
            Error::Config("unset".into()),
        ] {
            assert!(error.is_server_fault(), "{error}");
        }
        for error in [
            Error::MissingToken,
            Error::invalid_token("expired"),
            Error::BadCredentials,
            Error::TooManyAttempts { retry_after: 1 },
            Error::bad_request("no body"),
        ] {
            assert!(!error.is_server_fault(), "{error}");
        }
    }
}
