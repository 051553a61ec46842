//! `POST /signup`: creates an account and returns its public profile.

use lambda_auth::accounts::Password;
use lambda_auth::http::{json_body, json_response, require_method, required_json_body};
use lambda_auth::{Error, Registrar, Registration};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(registrar: &Registrar, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    registrar.require_signup_enabled()?;
    let fields = "`email`, `password` and `name`";
    let body = required_json_body(json_body(&request)?, fields)?;
    let registration = Registration {
        email: body.required_str("email")?,
        password: Password(body.required_str("password")?),
        name: body.required_str("name")?,
        active: true,
    };
    let user = registrar.register(registration).await?;
    Ok(json_response(StatusCode::CREATED, &user.public_profile()))
}
