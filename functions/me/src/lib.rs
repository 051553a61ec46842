//! `GET /me` and `POST /me`: the current user's public profile.
//!
//! AWS calls: `dynamodb:GetItem`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::http::{current_user, json_body, json_response, require_method};
use sessionless::{Auth, Error};

const ALLOWED_METHODS: &[Method] = &[Method::GET, Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let current = current_user(auth, &request, body.as_ref()).await?;
    Ok(json_response(
        StatusCode::OK,
        &current.user.public_profile(),
    ))
}
