//! `GET /hello`: the example backend behind the authorizer. It has no token
//! code at all: API Gateway runs the authorizer first and hands this
//! function the caller's identity in the request context.

use lambda_auth::Error;
use lambda_auth::http::json_response;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Greeting<'a> {
    msg: String,
    email: &'a str,
}

pub async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let context = request.request_context_ref();
    let fields = context
        .and_then(|context| context.authorizer())
        .map(|authorizer| &authorizer.fields);
    // Without the authorizer's context the route was deployed unprotected:
    // refuse rather than greet nobody.
    let field = |name: &str| {
        fields
            .and_then(|fields| fields.get(name))
            .and_then(|value| value.as_str())
    };
    let (Some(email), Some(name)) = (field("email"), field("name")) else {
        return Err(Error::MissingToken);
    };
    Ok(json_response(
        StatusCode::OK,
        &Greeting {
            msg: format!("Hello, {name}!"),
            email,
        },
    ))
}
