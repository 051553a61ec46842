//! The lockout's place in every credential check: an attempt is reserved
//! before its credential is checked, whatever the credential (a password,
//! and the second factors that build on this), and a success clears it.
//!
//! An attempt is held by the email's lock, or, when it presents a live
//! device token of the same account, by that device's own lock
//! ([`crate::accounts::reserve_device_attempt`]), so whoever locks the
//! email does not lock out its owner's devices. The sign-in's one write
//! clears the lock that held it ([`crate::accounts::SignInRecord`]).

use crate::accounts::{
    DeviceLockouts, DeviceReservation, HeldLock, LoginThrottle, User, reserve_attempt,
    reserve_device_attempt,
};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{OpaqueKind, OpaqueToken};

/// What the caller read of the account before the attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loaded<'a> {
    /// The account, if the email has one.
    pub(crate) user: Option<&'a User>,
    /// The email's throttle as read with it, if it was read: a lock it
    /// shows refuses the attempt before any write.
    pub(crate) throttle: Option<&'a LoginThrottle>,
}

/// A counted attempt, whose success the sign-in's write clears
/// ([`Attempt::lock`]); a failure needs nothing more.
#[derive(Debug)]
pub(crate) struct Attempt {
    /// A live device token of this account that the attempt presented:
    /// its device id, and the token, which a success hands back.
    trusted: Option<(String, String)>,
    /// Whether that device's own lock holds the attempt; otherwise the
    /// email's does.
    held_by_device: bool,
}

impl Attempt {
    /// The lock that holds the attempt.
    pub(crate) fn lock(&self) -> HeldLock<'_> {
        match &self.trusted {
            Some((id, _)) if self.held_by_device => HeldLock::Device(id),
            _ => HeldLock::Email,
        }
    }

    /// The device the attempt presented a live device token of this
    /// account for: its id and the token. A success keeps the token
    /// rather than minting another.
    pub(crate) fn trusted_device(&self) -> Option<(&str, &str)> {
        self.trusted
            .as_ref()
            .map(|(id, token)| (id.as_str(), token.as_str()))
    }
}

impl Auth {
    /// Reserves one attempt at a credential of `email` before it is
    /// checked: counted on the device's lock for a valid device token of
    /// this account (unless the account has no room for another device's
    /// entry, or its devices reached their ceiling of failures), or else on
    /// the email's.
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
        let trusted = device_token.zip(loaded.user).and_then(|(token, user)| {
            trusted_device(token, user, now).map(|id| (id, token.to_owned()))
        });
        if let (Some((device, _)), Some(user)) = (&trusted, loaded.user) {
            let lockouts = DeviceLockouts::of(user);
            let reserved =
                reserve_device_attempt(self.users(), email, device, lockouts, now, lockout).await?;
            if reserved == DeviceReservation::Counted {
                return Ok(Attempt {
                    trusted,
                    held_by_device: true,
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
            trusted,
            held_by_device: false,
        })
    }
}

/// The device id of `token`, when it is a live device token of `user`:
/// its email, and the hash and expiry `user`'s item keeps for it.
/// Anything else is an untrusted client, held by the email's lock like one
/// that sent no token: a bad device token costs its client nothing but
/// that.
fn trusted_device(token: &str, user: &User, now: u64) -> Option<String> {
    let token = match OpaqueToken::parse(OpaqueKind::Device, token) {
        Ok(token) => token,
        Err(error) => {
            tracing::info!(%error, "device token ignored");
            return None;
        }
    };
    let trusted = token.email() == user.email
        && user
            .device(token.id())
            .is_some_and(|device| device.holds(&token, now));
    if !trusted {
        tracing::info!(email = %user.email, "device token not live for this account; ignored");
        return None;
    }
    Some(token.id().to_owned())
}
