//! What login and refresh answer: an access token, and a refresh token when
//! one was asked for (login) or rotated (refresh).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::response::json_response;
use crate::token::{IssuedRefreshToken, IssuedToken};

#[derive(Debug, Serialize)]
struct TokenGrant<'a> {
    msg: &'a str,
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

/// `200` with the tokens, in the shape of an OAuth 2.0 token response
/// (RFC 6749 section 5.1) plus the human-readable `msg`.
pub fn grant_response(
    msg: &str,
    access: &IssuedToken,
    refresh: Option<&IssuedRefreshToken>,
) -> Response<Body> {
    json_response(
        StatusCode::OK,
        &TokenGrant {
            msg,
            access_token: &access.token,
            token_type: "Bearer",
            expires_in: access.expires_in,
            refresh_token: refresh.map(|refresh| refresh.token.as_str()),
        },
    )
}
