//! Logging in with an email and a password.

use crate::accounts::{Password, User, check_password_length, normalize_email};
use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::AuthMethod;
use crate::use_cases::attempt::Loaded;
use crate::use_cases::sign_in::{LoginOutcome, SignIn};

/// What a login presents.
#[derive(Debug)]
pub struct Login<'a> {
    /// The email as typed; it is normalised here.
    pub email: &'a str,
    /// The password as typed.
    pub password: Password<'a>,
    /// Also hand out a refresh token, starting a new refresh family.
    pub remember: bool,
    /// The device token an earlier login on this device handed out, if
    /// any: with it, the login is held by the device's own lockout instead
    /// of the email's.
    pub device_token: Option<&'a str>,
}

impl Auth {
    /// Checks an email and password and, when they match, signs the user
    /// in ([`LoginOutcome`]).
    ///
    /// The attempt is reserved before the password is checked (a locked
    /// email or device is refused before any hashing, and every attempt
    /// counts); a match clears the lock's failures, and a stored hash below
    /// the policy is re-hashed. Unknown, inactive and wrong refusals are
    /// one answer, [`Error::BadCredentials`], in the same time.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] for a malformed email or an over-long
    /// password, [`Error::BadCredentials`], [`Error::TooManyAttempts`]
    /// while locked, and DynamoDB or KMS failures.
    pub async fn authenticate(&self, login: Login<'_>) -> Result<LoginOutcome, Error> {
        let email = normalize_email(login.email)?;
        let Password(password) = login.password;
        check_password_length(password)?;

        let (user, throttle) = self.users().find_for_login(&email).await?;
        let loaded = Loaded {
            user: user.as_ref(),
            throttle: Some(&throttle),
        };
        let attempt = self
            .reserve_attempt(&email, loaded, login.device_token)
            .await?;
        // The password is checked even for an unknown or inactive user, so the
        // three refusals take the same time and give the same answer.
        let policy = self.config().accounts.password_policy;
        let stored_hash = user.as_ref().and_then(|user| user.password_hash.clone());
        let check = policy.check(password.to_owned(), stored_hash).await?;
        // A failure was counted by the reservation; nothing more to write.
        let user = match user {
            Some(user) if check.matches && user.active => user,
            _ => return Err(Error::BadCredentials),
        };
        let trusted_device = attempt.trusted_device().is_some();
        let sign_in = SignIn {
            methods: vec![AuthMethod::Password],
            remember: login.remember,
            attempt: &attempt,
            user,
        };
        let outcome = self.grant(&sign_in).await?;
        let user = &sign_in.user;
        if let LoginOutcome::Granted(_) = outcome {
            if check.outdated {
                self.upgrade_hash(user, password).await;
            }
            tracing::info!(
                email = %user.email,
                remember = login.remember,
                trusted_device,
                "logged in"
            );
        }
        Ok(outcome)
    }

    /// Re-hashes a password whose stored hash is not at the configured policy,
    /// while the password is at hand. A failure costs nothing but a retry at
    /// the next login, so it is logged, not returned.
    async fn upgrade_hash(&self, user: &User, password: &str) {
        let upgraded = match self
            .config()
            .accounts
            .password_policy
            .hash(password.to_owned())
            .await
        {
            Ok(new_hash) => self.users().upgrade_password_hash(user, &new_hash).await,
            Err(error) => Err(error),
        };
        match upgraded {
            Ok(true) => {
                tracing::info!(email = %user.email, "re-hashed password to the current policy")
            }
            Ok(false) => {
                tracing::info!(email = %user.email, "password changed meanwhile; no re-hash")
            }
            Err(error) => {
                tracing::warn!(email = %user.email, %error, "re-hashing the password failed")
            }
        }
    }
}
