//! `POST /refresh`: trades a refresh token for a new access token (not
//! fresh) and the family's next refresh token.
//!
//! Rotation needs no session table: the user's item records each family's
//! current token id. A refresh token of the family that is not the current
//! one was already rotated, so presenting it is a replay, and the family is
//! revoked. Of two concurrent refreshes with one token, the conditional
//! update lets at most one win.

use lambda_auth::grant::grant_response;
use lambda_auth::request::{json_body, require_method};
use lambda_auth::users::RefreshFamily;
use lambda_auth::{Auth, Error, RefreshingUser};
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?;
    let RefreshingUser { user, claims } = auth.refreshing_user(&request, body.as_ref()).await?;

    let Some(current) = user.refresh_family(&claims.fam) else {
        return Err(Error::invalid_token("refresh family revoked or expired"));
    };
    if current.jti != claims.jti {
        auth.users
            .revoke_refresh_family(&user.email, &claims.fam)
            .await?;
        tracing::warn!(email = %user.email, fam = %claims.fam, "replayed refresh token; family revoked");
        return Err(Error::invalid_token("replayed refresh token"));
    }

    let next = auth
        .tokens
        .issue_refresh(&user.email, claims.ver, Some(claims.fam.clone()))?;
    let next_family = RefreshFamily {
        jti: next.jti.clone(),
        exp: next.exp,
    };
    let rotated = auth
        .users
        .rotate_refresh_family(&user.email, &claims.fam, &claims.jti, &next_family)
        .await?;
    if !rotated {
        // Another refresh with this token won the race. The family stays:
        // the winner holds its next token.
        return Err(Error::invalid_token("refresh token rotated concurrently"));
    }
    let access = auth.tokens.issue_access(&user.email, claims.ver, false)?;
    Ok(grant_response("Token refreshed", &access, Some(&next)))
}
