//! `POST /refresh`: trades a refresh token for a new access token (not
//! fresh) and the family's next refresh token ([`Auth::refresh`] rotates,
//! and revokes the family on a replay).
//!
//! AWS calls: `dynamodb:GetItem`, `dynamodb:UpdateItem`, `kms:Sign`.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use sessionless::http::{
    REFRESH_TOKEN_FIELD, find_token, grant_response, json_body, require_method,
};
use sessionless::{Auth, Error};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let locations = auth.config().token_locations;
    let token = find_token(&request, body.as_ref(), REFRESH_TOKEN_FIELD, locations)?;
    let grant = auth.refresh(token).await?;
    Ok(grant_response("Token refreshed", &grant))
}
