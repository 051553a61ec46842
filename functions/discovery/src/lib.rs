//! `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`:
//! the public keys and the discovery document, so that any standard
//! verifier (API Gateway's JWT authorizer, a JWT library in another
//! service) checks our tokens without calling us. Built at cold start from
//! the environment alone: no network call, no secret.
//!
//! AWS calls: none.

use lambda_http::http::Method;
use lambda_http::http::header::HeaderValue;
use lambda_http::{Body, Request, Response};
use sessionless::Error;
use sessionless::http::{arrival_url, public_json_response, require_method};
use sessionless::tokens::{Discovery, JWKS_PATH, OPENID_CONFIGURATION_PATH};

const ALLOWED_METHODS: &[Method] = &[Method::GET];

/// Verifiers cache the keys this long. A rotation publishes a new key at
/// least this long before anything is signed with it.
const JWKS_CACHE: HeaderValue = HeaderValue::from_static("public, max-age=300");
/// The discovery document changes only with the issuer.
const DISCOVERY_CACHE: HeaderValue = HeaderValue::from_static("public, max-age=3600");

pub async fn handle(discovery: &Discovery, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    // REST APIs put the stage before the path; the route is the suffix.
    let path = request.uri().path();
    if path.ends_with(JWKS_PATH) {
        Ok(public_json_response(discovery.jwks(), JWKS_CACHE))
    } else if path.ends_with(OPENID_CONFIGURATION_PATH) {
        // Without JWT_ISSUER, the issuer is the URL the request arrived at.
        let document = discovery.openid_configuration(|| arrival_url(&request))?;
        Ok(public_json_response(&document, DISCOVERY_CACHE))
    } else {
        Err(Error::NotFound)
    }
}
