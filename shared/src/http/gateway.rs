//! What API Gateway tells a function about a request beyond the request
//! itself: the URL it arrived at, and who an authorizer in front of the
//! route said the caller is.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::error::Error;

/// Who the authorizer in front of a route said the caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayIdentity<'a> {
    /// Sessionless's Lambda authorizer, which loaded the user: the email
    /// and the name from its context.
    Loaded {
        /// The user's email.
        email: &'a str,
        /// The user's display name.
        name: &'a str,
    },
    /// API Gateway's own JWT authorizer, which checked the access token's
    /// signature and claims only: no user was loaded, so the email (`sub`)
    /// is all there is.
    Claims {
        /// The token's `sub`: the user's email.
        email: &'a str,
    },
}

/// The identity the authorizer in front of this route handed over, or
/// `None` when there is none: the route was deployed unprotected, or the
/// function was invoked directly.
///
/// ```
/// use lambda_http::Request;
/// use sessionless::http::{GatewayIdentity, gateway_identity};
///
/// fn greeting(request: &Request) -> Option<String> {
///     Some(match gateway_identity(request)? {
///         GatewayIdentity::Loaded { name, .. } => format!("Hello, {name}!"),
///         GatewayIdentity::Claims { email } => format!("Hello, {email}!"),
///     })
/// }
/// ```
pub fn gateway_identity(request: &Request) -> Option<GatewayIdentity<'_>> {
    let authorizer = request.request_context_ref()?.authorizer()?;
    let field = |name: &str| authorizer.fields.get(name).and_then(|value| value.as_str());
    if let (Some(email), Some(name)) = (field("email"), field("name")) {
        return Some(GatewayIdentity::Loaded { email, name });
    }
    let email = authorizer.jwt.as_ref()?.claims.get("sub")?;
    Some(GatewayIdentity::Claims { email })
}

/// The https URL this request arrived at, as API Gateway reports it (the
/// domain is API Gateway's, not the client's `Host`): a REST API's, and an
/// HTTP API's named, stage is part of it.
///
/// # Errors
///
/// [`Error::Config`] when the request names no domain: it did not come
/// through API Gateway, so only a configured URL can stand in for this one.
pub fn arrival_url(request: &Request) -> Result<String, Error> {
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
