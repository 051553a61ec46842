//! `POST /logout`: logs the user out everywhere. Bumping the token version
//! on the user's item retires every access and refresh token issued
//! before, at once: protected requests load the item anyway, so checking
//! the version costs no extra read.

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
    auth.users.retire_tokens(&current.user.email).await?;
    tracing::info!(email = %current.user.email, "logged out everywhere");
    Ok(message_response(StatusCode::OK, "Logged out everywhere"))
}
