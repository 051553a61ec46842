//! Reading what a client sent: the HTTP method, and the JSON body.

use std::borrow::Cow;

use lambda_http::http::Method;
use lambda_http::{Body, Request};
use serde_json::{Map, Value};

use crate::error::Error;

/// No valid request comes close: a login body is about 100 bytes and the
/// largest accepted token is 8 KiB.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

/// Refuses methods the route does not serve. API Gateway routes by method
/// already; this covers direct invocations and the local stack.
pub fn require_method(request: &Request, allowed: &'static [Method]) -> Result<(), Error> {
    if allowed.contains(request.method()) {
        Ok(())
    } else {
        Err(Error::MethodNotAllowed {
            method: request.method().clone(),
            allowed,
        })
    }
}

/// The request body as a JSON object, or `None` when there is no body.
/// API Gateway's base64 bodies arrive here already decoded.
pub fn json_body(request: &Request) -> Result<Option<JsonObject>, Error> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => return Ok(None),
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => return Err(Error::bad_request("Request body could not be read")),
    };
    json_object(bytes)
}

/// `bytes` as a JSON object body, or `None` when empty: the rules of
/// [`json_body`], for a body however it was read.
pub(crate) fn json_object(bytes: &[u8]) -> Result<Option<JsonObject>, Error> {
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Error::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    // Only an empty body is no body: white space alone is not JSON, and a
    // route whose body is optional (the token may come in the header)
    // must not read it as "nothing sent" (schemathesis found this).
    if bytes.is_empty() {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(fields)) => Ok(Some(JsonObject(fields))),
        Ok(_) => Err(Error::bad_request("Request body must be a JSON object")),
        Err(_) => Err(Error::bad_request("Request body is not valid JSON")),
    }
}

/// The body of a route that cannot do without one: a bad request naming
/// `fields` (e.g. "`email` and `password`") when there is none.
pub fn required_json_body(body: Option<JsonObject>, fields: &str) -> Result<JsonObject, Error> {
    body.ok_or_else(|| {
        Error::BadRequest(Cow::Owned(format!(
            "Request body must be a JSON object with {fields}"
        )))
    })
}

/// A JSON object body with typed field access. Error messages name the
/// field and the expected type, never the value the client sent.
#[derive(Debug, Clone)]
pub struct JsonObject(Map<String, Value>);

impl JsonObject {
    /// The raw field, for callers with their own rules.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field)
    }

    /// The string field `field`; a bad request when missing or not a string.
    pub fn required_str(&self, field: &'static str) -> Result<&str, Error> {
        match self.0.get(field) {
            Some(Value::String(text)) => Ok(text),
            Some(_) => Err(wrong_type(field, "a string")),
            None => Err(Error::BadRequest(Cow::Owned(format!(
                "`{field}` is required"
            )))),
        }
    }

    /// The string field `field`, if given (null counts as not given).
    pub fn optional_str(&self, field: &'static str) -> Result<Option<&str>, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(wrong_type(field, "a string")),
        }
    }

    /// The boolean field `field`, if given (null counts as not given).
    pub fn optional_bool(&self, field: &'static str) -> Result<Option<bool>, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(_) => Err(wrong_type(field, "true or false")),
        }
    }
}

fn wrong_type(field: &str, expected: &str) -> Error {
    Error::BadRequest(Cow::Owned(format!("`{field}` must be {expected}")))
}
