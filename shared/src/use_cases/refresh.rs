//! Trading a refresh token for new tokens, with rotation and replay
//! detection.
//!
//! Rotation needs no session table: the user's item records each family's
//! current token id, the token it replaced, and when. A refresh token of the
//! family that is neither the current one nor, within
//! `REFRESH_REUSE_INTERVAL`, its parent was already rotated: presenting it
//! is a replay, and the family is revoked, with every access token issued
//! from it. The parent within the interval is two tabs that refreshed at
//! once: it gets the same successor again, so neither is logged out. Of
//! concurrent refreshes with one token, the conditional update lets one
//! rotate; the others get its successor too within the interval, and are
//! refused without it. A family lives `REFRESH_FAMILY_MAX_AGE` from its
//! login, however often it rotates.

use crate::accounts::{RefreshFamily, Rotation, User};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{Grant, TokenClaims, TokenKind};

impl Auth {
    /// Verifies `token` as a refresh token, loads its user, and rotates its
    /// family: a new access token (not fresh) and the family's next refresh
    /// token. A replayed token revokes its family.
    pub async fn refresh(&self, token: &str) -> Result<Grant, Error> {
        let claims = self.tokens().verify(TokenKind::Refresh, token)?;
        let user = self.live_user(&claims).await?;
        let now = unix_now()?;

        let Some(family) = user.refresh_family(claims.family()) else {
            return Err(Error::invalid_token("refresh family revoked or expired"));
        };
        if family.jti != claims.id {
            if family.is_recent_parent(&claims.id, now, self.config().refresh_reuse_interval) {
                return self.regrant(&user, claims.family(), family).await;
            }
            return Err(self.revoke(&user, &claims, "replayed refresh token").await);
        }
        let started_at = family.started_at.unwrap_or(now);
        let ends_at = started_at.saturating_add(self.config().refresh_family_max_age.as_secs());
        if now >= ends_at {
            return Err(self
                .revoke(&user, &claims, "refresh family past REFRESH_FAMILY_MAX_AGE")
                .await);
        }

        let fam = Some(claims.family().to_owned());
        // Side by side: with a KMS key each is a round trip of its own. The
        // access token is handed out only if the rotation below succeeds.
        let (next, access) = tokio::try_join!(
            self.tokens().issue_refresh(user.subject(), fam, ends_at),
            self.tokens()
                .issue_access(user.subject(), false, &[], Some(claims.family())),
        )?;
        match self
            .users()
            .rotate_refresh_family(&user.email, family, &next)
            .await?
        {
            Rotation::Rotated => {}
            // Another refresh with this token won the race; within the reuse
            // interval its successor is this one's too.
            Rotation::Lost(Some(current))
                if current.is_recent_parent(
                    &claims.id,
                    now,
                    self.config().refresh_reuse_interval,
                ) =>
            {
                return self.regrant(&user, claims.family(), &current).await;
            }
            Rotation::Lost(_) => {
                return Err(Error::invalid_token("refresh token rotated concurrently"));
            }
        }
        Ok(Grant {
            access,
            refresh: Some(next),
            device: None,
        })
    }

    /// The family's current refresh token again, and a new access token:
    /// for the parent token presented within the reuse interval.
    async fn regrant(
        &self,
        user: &User,
        fam: &str,
        family: &RefreshFamily,
    ) -> Result<Grant, Error> {
        let issued_at = family
            .replaced
            .as_ref()
            .map(|replaced| replaced.at)
            .ok_or_else(|| Error::invalid_token("the family's token was never rotated"))?;
        let (refresh, access) = tokio::try_join!(
            self.tokens()
                .reissue_refresh(user.subject(), fam, &family.jti, issued_at, family.exp),
            self.tokens()
                .issue_access(user.subject(), false, &[], Some(fam)),
        )?;
        Ok(Grant {
            access,
            refresh: Some(refresh),
            device: None,
        })
    }

    /// Ends the presented token's family, and the refusal to send.
    async fn revoke(&self, user: &User, claims: &TokenClaims, reason: &'static str) -> Error {
        if let Err(error) = self
            .users()
            .revoke_refresh_family(&user.email, claims.family())
            .await
        {
            return error;
        }
        tracing::warn!(email = %user.email, fam = claims.family(), reason, "refresh family revoked");
        Error::invalid_token(reason)
    }
}
