//! Trading a refresh token for new tokens, with rotation and replay
//! detection.
//!
//! A refresh token is opaque ([`crate::tokens::OpaqueToken`]): it names its
//! account and family, and the user's item keeps the hash of each family's
//! current token, the hash of the token it replaced, and when. Rotation
//! needs no session table. A token of the family that is neither the
//! current one nor, within `REFRESH_REUSE_INTERVAL`, its parent was
//! already rotated: presenting it is a replay, and the family is revoked,
//! with every access token issued from it. The parent within the interval
//! is two tabs that refreshed at once: it gets the same successor again
//! (the item keeps it sealed for the parent's holder alone), so neither is
//! logged out. Of concurrent refreshes with one token, the conditional
//! update lets one rotate; the others get its successor too within the
//! interval, and are refused without it. A family lives
//! `REFRESH_FAMILY_MAX_AGE` from its login, however often it rotates.

use crate::accounts::{ACCOUNT_GONE, ACCOUNT_INACTIVE, Rotation, User};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{AuthMethod, Grant, IssuedRefreshToken, OpaqueKind, OpaqueToken};

impl Auth {
    /// Checks `token` as a refresh token against its user's item, and
    /// rotates its family: a new access token (not fresh) and the family's
    /// next refresh token. A replayed token revokes its family.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] for anything but a live refresh token of an
    /// active account (a replay, an expired token, a revoked family, a
    /// refresh token from before they were opaque); DynamoDB or KMS
    /// failures.
    pub async fn refresh(&self, token: &str) -> Result<Grant, Error> {
        let presented = OpaqueToken::parse(OpaqueKind::Refresh, token)?;
        let user = self.refreshing_user(&presented).await?;
        let now = unix_now()?;
        let interval = self.config().refresh_reuse_interval;

        let Some(family) = user.refresh_family(presented.id()) else {
            return Err(Error::invalid_token("refresh family revoked or expired"));
        };
        if !family.is_current(&presented) {
            if let Some(successor) = family.successor_for(&presented, now, interval) {
                return self.regrant(&user, successor, &family.methods()).await;
            }
            return Err(self
                .revoke(&user, &presented, "replayed refresh token")
                .await);
        }
        if family.exp <= now {
            return Err(Error::invalid_token("refresh token expired"));
        }
        let started_at = family.started_at.unwrap_or(now);
        let ends_at = started_at.saturating_add(self.config().refresh_family_max_age.as_secs());
        if now >= ends_at {
            return Err(self
                .revoke(
                    &user,
                    &presented,
                    "refresh family past REFRESH_FAMILY_MAX_AGE",
                )
                .await);
        }

        let next = self
            .tokens()
            .issue_refresh(&user.email, Some(presented.id()), ends_at)?;
        let rotated = family.rotated_to(&presented, &next);
        let methods = family.methods();
        // Side by side: the signature may be a KMS round trip. The access
        // token is handed out only if the rotation succeeds.
        let (access, rotation) = tokio::try_join!(
            self.tokens()
                .issue_access(user.subject(), false, &methods, Some(presented.id())),
            self.users()
                .rotate_refresh_family(&user.email, presented.id(), family, &rotated),
        )?;
        match rotation {
            Rotation::Rotated => Ok(Grant {
                access,
                refresh: Some(next),
                device: None,
            }),
            // Another refresh with this token won the race; within the reuse
            // interval its successor is this one's too.
            Rotation::Lost(Some(current)) => match current.successor_for(&presented, now, interval)
            {
                Some(successor) => Ok(Grant {
                    access,
                    refresh: Some(successor),
                    device: None,
                }),
                None => Err(Error::invalid_token("refresh token rotated concurrently")),
            },
            Rotation::Lost(None) => {
                Err(Error::invalid_token("refresh family revoked concurrently"))
            }
        }
    }

    /// The account a refresh token names, if it is there and active. The
    /// family it names is on that very item, so a token of an account
    /// deleted and signed up again finds no family.
    async fn refreshing_user(&self, token: &OpaqueToken) -> Result<User, Error> {
        match self.users().find_by_email(token.email()).await? {
            Some(user) if user.active => Ok(user),
            Some(_) => Err(Error::invalid_token(ACCOUNT_INACTIVE)),
            None => Err(Error::invalid_token(ACCOUNT_GONE)),
        }
    }

    /// The family's current refresh token again, and a new access token
    /// naming the family's `methods`: for the parent token presented within
    /// the reuse interval.
    async fn regrant(
        &self,
        user: &User,
        successor: IssuedRefreshToken,
        methods: &[AuthMethod],
    ) -> Result<Grant, Error> {
        let access = self
            .tokens()
            .issue_access(user.subject(), false, methods, Some(successor.family()))
            .await?;
        Ok(Grant {
            access,
            refresh: Some(successor),
            device: None,
        })
    }

    /// Ends the presented token's family, and the refusal to send.
    async fn revoke(&self, user: &User, token: &OpaqueToken, reason: &'static str) -> Error {
        if let Err(error) = self
            .users()
            .revoke_refresh_family(&user.email, token.id())
            .await
        {
            return error;
        }
        tracing::warn!(email = %user.email, fam = token.id(), reason, "refresh family revoked");
        Error::invalid_token(reason)
    }
}
