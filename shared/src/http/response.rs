//! The one place where results become HTTP responses: JSON bodies, the
//! headers every response carries, and the answer to each [`Error`].

use lambda_http::Body;
use lambda_http::http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE,
};
use lambda_http::http::{Response, StatusCode};
use serde::Serialize;

use crate::error::Error;

// Built in const context, so an invalid value fails the build instead of
// panicking on a request.
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const BEARER_CHALLENGE: HeaderValue = HeaderValue::from_static("Bearer");
const INVALID_TOKEN_CHALLENGE: HeaderValue =
    HeaderValue::from_static(r#"Bearer error="invalid_token""#);
// RFC 6750 has no code for "authenticate again"; insufficient_user_authentication
// is RFC 9470's, made for exactly this step-up.
const FRESH_TOKEN_CHALLENGE: HeaderValue =
    HeaderValue::from_static(r#"Bearer error="insufficient_user_authentication""#);
const RETRY_AFTER_SECONDS: HeaderValue = HeaderValue::from_static("1");

/// Serialises `body` as the JSON response. Every response carries
/// `Cache-Control: no-store`: they hold tokens or personal data that no proxy
/// or browser cache should keep. No response ever sets a cookie.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // Text, not Binary: lambda_http would base64-encode a binary body.
    match serde_json::to_string(body) {
        Ok(text) => response(status, Body::Text(text)),
        Err(error) => {
            tracing::error!(%error, "response body did not serialise");
            response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Body::Text(r#"{"msg":"Internal server error"}"#.to_owned()),
            )
        }
    }
}

/// `200` with `json`, already serialised, that any cache may keep as
/// `cache_control` says: for public documents, such as the JWKS, which
/// verifiers fetch often and which hold nothing personal.
pub fn public_json_response(json: &str, cache_control: HeaderValue) -> Response<Body> {
    let mut response = response(StatusCode::OK, Body::Text(json.to_owned()));
    response.headers_mut().insert(CACHE_CONTROL, cache_control);
    response
}

/// The client's view of an [`Error`]: its status ([`Error::status`]), a
/// `{"msg": ...}` body and the headers that status calls for. Token,
/// credential and store problems get fixed messages, so no internal detail
/// reaches the client.
pub(crate) fn error_response(error: &Error) -> Response<Body> {
    let message: &str = match error {
        Error::BadRequest(message) => message,
        Error::PayloadTooLarge { .. } => "Request body too large",
        Error::MethodNotAllowed { .. } => "Method not allowed",
        Error::BadCredentials => "Bad email or password",
        Error::TooManyAttempts { .. } => "Too many failed logins, try again later",
        Error::MissingToken => "Missing access token",
        Error::InvalidToken(_) => "Invalid or expired token",
        Error::FreshTokenRequired => "Fresh token required",
        Error::WrongPassword => "Wrong password",
        Error::InvalidLink(_) => "Invalid or expired link",
        Error::SignupDisabled => "Signup is disabled",
        Error::UserExists => "User already exists",
        Error::NoSuchAccount => "No such account",
        Error::NotFound => "Not found",
        Error::AwsUnavailable(_) | Error::MailCeiling { .. } => {
            "Service temporarily unavailable, try again"
        }
        Error::AwsFailure(_) | Error::Internal(_) | Error::Config(_) => "Internal server error",
    };
    let status = error.status();
    let mut response = message_response(status, message);
    let headers = response.headers_mut();
    match error {
        // RFC 6750 section 3: a request without credentials gets the bare
        // challenge; a refused token also names the error.
        Error::BadCredentials | Error::MissingToken | Error::WrongPassword => {
            headers.insert(WWW_AUTHENTICATE, BEARER_CHALLENGE);
        }
        Error::InvalidToken(_) => {
            headers.insert(WWW_AUTHENTICATE, INVALID_TOKEN_CHALLENGE);
        }
        Error::FreshTokenRequired => {
            headers.insert(WWW_AUTHENTICATE, FRESH_TOKEN_CHALLENGE);
        }
        Error::MethodNotAllowed { allowed, .. } => {
            let allowed: Vec<&str> = allowed.iter().map(|method| method.as_str()).collect();
            // Method names are HTTP tokens, always valid header text.
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                headers.insert(ALLOW, value);
            }
        }
        Error::AwsUnavailable(_) => {
            headers.insert(RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        Error::TooManyAttempts { retry_after } | Error::MailCeiling { retry_after } => {
            headers.insert(RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        _ => {}
    }
    response
}

/// `{"msg": ...}`: the body of every error and of plain confirmations.
pub fn message_response(status: StatusCode, msg: &str) -> Response<Body> {
    json_response(status, &Message { msg })
}

#[derive(Debug, Serialize)]
struct Message<'a> {
    msg: &'a str,
}

fn response(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, APPLICATION_JSON);
    headers.insert(CACHE_CONTROL, NO_STORE);
    response
}

/// The one place where a handler's error becomes a response, and is logged.
pub(crate) fn result_response(result: Result<Response<Body>, Error>) -> Response<Body> {
    match result {
        Ok(response) => response,
        Err(error) => {
            let status = error.status();
            if error.is_server_fault() {
                tracing::error!(%error, %status, "request failed");
            } else {
                tracing::info!(%error, %status, "request refused");
            }
            error_response(&error)
        }
    }
}
