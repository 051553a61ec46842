//! Finding a token in a request: the `Authorization` header, a JSON body
//! field (`access_token` or `refresh_token`), or both, as `TOKEN_LOCATIONS`
//! allows.

use lambda_http::Request;
use lambda_http::http::HeaderMap;
use lambda_http::http::header::AUTHORIZATION;
use serde_json::Value;

use crate::config::TokenLocations;
use crate::error::Error;
use crate::http::JsonObject;

/// The JSON body field of an access token, as in Flask-JWT-Extended.
pub const ACCESS_TOKEN_FIELD: &str = "access_token";
/// The JSON body field of a refresh token.
pub const REFRESH_TOKEN_FIELD: &str = "refresh_token";

/// The token the request presents, from the header or the body field
/// `body_field`. A token in both places must be the same token: two
/// different ones are a malformed request, not a choice we make for the
/// client.
pub fn find_token<'r>(
    request: &'r Request,
    body: Option<&'r JsonObject>,
    body_field: &'static str,
    locations: TokenLocations,
) -> Result<&'r str, Error> {
    find_token_in(request.headers(), body, body_field, locations)
}

/// [`find_token`] for a request's headers and body, however they were
/// read.
pub(crate) fn find_token_in<'r>(
    headers: &'r HeaderMap,
    body: Option<&'r JsonObject>,
    body_field: &'static str,
    locations: TokenLocations,
) -> Result<&'r str, Error> {
    let from_header = if locations.headers {
        header_token(headers)?
    } else {
        None
    };
    let from_body = match body {
        Some(body) if locations.json => body_token(body, body_field)?,
        _ => None,
    };
    match (from_header, from_body) {
        (Some(header), Some(body)) if header != body => Err(Error::bad_request(
            "Different tokens in the Authorization header and the body; send one",
        )),
        (Some(token), _) | (None, Some(token)) => Ok(token),
        (None, None) => Err(Error::MissingToken),
    }
}

/// `Authorization: Bearer <token>`, exactly one header with one token.
fn header_token(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Error::invalid_token("more than one Authorization header"));
    }
    let value = value
        .to_str()
        .map_err(|_| Error::invalid_token("Authorization header is not visible ASCII"))?;
    bearer_token(value).map(Some)
}

/// The token of an `Authorization` value: `Bearer <token>`, the scheme in
/// any case, exactly one space, one token.
pub fn bearer_token(value: &str) -> Result<&str, Error> {
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| Error::invalid_token("Authorization header without a token"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::invalid_token("Authorization scheme is not Bearer"));
    }
    // A JWT never holds spaces or commas; API Gateway joins repeated headers
    // with commas, so either means more than one token or a mangled one.
    if token.is_empty() || token.contains([' ', ',']) {
        return Err(Error::invalid_token(
            "Authorization header is not `Bearer <token>`",
        ));
    }
    Ok(token)
}

fn body_token<'b>(body: &'b JsonObject, field: &'static str) -> Result<Option<&'b str>, Error> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) => Ok(Some(token)),
        Some(_) => Err(Error::invalid_token(format!(
            "`{field}` in the body is not a string"
        ))),
    }
}
