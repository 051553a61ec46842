//! `POST /password`: changes the password. Needs a fresh token (straight
//! from a password login) and the current password; retires every token
//! the user holds, like a logout ([`Auth::change_password`]).
//!
//! AWS calls: `dynamodb:GetItem`, 2 × `dynamodb:UpdateItem`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::accounts::Password;
use sessionless::http::{
    current_user_with_password, json_body, message_response, require_method, required_json_body,
};
use sessionless::{Auth, Error, PasswordChange};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let current = current_user_with_password(auth, &request, body.as_ref()).await?;
    let fresh = current.require_fresh()?;
    let body = required_json_body(body, "`old_password` and `new_password`")?;
    let change = PasswordChange {
        old_password: Password(body.required_str("old_password")?),
        new_password: Password(body.required_str("new_password")?),
    };
    auth.change_password(&fresh, change).await?;
    Ok(message_response(
        StatusCode::OK,
        "Password changed; log in again",
    ))
}
