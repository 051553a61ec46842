//! Helpers for tests of functions built on Sessionless (feature
//! `testing`): a handler called with a sample API Gateway event, through
//! the same path [`crate::http::run`] serves in Lambda.
//!
//! ```no_run
//! # async fn test() -> Result<(), sessionless::Error> {
//! use lambda_http::{Body, Request, Response};
//! use sessionless::Error;
//!
//! async fn hello(_: &'static (), _: Request) -> Result<Response<Body>, Error> {
//!     Ok(Response::new(Body::from("hello")))
//! }
//!
//! let event = std::fs::read_to_string("events/hello.json").expect("a sample event");
//! let answer = sessionless::testing::invoke(&(), hello, &event).await?;
//! assert_eq!(answer["statusCode"], 200);
//! # Ok(())
//! # }
//! ```

use std::future::Future;

use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Context, LambdaEvent, Request, Response, Service};
use serde_json::Value;

use crate::error::Error;
use crate::http::event_service;

/// Sends `event`, an API Gateway event (REST or HTTP API) as JSON text,
/// through the production event path with `handler` and `state`, as the
/// Lambda runtime would: the event guard, the request, the handler, the
/// error mapping. Answers the response Lambda would send back to API
/// Gateway (`statusCode`, `headers`, `body`...), as JSON.
///
/// # Errors
///
/// [`Error::BadRequest`] when `event` is not an API Gateway event;
/// [`Error::Internal`] if the response does not serialise.
pub async fn invoke<S, H, F>(state: &'static S, handler: H, event: &str) -> Result<Value, Error>
where
    S: Sync + 'static,
    H: Fn(&'static S, Request) -> F + Copy + Send + 'static,
    F: Future<Output = Result<Response<Body>, Error>> + Send + 'static,
{
    let payload: LambdaRequest = serde_json::from_str(event)
        .map_err(|error| Error::bad_request(format!("not an API Gateway event: {error}")))?;
    let mut service = event_service(state, handler);
    let response = service
        .call(LambdaEvent::new(payload, Context::default()))
        .await
        .unwrap_or_else(|never| match never {});
    serde_json::to_value(&response)
        .map_err(|error| Error::Internal(format!("a response did not serialise: {error}")))
}
