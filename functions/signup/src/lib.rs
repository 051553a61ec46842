//! `POST /signup`: creates an account. Without email verification it
//! answers 201 with the public profile; with it (the default), always
//! `202 {"msg": "Check your inbox to finish signing up"}`, whether or not
//! the email was taken.
//!
//! AWS calls: `dynamodb:PutItem`, `sqs:SendMessage`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use sessionless::accounts::Password;
use sessionless::http::{
    json_body, json_response, message_response, require_method, required_json_body,
};
use sessionless::{Error, Registrar, Registration, SignupOutcome};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

/// The one answer to every accepted signup with email verification.
pub const CHECK_INBOX: &str = "Check your inbox to finish signing up";

pub async fn handle(registrar: &Registrar, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    registrar.require_signup_enabled()?;
    let fields = "`email`, `password` and `name`";
    let body = required_json_body(json_body(&request)?, fields)?;
    let registration = Registration {
        email: body.required_str("email")?,
        password: Password(body.required_str("password")?),
        name: body.required_str("name")?,
    };
    Ok(match registrar.sign_up(registration).await? {
        SignupOutcome::Created(user) => json_response(StatusCode::CREATED, &user.public_profile()),
        SignupOutcome::MailQueued => message_response(StatusCode::ACCEPTED, CHECK_INBOX),
    })
}
