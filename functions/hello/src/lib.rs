//! `GET /hello`: the example backend behind the authorizer. It has no token
//! code at all: API Gateway runs the authorizer first and hands this
//! function the caller's identity in the request context. `GET /hello/jwt`
//! is the same backend behind API Gateway's own JWT authorizer, which
//! checks the signature and claims only and hands over the claims.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use sessionless::Error;
use sessionless::http::json_response;

#[derive(Debug, Serialize)]
struct Greeting<'a> {
    msg: String,
    email: &'a str,
}

pub async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let authorizer = request
        .request_context_ref()
        .and_then(|context| context.authorizer());
    // Our Lambda authorizer's context, with the loaded user's name...
    let field = |name: &str| {
        authorizer
            .and_then(|authorizer| authorizer.fields.get(name))
            .and_then(|value| value.as_str())
    };
    // ...or the claims API Gateway's JWT authorizer verified: no user was
    // loaded, so the email (`sub`) is all there is.
    let claim = |name: &str| {
        authorizer
            .and_then(|authorizer| authorizer.jwt.as_ref())
            .and_then(|jwt| jwt.claims.get(name))
            .map(String::as_str)
    };
    let greeting = match (field("email"), field("name"), claim("sub")) {
        (Some(email), Some(name), _) => Greeting {
            msg: format!("Hello, {name}!"),
            email,
        },
        (None, None, Some(email)) => Greeting {
            msg: format!("Hello, {email}!"),
            email,
        },
        // Without an authorizer's context the route was deployed
        // unprotected: refuse rather than greet nobody.
        _ => return Err(Error::MissingToken),
    };
    Ok(json_response(StatusCode::OK, &greeting))
}
