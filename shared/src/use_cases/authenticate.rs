//! Logging in with an email and a password.

use crate::accounts::{
    DeviceReservation, Password, User, check_password_length, normalize_email, reserve_attempt,
    reserve_device_attempt,
};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::Grant;

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
    /// Checks an email and password, and grants a fresh access token, a
    /// device token, and with `remember` a refresh token.
    ///
    /// Owns everything a login involves: the lockout (a locked email is
    /// refused before any hashing; every attempt is counted before its
    /// password is checked, and locks the email once they pile up), the
    /// password check, re-hashing a hash below the policy, and the new
    /// refresh family. A login with a valid device token of this account is
    /// held by that device's lockout instead of the email's, so whoever
    /// locks the email does not lock its owner out. Unknown, inactive and
    /// wrong refusals are one answer, [`Error::BadCredentials`], in the
    /// same time. With `REQUIRE_EMAIL_VERIFICATION`, the right password of
    /// an unverified address gets [`Error::EmailNotVerified`] and no token.
    pub async fn authenticate(&self, login: Login<'_>) -> Result<Grant, Error> {
        let email = normalize_email(login.email)?;
        let Password(password) = login.password;
        check_password_length(password)?;

        let (user, throttle) = self.users.find_for_login(&email).await?;
        let now = unix_now()?;
        let lockout = self.config.lockout;
        let trusted = login
            .device_token
            .and_then(|token| self.trusted_device(token, &email, user.as_ref()));
        let device = match (trusted, &user) {
            (Some(device), Some(user)) => {
                let lockouts = user.device_lockouts.as_ref();
                match reserve_device_attempt(&self.users, &email, &device, lockouts, now, lockout)
                    .await?
                {
                    DeviceReservation::Counted => Some(device),
                    DeviceReservation::NoRoom => None,
                }
            }
            _ => None,
        };
        if device.is_none() {
            throttle.check(now)?;
            let has_account = user.is_some();
            reserve_attempt(
                &self.users,
                &email,
                has_account,
                Some(&throttle),
                now,
                lockout,
            )
            .await?;
        }
        // The password is checked even for an unknown or inactive user, so the
        // three refusals take the same time and give the same answer.
        let policy = self.config.accounts.password_policy;
        let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
        let check = policy.check(password.to_owned(), stored_hash).await?;
        // A failure was counted by the reservation; nothing more to write.
        let user = match user {
            Some(user) if check.matches && user.active => user,
            _ => return Err(Error::BadCredentials),
        };
        match &device {
            Some(device) => self.users.clear_device_lockout(&email, device).await?,
            None => self.users.clear_failed_logins(&email).await?,
        }
        // Said only now that the password matched: it tells nobody without
        // the password anything.
        if self.config.accounts.require_email_verification && !user.email_verified {
            return Err(Error::EmailNotVerified);
        }
        if check.outdated {
            self.upgrade_hash(&user, password).await;
        }

        let refresh = if login.remember {
            let max_age = self.config.refresh_family_max_age.as_secs();
            let not_after = now.saturating_add(max_age);
            let refresh = self
                .tokens
                .issue_refresh(user.subject(), None, not_after)
                .await?;
            self.users.add_refresh_family(&user, &refresh, now).await?;
            Some(refresh)
        } else {
            None
        };
        let fam = refresh.as_ref().map(|refresh| refresh.fam.as_str());
        // Side by side: with a KMS key each is a round trip of its own.
        let (access, device_token) = tokio::try_join!(
            self.tokens.issue_access(user.subject(), true, fam),
            self.tokens.issue_device(user.subject()),
        )?;
        tracing::info!(
            email = %user.email,
            remember = login.remember,
            trusted_device = device.is_some(),
            "logged in"
        );
        Ok(Grant {
            access,
            refresh,
            device: Some(device_token),
        })
    }

    /// The device id of `token`, when it is a device token this deployment
    /// issued to this very account (same email, same account id). Anything
    /// else is an untrusted client, held by the email's lock like one that
    /// sent no token: a bad device token costs its client nothing but that.
    fn trusted_device(&self, token: &str, email: &str, user: Option<&User>) -> Option<String> {
        let claims = match self.tokens.verify_device(token) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::info!(%error, "device token ignored");
                return None;
            }
        };
        let user = user?;
        if claims.sub != email || claims.aid.as_deref() != user.account_id.as_deref() {
            tracing::info!(email, "device token of another account ignored");
            return None;
        }
        Some(claims.jti)
    }

    /// Re-hashes a password whose stored hash is below the configured policy,
    /// while the password is at hand. A failure costs nothing but a retry at
    /// the next login, so it is logged, not returned.
    async fn upgrade_hash(&self, user: &User, password: &str) {
        let upgraded = match self
            .config
            .accounts
            .password_policy
            .hash(password.to_owned())
            .await
        {
            Ok(new_hash) => self.users.upgrade_password_hash(user, &new_hash).await,
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
