//! Issuing the opaque kinds ([`OpaqueToken`]): a refresh token for a
//! family, a device token for a login. No signature, so no key and no
//! call: a new secret, and an expiry the user's item records beside its
//! hash.

use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{OpaqueKind, OpaqueToken, Tokens};

/// A refresh token just made (or, within the reuse interval, made again
/// for the token it replaced), with what the user's item records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedRefreshToken {
    /// The token; its id is its family's.
    pub token: OpaqueToken,
    /// When it was issued (Unix seconds).
    pub issued_at: u64,
    /// When it expires (Unix seconds).
    pub expires_at: u64,
}

impl IssuedRefreshToken {
    /// The family the token belongs to.
    pub fn family(&self) -> &str {
        self.token.id()
    }
}

/// A device token just made, with what the user's item records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedDeviceToken {
    /// The token; its id names the device.
    pub token: OpaqueToken,
    /// When it stops counting (Unix seconds).
    pub expires_at: u64,
}

impl Tokens {
    /// A refresh token for `email`: the next of `family`, or the first of a
    /// new family when `family` is `None` (a sign-in). It expires after
    /// `REFRESH_TOKEN_TTL`, or at `not_after` (the family's maximum age)
    /// if sooner.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the system's RNG or clock fails.
    pub fn issue_refresh(
        &self,
        email: &str,
        family: Option<&str>,
        not_after: u64,
    ) -> Result<IssuedRefreshToken, Error> {
        let token = match family {
            Some(family) => OpaqueToken::mint(OpaqueKind::Refresh, email, family)?,
            None => OpaqueToken::mint_entry(OpaqueKind::Refresh, email)?,
        };
        let issued_at = unix_now()?;
        let lifetime = self.settings().refresh_token_ttl.as_secs();
        Ok(IssuedRefreshToken {
            token,
            issued_at,
            expires_at: issued_at.saturating_add(lifetime).min(not_after),
        })
    }

    /// A device token for `email`, for a new device: it keeps the device
    /// out of the email's lockout for `DEVICE_TOKEN_TTL`.
    ///
    /// # Errors
    ///
    /// As [`Tokens::issue_refresh`].
    pub fn issue_device(&self, email: &str) -> Result<IssuedDeviceToken, Error> {
        let lifetime = self.settings().device_token_ttl.as_secs();
        Ok(IssuedDeviceToken {
            token: OpaqueToken::mint_entry(OpaqueKind::Device, email)?,
            expires_at: unix_now()?.saturating_add(lifetime),
        })
    }
}
