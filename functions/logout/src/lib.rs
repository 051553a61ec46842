//! `POST /logout`: logs the user out everywhere: every access and refresh
//! token issued before is refused from now on ([`Auth::logout_everywhere`]).
//!
//! AWS calls: `dynamodb:GetItem`, `dynamodb:UpdateItem`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::http::{current_user, json_body, message_response, require_method};
use sessionless::{Auth, Error};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let current = current_user(auth, &request, body.as_ref()).await?;
    auth.logout_everywhere(&current).await?;
    Ok(message_response(StatusCode::OK, "Logged out everywhere"))
}
