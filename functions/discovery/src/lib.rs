//! `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`:
//! the public keys and the discovery document, so that any standard
//! verifier (API Gateway's JWT authorizer, a JWT library in another
//! service) checks our tokens without calling us. Built at cold start from
//! the environment alone: no network call, no secret.

use lambda_http::http::Method;
use lambda_http::http::header::HeaderValue;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use sessionless::Error;
use sessionless::http::{public_json_response, require_method};
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
        Ok(public_json_response(&discovery.jwks, JWKS_CACHE))
    } else if path.ends_with(OPENID_CONFIGURATION_PATH) {
        let document = match &discovery.openid_configuration {
            Some(document) => document.clone(),
            None => discovery.openid_configuration_at(&arrival_url(&request)?)?,
        };
        Ok(public_json_response(&document, DISCOVERY_CACHE))
    } else {
        Err(Error::NotFound)
    }
}

/// The https URL this request arrived at, as API Gateway reports it (the
/// domain is API Gateway's, not the client's `Host`): the issuer when
/// `JWT_ISSUER` is unset. A REST API's, and an HTTP API's named, stage is
/// part of it.
fn arrival_url(request: &Request) -> Result<String, Error> {
    let (domain, stage) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => (
            context.domain_name.clone(),
            context.stage.clone().filter(|stage| stage != "$default"),
        ),
        Some(RequestContext::ApiGatewayV1(context)) => {
            (context.domain_name.clone(), context.stage.clone())
        }
        _ => (None, None),
    };
    let domain = domain.ok_or_else(|| {
        Error::Config("JWT_ISSUER is unset and the request names no domain".into())
    })?;
    Ok(match stage {
        Some(stage) => format!("https://{domain}/{stage}"),
        None => format!("https://{domain}"),
    })
}
