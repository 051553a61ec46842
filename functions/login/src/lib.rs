//! `POST /login`: checks an email and password and returns a fresh access
//! token, and with `"remember": true` a refresh token too, plus a device
//! token for the next login from this device. Repeated failures lock the
//! email for a while, or, for a login with a device token, that device
//! ([`Auth::authenticate`] owns all of it).
//!
//! AWS calls: `dynamodb:GetItem`, 2 × `dynamodb:UpdateItem`, `kms:Sign`.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use sessionless::accounts::Password;
use sessionless::http::{json_body, login_response, require_method, required_json_body};
use sessionless::{Auth, Error, Login};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = required_json_body(json_body(&request)?, "`email` and `password`")?;
    let login = Login {
        email: body.required_str("email")?,
        password: Password(body.required_str("password")?),
        remember: body.optional_bool("remember")?.unwrap_or(false),
        device_token: body.optional_str("device_token")?,
    };
    let outcome = auth.authenticate(login).await?;
    login_response("Logged in successfully!", &outcome)
}
