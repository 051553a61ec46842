//! Makes an API Gateway event safe to hand to lambda_http.
//!
//! lambda_http builds its `http::Request` with `expect` and `unwrap`: a body
//! marked base64 that is not, or a Host, X-Forwarded-Proto, path or query
//! that cannot form a URL, panics inside it. API Gateway never sends such
//! events, but a direct invocation can, and under `panic = "abort"` a panic
//! takes the whole execution environment down. So such events are caught
//! here first, stripped to something lambda_http converts safely, and
//! answered with a 400.
//!
//! A body over the size limit is refused here too, by its raw length:
//! lambda_http would decode a base64 body of any size (up to the 6 MB
//! invocation payload) before the handler's own check could refuse it.
//!
//! lambda_http also lets a REST API event's single-value `headers` replace
//! its `multiValueHeaders`, which would hide a second `Authorization`
//! header from the handler. That is caught here too, and refused like any
//! other ambiguous credential, with a 401.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lambda_http::http::header::{AUTHORIZATION, HOST};
use lambda_http::http::{HeaderMap, Uri};
use lambda_http::request::LambdaRequest;

use crate::error::Error;
use crate::http::request::MAX_BODY_BYTES;

/// Why an event was refused before reaching the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The body is longer than any accepted body, before any decoding.
    BodyTooLarge,
    /// The body is marked base64 but is not.
    InvalidBase64Body,
    /// Host, X-Forwarded-Proto, path or query string do not form a URL.
    UnbuildableUrl,
    /// A REST API event with more than one `Authorization` header.
    RepeatedAuthorization,
}

impl Rejection {
    /// The error the client gets for this event.
    pub fn error(self) -> Error {
        match self {
            Rejection::BodyTooLarge => Error::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            },
            Rejection::InvalidBase64Body => {
                Error::bad_request("Request body is marked base64 but is not valid base64")
            }
            Rejection::UnbuildableUrl => Error::bad_request(
                "Request Host, X-Forwarded-Proto, path or query string do not form a URL",
            ),
            Rejection::RepeatedAuthorization => {
                Error::invalid_token("more than one Authorization header")
            }
        }
    }
}

/// [`check`] on an API Gateway v1 or v2 request: the two share these
/// field names, not a type.
macro_rules! check_event {
    ($request:expr, $path:expr, $raw_query:expr) => {
        check(
            $request.is_base64_encoded,
            $request.body.as_deref(),
            &$request.headers,
            $request.request_context.domain_name.as_deref(),
            $request.request_context.stage.as_deref(),
            $path,
            $raw_query,
        )
    };
}

/// Checks `event`; when it would make lambda_http panic, strips it down
/// and says why. Events of other kinds pass untouched.
pub fn guard(event: &mut LambdaRequest) -> Option<Rejection> {
    let rejection = match event {
        LambdaRequest::ApiGatewayV1(request)
            if request
                .multi_value_headers
                .get_all(AUTHORIZATION)
                .iter()
                .count()
                > 1 =>
        {
            Some(Rejection::RepeatedAuthorization)
        }
        LambdaRequest::ApiGatewayV1(request) => {
            let path = request.path.as_deref().unwrap_or_default();
            check_event!(request, path, None)
        }
        LambdaRequest::ApiGatewayV2(request) => {
            let path = request.raw_path.as_deref().unwrap_or_default();
            check_event!(request, path, request.raw_query_string.as_deref())
        }
        _ => None,
    }?;
    strip(event);
    Some(rejection)
}

fn check(
    is_base64: bool,
    body: Option<&str>,
    headers: &HeaderMap,
    domain_name: Option<&str>,
    stage: Option<&str>,
    path: &str,
    raw_query: Option<&str>,
) -> Option<Rejection> {
    // Base64 takes 4 characters for every 3 bytes, padding included.
    let raw_limit = if is_base64 {
        MAX_BODY_BYTES.div_ceil(3) * 4
    } else {
        MAX_BODY_BYTES
    };
    if body.is_some_and(|body| body.len() > raw_limit) {
        return Some(Rejection::BodyTooLarge);
    }
    if is_base64 && body.is_some_and(|body| STANDARD.decode(body).is_err()) {
        return Some(Rejection::InvalidBase64Body);
    }
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
    let host = header(HOST.as_str()).or(domain_name);
    let scheme = header("x-forwarded-proto").unwrap_or("https");
    // The path as lambda_http prefixes it with the stage (unless told not
    // to by AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH, in which case the check
    // is stricter than needed, never looser).
    let path = match stage.filter(|stage| *stage != "$default") {
        Some(stage) if !path.starts_with(&format!("/{stage}/")) => format!("/{stage}{path}"),
        _ => path.to_owned(),
    };
    // The URI exactly as lambda_http builds it: the whole normalised URL
    // with a host, only its path without one, then the raw query appended.
    let built = match host {
        Some(host) => url::Url::parse(&format!("{scheme}://{host}{path}")).map(String::from),
        None => {
            url::Url::parse(&format!("http://localhost{path}")).map(|url| url.path().to_owned())
        }
    };
    let buildable = built.is_ok_and(|mut uri| {
        if let Some(query) = raw_query.filter(|query| !query.is_empty()) {
            uri.push('?');
            uri.push_str(query);
        }
        uri.parse::<Uri>().is_ok()
    });
    (!buildable).then_some(Rejection::UnbuildableUrl)
}

/// Leaves only what any event converts with: no headers, body, query or
/// domain, and the root path.
fn strip(event: &mut LambdaRequest) {
    match event {
        LambdaRequest::ApiGatewayV1(request) => {
            request.headers = HeaderMap::new();
            request.multi_value_headers = HeaderMap::new();
            request.body = None;
            request.is_base64_encoded = false;
            request.path = Some("/".to_owned());
            request.query_string_parameters = Default::default();
            request.multi_value_query_string_parameters = Default::default();
            request.request_context.domain_name = None;
            request.request_context.stage = None;
        }
        LambdaRequest::ApiGatewayV2(request) => {
            request.headers = HeaderMap::new();
            request.cookies = None;
            request.body = None;
            request.is_base64_encoded = false;
            request.raw_path = Some("/".to_owned());
            request.raw_query_string = None;
            request.query_string_parameters = Default::default();
            request.request_context.domain_name = None;
            request.request_context.stage = None;
        }
        _ => {}
    }
}
