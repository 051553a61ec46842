//! The lockout's place in every credential check: an attempt is reserved
//! before its credential is checked, whatever the credential (a password,
//! and the second factors that build on this), and a success clears it.
//!
//! An attempt is held by the email's lock, or, when it presents a device
//! token this deployment issued to the same account, by that device's own
//! lock ([`crate::accounts::reserve_device_attempt`]), so whoever locks the
//! email does not lock out its owner's devices.

use crate::accounts::{
    DeviceReservation, LoginThrottle, User, reserve_attempt, reserve_device_attempt,
};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::TokenKind;

/// What the caller read of the account before the attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loaded<'a> {
    /// The account, if the email has one.
    pub(crate) user: Option<&'a User>,
    /// The email's throttle as read with it, if it was read: a lock it
    /// shows refuses the attempt before any write.
    pub(crate) throttle: Option<&'a LoginThrottle>,
}

/// A counted attempt, whose success must be reported
/// ([`Auth::attempt_succeeded`]); a failure needs nothing more.
#[derive(Debug)]
pub(crate) struct Attempt {
    email: String,
    /// The trusted device whose lock holds the attempt, if any.
    device: Option<String>,
}

impl Attempt {
    /// True when a trusted device's lock holds the attempt.
    pub(crate) fn held_by_trusted_device(&self) -> bool {
        self.device.is_some()
    }
}

impl Auth {
    /// Reserves one attempt at a credential of `email` before it is
    /// checked: counted on the device's lock for a valid device token of
    /// this account (unless the account has no room for another device's
    /// entry), or else on the email's.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyAttempts`] while the lock that holds the attempt
    /// stands; a DynamoDB failure.
    pub(crate) async fn reserve_attempt(
        &self,
        email: &str,
        loaded: Loaded<'_>,
        device_token: Option<&str>,
    ) -> Result<Attempt, Error> {
        let now = unix_now()?;
        let lockout = self.config().lockout;
        let trusted = device_token.and_then(|token| self.trusted_device(token, email, loaded.user));
        if let (Some(device), Some(user)) = (trusted, loaded.user) {
            let lockouts = user.device_lockouts.as_ref();
            let reserved =
                reserve_device_attempt(self.users(), email, &device, lockouts, now, lockout)
                    .await?;
            if reserved == DeviceReservation::Counted {
                return Ok(Attempt {
                    email: email.to_owned(),
                    device: Some(device),
                });
            }
        }
        if let Some(throttle) = loaded.throttle {
            throttle.check(now)?;
        }
        let has_account = loaded.user.is_some();
        reserve_attempt(
            self.users(),
            email,
            has_account,
            loaded.throttle,
            now,
            lockout,
        )
        .await?;
        Ok(Attempt {
            email: email.to_owned(),
            device: None,
        })
    }

    /// Forgets the failures of the lock that held `attempt`, after its
    /// credential matched.
    pub(crate) async fn attempt_succeeded(&self, attempt: &Attempt) -> Result<(), Error> {
        match &attempt.device {
            Some(device) => {
                self.users()
                    .clear_device_lockout(&attempt.email, device)
                    .await
            }
            None => self.users().clear_failed_logins(&attempt.email).await,
        }
    }

    /// The device id of `token`, when it is a device token this deployment
    /// issued to this very account (same email, same account id). Anything
    /// else is an untrusted client, held by the email's lock like one that
    /// sent no token: a bad device token costs its client nothing but that.
    fn trusted_device(&self, token: &str, email: &str, user: Option<&User>) -> Option<String> {
        let claims = match self.tokens().verify(TokenKind::Device, token) {
            Ok(claims) => claims,
            Err(error) => {
                tracing::info!(%error, "device token ignored");
                return None;
            }
        };
        let user = user?;
        if claims.email != email || claims.account_id.as_deref() != user.account_id.as_deref() {
            tracing::info!(email, "device token of another account ignored");
            return None;
        }
        Some(claims.id)
    }
}
