//! The answer of login and refresh: the [`Grant`] as a token response.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::Error;
use crate::http::json_response;
use crate::tokens::Grant;
use crate::use_cases::{LoginOutcome, SecondStep};

#[derive(Debug, Serialize)]
struct TokenGrant<'a> {
    msg: &'a str,
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_token: Option<&'a str>,
}

/// `200` with the tokens, in the shape of an OAuth 2.0 token response
/// (RFC 6749 section 5.1) plus the human-readable `msg`.
pub fn grant_response(msg: &str, grant: &Grant) -> Response<Body> {
    let refresh_token = grant.refresh.as_ref().map(|refresh| refresh.token.encode());
    json_response(
        StatusCode::OK,
        &TokenGrant {
            msg,
            access_token: &grant.access.token,
            token_type: "Bearer",
            expires_in: grant.access.expires_in,
            refresh_token: refresh_token.as_deref(),
            device_token: grant.device.as_ref().map(|device| device.token.as_str()),
        },
    )
}

/// A sign-in's answer: [`grant_response`] for the tokens, or the error a
/// step still to take answers with.
///
/// # Errors
///
/// [`Error::BadCredentials`] for [`SecondStep::VerifyEmail`]: the very
/// answer of a wrong password. Saying "not verified" after the right
/// password would tell whoever signed up an address whether it already
/// had an account (their password would not have matched it: review 2,
/// M1).
pub fn login_response(msg: &str, outcome: &LoginOutcome) -> Result<Response<Body>, Error> {
    match outcome {
        LoginOutcome::Granted(grant) => Ok(grant_response(msg, grant)),
        LoginOutcome::SecondStepRequired(SecondStep::VerifyEmail) => Err(Error::BadCredentials),
    }
}
