//! `POST /password`: changes the password. Needs a fresh token (straight
//! from a password login) and the current password; retires every token
//! the user holds, like a logout.

use lambda_auth::password::{check_new_password, check_password_length};
use lambda_auth::request::{json_body, require_method};
use lambda_auth::response::message_response;
use lambda_auth::{Auth, Error};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let current = auth.current_user(&request, body.as_ref()).await?;
    current.require_fresh()?;
    let body = body.ok_or_else(|| {
        Error::bad_request(
            "Request body must be a JSON object with `old_password` and `new_password`",
        )
    })?;
    let old_password = body.required_str("old_password")?;
    let new_password = body.required_str("new_password")?;
    check_password_length(old_password)?;
    check_new_password(new_password)?;
    if old_password == new_password {
        return Err(Error::bad_request(
            "`new_password` must differ from `old_password`",
        ));
    }

    let user = &current.user;
    let policy = auth.config.password_policy;
    let check = policy
        .check(old_password.to_owned(), Some(user.password_hash.clone()))
        .await?;
    if !check.matches {
        return Err(Error::WrongPassword);
    }
    let new_hash = policy.hash(new_password.to_owned()).await?;
    if !auth
        .users
        .change_password(&user.email, &user.password_hash, &new_hash)
        .await?
    {
        return Err(Error::invalid_token(
            "the password changed during this request",
        ));
    }
    tracing::info!(email = %user.email, "password changed; every token retired");
    Ok(message_response(
        StatusCode::OK,
        "Password changed; log in again",
    ))
}
