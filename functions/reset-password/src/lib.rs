//! `POST /password/reset`: sets a new password with the token of a mailed
//! reset link ([`Auth::reset_password`]). The link works once, and the
//! reset retires every token of the account.
//!
//! AWS calls: `dynamodb:GetItem`, `dynamodb:UpdateItem`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::accounts::Password;
use sessionless::http::{json_body, message_response, require_method, required_json_body};
use sessionless::{Auth, Error, PasswordReset};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = required_json_body(json_body(&request)?, "`token` and `new_password`")?;
    let reset = PasswordReset {
        token: body.required_str("token")?,
        new_password: Password(body.required_str("new_password")?),
    };
    auth.reset_password(reset).await?;
    Ok(message_response(
        StatusCode::OK,
        "Password reset; log in again",
    ))
}
