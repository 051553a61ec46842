//! A team's own API on lambda_http and axum, as the runtime's `http-axum`
//! example builds one, with its routes protected by Sessionless: a
//! handler that takes a [`CurrentUser`] gets the user of a live access
//! token, loaded in this process with one GetItem. No authorizer runs in
//! front of it; a request without a live token gets `/me`'s 401, and the
//! handler never runs.
//!
//! Behind an HTTP API (payload 2.0, as in template.yaml) the router sees
//! the route's own path. Behind a REST API, lambda_http puts the stage in
//! front of it (`/prod/whoami`) unless the function is deployed with
//! `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH=true`.
//!
//! AWS calls: `dynamodb:GetItem`.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::routing::get;
use axum::{Json, Router, middleware};
use lambda_http::http::Method;
use serde::Serialize;
use sessionless::http::read_body_token;
use sessionless::{Auth, CurrentUser, Error};

/// The team's routes, with the state every protected handler's
/// `CurrentUser` is loaded through.
pub fn app(auth: Arc<Auth>) -> Router {
    Router::new()
        .route("/whoami", get(whoami).fallback(method_not_allowed))
        .fallback(not_found)
        // The token may come in the JSON body's `access_token` too.
        .layer(middleware::from_fn(read_body_token))
        .with_state(auth)
}

/// Who the caller is.
#[derive(Debug, Serialize)]
struct WhoAmI {
    email: String,
    name: String,
}

/// Personal data: no cache on the way may keep it.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// `GET /whoami`: the email and name of the loaded user.
async fn whoami(user: CurrentUser) -> ([(axum::http::HeaderName, HeaderValue); 1], Json<WhoAmI>) {
    let who = WhoAmI {
        email: user.email.clone(),
        name: user.name.clone(),
    };
    ([(CACHE_CONTROL, NO_STORE)], Json(who))
}

/// A method the route does not serve: 405 with `Allow`, as the
/// Sessionless functions answer.
async fn method_not_allowed(request: Request) -> Error {
    Error::MethodNotAllowed {
        method: request.method().clone(),
        allowed: &[Method::GET],
    }
}

/// A path the app does not serve.
async fn not_found() -> Error {
    Error::NotFound
}
