//! The request loader for lambda_http handlers: the request's access
//! token, verified, and its user loaded, in one GetItem.

use lambda_http::Request;

use crate::auth::{Auth, CurrentUser};
use crate::error::Error;
use crate::http::{ACCESS_TOKEN_FIELD, JsonObject, find_token};

/// The user `request` acts for: the access token from the `Authorization`
/// header or the JSON body's `access_token`, as `TOKEN_LOCATIONS` allows,
/// verified, and its user loaded with exactly one GetItem. `body` is the
/// request's JSON body, if it has one ([`crate::http::json_body`]).
///
/// ```no_run
/// use lambda_http::{Body, Request, Response};
/// use sessionless::http::{current_user, json_body, json_response};
/// use sessionless::{Auth, Error};
///
/// async fn whoami(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
///     let body = json_body(&request)?;
///     let user = current_user(auth, &request, body.as_ref()).await?;
///     Ok(json_response(lambda_http::http::StatusCode::OK, &user.public_profile()))
/// }
/// ```
///
/// # Errors
///
/// [`Error::MissingToken`] without a token, [`Error::InvalidToken`] for one
/// that is not a live access token of an active account, and
/// [`Error::BadRequest`] for two different tokens; all answer as `/me`
/// does. A DynamoDB failure is [`Error::AwsUnavailable`] or
/// [`Error::AwsFailure`].
pub async fn current_user(
    auth: &Auth,
    request: &Request,
    body: Option<&JsonObject>,
) -> Result<CurrentUser, Error> {
    auth.user_for_access_token(access_token(auth, request, body)?)
        .await
}

/// [`current_user`], loading the user's whole item, password hash included:
/// for a handler that checks the current password
/// ([`Auth::change_password`]). Any other reads less, and should.
///
/// # Errors
///
/// As [`current_user`].
pub async fn current_user_with_password(
    auth: &Auth,
    request: &Request,
    body: Option<&JsonObject>,
) -> Result<CurrentUser, Error> {
    auth.user_and_password_for_access_token(access_token(auth, request, body)?)
        .await
}

/// The access token of `request`, from where `TOKEN_LOCATIONS` allows.
fn access_token<'a>(
    auth: &Auth,
    request: &'a Request,
    body: Option<&'a JsonObject>,
) -> Result<&'a str, Error> {
    find_token(
        request,
        body,
        ACCESS_TOKEN_FIELD,
        auth.config().token_locations,
    )
}
