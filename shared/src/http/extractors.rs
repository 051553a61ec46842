//! Sessionless in a team's own axum app on lambda_http (feature `axum`):
//! [`CurrentUser`] and [`FreshUser`] as extractors, and [`Error`] as an
//! axum response that answers exactly as `/me` does.
//!
//! The app's state gives the extractors an `Arc<Auth>` ([`FromRef`]): the
//! state itself, or a field of it. A handler that takes a `CurrentUser`
//! runs only for a live access token of an active account, with its user
//! loaded in one GetItem; any other request gets `/me`'s 401 (or 400 for
//! two different tokens) and the handler never runs.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use axum::{Router, routing::get};
//! use sessionless::{Auth, CurrentUser};
//!
//! async fn hello(user: CurrentUser) -> String {
//!     format!("Hello, {}!", user.name)
//! }
//!
//! # async fn serve() -> Result<(), lambda_http::Error> {
//! let auth = Arc::new(Auth::from_env().await?);
//! let app = Router::new().route("/hello", get(hello)).with_state(auth);
//! lambda_http::run(app).await
//! # }
//! ```
//!
//! The token comes from the `Authorization` header. For the JSON body's
//! `access_token` too, as `TOKEN_LOCATIONS` allows, add the
//! [`read_body_token`] middleware: an extractor sees only a request's
//! head, so the middleware reads a JSON body first, and hands it on
//! untouched.

use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::extract::{FromRef, FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lambda_http::Body as LambdaBody;
use lambda_http::http::HeaderMap;
use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::http::request::Parts;

use crate::auth::{Auth, CurrentUser, FreshUser};
use crate::error::Error;
use crate::http::JsonObject;
use crate::http::bearer::{ACCESS_TOKEN_FIELD, find_token_in};
use crate::http::request::json_object;
use crate::http::response::result_response;

/// The most a body may hold for [`read_body_token`] to read it: Lambda's
/// own limit on a request's payload.
const MAX_READ_BYTES: usize = 6 * 1024 * 1024;

/// A request's JSON body, as [`read_body_token`] read it: an object, or
/// why it is none, which `/me` would answer too.
#[derive(Debug, Clone)]
enum JsonBody {
    Object(JsonObject),
    Refused(Error),
}

impl<S> FromRequestParts<S> for CurrentUser
where
    Arc<Auth>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let auth = Arc::<Auth>::from_ref(state);
        let locations = auth.config().token_locations;
        let body = match parts.extensions.get::<JsonBody>() {
            Some(JsonBody::Object(fields)) => Some(fields),
            // A body that could hold the token but is no JSON object is
            // refused as `/me` refuses it.
            Some(JsonBody::Refused(error)) if locations.json => return Err(error.clone()),
            Some(JsonBody::Refused(_)) | None => None,
        };
        let token = find_token_in(&parts.headers, body, ACCESS_TOKEN_FIELD, locations)?;
        auth.user_for_access_token(token).await
    }
}

impl<S> FromRequestParts<S> for FreshUser
where
    Arc<Auth>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        CurrentUser::from_request_parts(parts, state)
            .await?
            .require_fresh()
    }
}

impl IntoResponse for Error {
    /// The answer a Sessionless function gives: the status of
    /// [`Error::status`], `{"msg": ...}`, and the headers the status calls
    /// for (`WWW-Authenticate` on a 401); logged as the functions log it.
    fn into_response(self) -> Response {
        result_response(Err(self)).map(|body| match body {
            LambdaBody::Text(text) => AxumBody::from(text),
            LambdaBody::Binary(bytes) => AxumBody::from(bytes),
            _ => AxumBody::empty(),
        })
    }
}

/// Middleware that lets [`CurrentUser`] find the access token in a JSON
/// body's `access_token` field too, as `/me` does: it reads a body whose
/// `Content-Type` is JSON (or unset) and keeps its fields for the
/// extractor. The body goes on to the route unchanged, so the route's own
/// `Json` extractor still reads it.
///
/// A body that could carry the token must then be a JSON object: where
/// `TOKEN_LOCATIONS` allows the body, a `CurrentUser` route refuses any
/// other JSON body (not JSON, not an object, over 16 KiB) with `/me`'s
/// `400` or `413`. Routes that take JSON arrays belong outside this layer.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use axum::{Router, middleware, routing::post};
/// # use sessionless::{Auth, CurrentUser};
/// # async fn note(_: CurrentUser) {}
/// # fn app(auth: Arc<Auth>) -> Router {
/// Router::new()
///     .route("/notes", post(note))
///     .layer(middleware::from_fn(sessionless::http::read_body_token))
///     .with_state(auth)
/// # }
/// ```
pub async fn read_body_token(request: Request, next: Next) -> Response {
    if !may_be_json(request.headers()) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_READ_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Error::PayloadTooLarge {
                limit: MAX_READ_BYTES,
            }
            .into_response();
        }
    };
    match json_object(&bytes) {
        Ok(Some(fields)) => {
            parts.extensions.insert(JsonBody::Object(fields));
        }
        Ok(None) => {}
        Err(error) => {
            parts.extensions.insert(JsonBody::Refused(error));
        }
    }
    next.run(Request::from_parts(parts, AxumBody::from(bytes)))
        .await
}

/// True when `Content-Type` names JSON (`application/json`, or a
/// `+json` type), or is missing, as many API clients leave it.
fn may_be_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_read_and_others_left_alone() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, value.parse().expect("a header value"));
            may_be_json(&headers)
        };
        assert!(may_be_json(&HeaderMap::new()));
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("multipart/form-data; boundary=x"));
    }
}
