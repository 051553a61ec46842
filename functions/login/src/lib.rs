//! `POST /login`: checks an email and password and returns a fresh access
//! token, and with `"remember": true` a refresh token too. Repeated failures
//! lock the email for a while (see `lambda_auth::lockout`).

use lambda_auth::grant::grant_response;
use lambda_auth::lockout::lock_secs;
use lambda_auth::password::check_password_length;
use lambda_auth::request::{json_body, require_method};
use lambda_auth::token::unix_now;
use lambda_auth::users::{LoginThrottle, RefreshFamily, User, normalize_email};
use lambda_auth::{Auth, Error};
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

const ALLOWED_METHODS: &[Method] = &[Method::POST];

pub async fn handle(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
    require_method(&request, ALLOWED_METHODS)?;
    let body = json_body(&request)?.ok_or_else(|| {
        Error::bad_request("Request body must be a JSON object with `email` and `password`")
    })?;
    let email = normalize_email(body.required_str("email")?)?;
    let password = body.required_str("password")?;
    let remember = body.optional_bool("remember")?.unwrap_or(false);
    check_password_length(password)?;

    let (user, throttle) = auth.users.find_for_login(&email).await?;
    let now = unix_now()?;
    // Locked emails are refused before any hashing, the right password
    // included; placeholders lock unknown emails the same way.
    if let Some(until) = throttle.locked_until.filter(|until| *until > now) {
        return Err(Error::TooManyAttempts {
            retry_after: until - now,
        });
    }
    // The password is checked even for an unknown or inactive user, so the
    // three refusals take the same time and give the same answer.
    let policy = auth.config.password_policy;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let check = policy.check(password.to_owned(), stored_hash).await?;
    let user = match user {
        Some(user) if check.matches && user.active => user,
        other => return Err(count_failure(auth, &email, other.is_some(), now).await),
    };
    if throttle != LoginThrottle::default() {
        auth.users.clear_failed_logins(&user.email).await?;
    }
    if check.outdated {
        upgrade_hash(auth, &user, password).await;
    }

    let version = user.token_version();
    let access = auth.tokens.issue_access(&user.email, version, true)?;
    let refresh = if remember {
        let refresh = auth.tokens.issue_refresh(&user.email, version, None)?;
        let family = RefreshFamily {
            jti: refresh.jti.clone(),
            exp: refresh.exp,
        };
        auth.users
            .add_refresh_family(&user, &refresh.fam, &family, now)
            .await?;
        Some(refresh)
    } else {
        None
    };
    tracing::info!(email = %user.email, remember, "logged in");
    Ok(grant_response(
        "Logged in successfully!",
        &access,
        refresh.as_ref(),
    ))
}

/// Records a failed login, locks the email once failures pile up, and
/// returns the refusal to send: the same for every email.
async fn count_failure(auth: &Auth, email: &str, has_account: bool, now: u64) -> Error {
    let failures = match auth
        .users
        .record_failed_login(email, has_account, now)
        .await
    {
        Ok(failures) => failures,
        Err(error) => return error,
    };
    if let Some(secs) = lock_secs(failures, auth.config.login_lock_after)
        && let Err(error) = auth.users.lock_login(email, now + secs).await
    {
        return error;
    }
    Error::BadCredentials
}

/// Re-hashes a password whose stored hash is below the configured policy,
/// while the password is at hand. A failure costs nothing but a retry at
/// the next login, so it is logged, not returned.
async fn upgrade_hash(auth: &Auth, user: &User, password: &str) {
    let upgraded = match auth.config.password_policy.hash(password.to_owned()).await {
        Ok(new_hash) => {
            auth.users
                .upgrade_password_hash(&user.email, &user.password_hash, &new_hash)
                .await
        }
        Err(error) => Err(error),
    };
    match upgraded {
        Ok(true) => tracing::info!(email = %user.email, "re-hashed password to the current policy"),
        Ok(false) => tracing::info!(email = %user.email, "password changed meanwhile; no re-hash"),
        Err(error) => tracing::warn!(email = %user.email, %error, "re-hashing the password failed"),
    }
}
