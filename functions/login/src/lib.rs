//! `POST /login`: checks an email and password and returns an access token.

use lambda_auth::password::{check_password_length, verify_password};
use lambda_auth::request::{json_body, require_method};
use lambda_auth::response::json_response;
use lambda_auth::users::normalize_email;
use lambda_auth::{Auth, Error};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;

const ALLOWED_METHODS: &[Method] = &[Method::POST];

#[derive(Debug, Serialize)]
struct LoginResponse<'a> {
    msg: &'a str,
    access_token: &'a str,
    token_type: &'a str,
    expires_in: u64,
}

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?.ok_or_else(|| {
        Error::bad_request("Request body must be a JSON object with `email` and `password`")
    })?;
    let email = normalize_email(body.required_str("email")?)?;
    let password = body.required_str("password")?;
    // `remember` is part of the request shape; refresh tokens build on it.
    body.optional_bool("remember")?;
    check_password_length(password)?;

    let user = auth.users.find_by_email(&email).await?;
    // The password is verified even for an unknown or inactive user, so the
    // three refusals take the same time and give the same answer.
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = verify_password(password.to_owned(), stored_hash).await?;
    let user = match user {
        Some(user) if password_matches && user.active => user,
        _ => return Err(Error::BadCredentials),
    };

    let issued = auth.tokens.issue(&user.email)?;
    tracing::info!(email = %user.email, "logged in");
    Ok(json_response(
        StatusCode::OK,
        &LoginResponse {
            msg: "Logged in successfully!",
            access_token: &issued.token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
        },
    ))
}
