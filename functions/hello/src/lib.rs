//! `GET /hello`: the example backend behind the authorizer. It has no token
//! code at all: API Gateway runs the authorizer first and hands this
//! function the caller's identity in the request context. `GET /hello/jwt`
//! is the same backend behind API Gateway's own JWT authorizer, which
//! checks the signature and claims only and hands over the claims.
//!
//! AWS calls: none.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use sessionless::Error;
use sessionless::http::{GatewayIdentity, gateway_identity, json_response};

#[derive(Debug, Serialize)]
struct Greeting<'a> {
    msg: String,
    email: &'a str,
}

pub async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let greeting = match gateway_identity(&request) {
        // Our Lambda authorizer loaded the user: greet them by name.
        Some(GatewayIdentity::Loaded { email, name }) => Greeting {
            msg: format!("Hello, {name}!"),
            email,
        },
        // API Gateway's JWT authorizer checked the token alone.
        Some(GatewayIdentity::Claims { email }) => Greeting {
            msg: format!("Hello, {email}!"),
            email,
        },
        // Without an authorizer's context the route was deployed
        // unprotected: refuse rather than greet nobody.
        None => return Err(Error::MissingToken),
    };
    Ok(json_response(StatusCode::OK, &greeting))
}
