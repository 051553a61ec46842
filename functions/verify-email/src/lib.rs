//! `POST /verify`: marks the address verified with the token of a mailed
//! verification link ([`Auth::verify_email`]). The link works once.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::http::{json_body, message_response, require_method, required_json_body};
use sessionless::{Auth, Error};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = required_json_body(json_body(&request)?, "`token`")?;
    auth.verify_email(body.required_str("token")?).await?;
    Ok(message_response(StatusCode::OK, "Email verified"))
}
