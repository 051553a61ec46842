//! The one error type of Sessionless. How each variant becomes an HTTP
//! response lives in [`crate::response`], and nowhere else.

use std::borrow::Cow;

/// Everything that can stop a request, or a cold start.
///
/// The `Display` text is for logs. What a client sees is decided by
/// [`crate::response::error_response`], which never sends this text for
/// token, credential or store problems.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is malformed. The message is safe to show the client
    /// and never echoes what the client sent.
    #[error("bad request: {0}")]
    BadRequest(Cow<'static, str>),

    /// The request body is larger than any valid request needs.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge { limit: usize },

    /// The route exists but not for this HTTP method.
    #[error("method {method} not allowed (allowed: {allowed:?})")]
    MethodNotAllowed {
        method: lambda_http::http::Method,
        allowed: &'static [lambda_http::http::Method],
    },

    /// Login failed: unknown email, wrong password or inactive user. The
    /// three are deliberately one variant so that they cannot be told apart.
    #[error("bad email or password")]
    BadCredentials,

    /// Too many failed logins for this email: locked for `retry_after`
    /// seconds, whether or not the account exists.
    #[error("login locked for {retry_after} s after repeated failures")]
    TooManyAttempts { retry_after: u64 },

    /// No token in any accepted location.
    #[error("no access token in the accepted locations")]
    MissingToken,

    /// A token was presented and refused. The reason is for the logs only.
    #[error("invalid token: {0}")]
    InvalidToken(Cow<'static, str>),

    /// DynamoDB could not be reached in time, or is throttling us: worth a retry.
    #[error("user store unavailable: {0}")]
    StoreUnavailable(String),

    /// DynamoDB answered with an error that a retry will not fix (missing
    /// table, denied access, malformed item).
    #[error("user store failure: {0}")]
    StoreFailure(String),

    /// A valid access token, but the operation needs one straight from a
    /// password login.
    #[error("fresh token required")]
    FreshTokenRequired,

    /// The current password given to change it was wrong.
    #[error("wrong current password")]
    WrongPassword,

    /// Self-service signup is switched off (`SIGNUP_ENABLED=false`).
    #[error("signup is disabled")]
    SignupDisabled,

    /// A user with this email already exists.
    #[error("user already exists")]
    UserExists,

    /// A bug or an impossible state; never caused by the client.
    #[error("internal error: {0}")]
    Internal(String),

    /// The environment does not describe a working configuration. Only ever
    /// raised during a cold start, before any request is served.
    #[error("configuration error: {0}")]
    Config(String),
}

impl Error {
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn invalid_token(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidToken(reason.into())
    }
}
