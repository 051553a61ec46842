//! `POST /signup`: creates an account and returns its public profile.

use lambda_auth::password::check_new_password;
use lambda_auth::request::{json_body, require_method};
use lambda_auth::response::json_response;
use lambda_auth::users::{User, normalize_email, normalize_name};
use lambda_auth::{Auth, Error};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    if !auth.config.signup_enabled {
        return Err(Error::SignupDisabled);
    }
    let body = json_body(&request)?.ok_or_else(|| {
        Error::bad_request("Request body must be a JSON object with `email`, `password` and `name`")
    })?;
    let email = normalize_email(body.required_str("email")?)?;
    let password = body.required_str("password")?;
    let name = normalize_name(body.required_str("name")?)?;
    check_new_password(password)?;

    let hash = auth
        .config
        .password_policy
        .hash(password.to_owned())
        .await?;
    let user = User::new(email, name, hash)?;
    // A conditional put: of any number of concurrent signups for one email,
    // exactly one creates the user; the rest get 409.
    auth.users.create(&user).await?;
    tracing::info!(email = %user.email, "signed up");
    Ok(json_response(StatusCode::CREATED, &user.public_profile()))
}
