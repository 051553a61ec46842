//! `POST /verify`: marks the address verified with the token of a mailed
//! verification link and the password the account was signed up with
//! ([`Auth::verify_email`]). The link works once.
//!
//! AWS calls: `dynamodb:GetItem`, `dynamodb:UpdateItem`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::accounts::Password;
use sessionless::http::{json_body, message_response, require_method, required_json_body};
use sessionless::{Auth, Error, Verification};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = required_json_body(json_body(&request)?, "`token` and `password`")?;
    let verification = Verification {
        token: body.required_str("token")?,
        password: Password(body.required_str("password")?),
    };
    auth.verify_email(verification).await?;
    Ok(message_response(StatusCode::OK, "Email verified"))
}
