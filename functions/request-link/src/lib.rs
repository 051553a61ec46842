//! `POST /password/forgot` and `POST /verify/resend`: ask for a link by
//! mail. Both answer `202` with the same bytes for every well-formed email,
//! with or without an account: the request only queues a message, and the
//! mailer decides whether anything is sent.
//! AWS calls: `sqs:SendMessage`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::Error;
use sessionless::http::{json_body, message_response, require_method, required_json_body};
use sessionless::mail::MailQueue;

const ALLOWED_METHODS: &[Method] = &[Method::POST];

/// The route that asks for a password-reset link.
pub const FORGOT_PATH: &str = "/password/forgot";
/// The route that asks for another verification link.
pub const RESEND_PATH: &str = "/verify/resend";

/// The one answer of `POST /password/forgot`.
pub const RESET_REQUESTED: &str =
    "If that email has an account, we sent it a link to reset the password";
/// The one answer of `POST /verify/resend`.
pub const VERIFICATION_REQUESTED: &str =
    "If that email has an unverified account, we sent it a link to verify it";

pub async fn handle(queue: &MailQueue, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    // REST APIs put the stage before the path; the route is the suffix.
    let path = request.uri().path();
    let forgot = path.ends_with(FORGOT_PATH);
    if !forgot && !path.ends_with(RESEND_PATH) {
        return Err(Error::NotFound);
    }
    let body = required_json_body(json_body(&request)?, "`email`")?;
    let email = body.required_str("email")?;
    let answer = if forgot {
        queue.request_password_reset(email).await?;
        RESET_REQUESTED
    } else {
        queue.request_verification(email).await?;
        VERIFICATION_REQUESTED
    };
    Ok(message_response(StatusCode::ACCEPTED, answer))
}
