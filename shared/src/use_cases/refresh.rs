//! Trading a refresh token for new tokens, with rotation and replay
//! detection.
//!
//! Rotation needs no session table: the user's item records each family's
//! current token id. A refresh token of the family that is not the current
//! one was already rotated, so presenting it is a replay, and the family is
//! revoked. Of two concurrent refreshes with one token, the conditional
//! update lets at most one win.

use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::Grant;

impl Auth {
    /// Verifies `token` as a refresh token, loads its user, and rotates its
    /// family: a new access token (not fresh) and the family's next refresh
    /// token. A replayed token revokes its family.
    pub async fn refresh(&self, token: &str) -> Result<Grant, Error> {
        let claims = self.tokens.verify_refresh(token)?;
        let user = self
            .live_user(&claims.sub, claims.aid.as_deref(), claims.ver)
            .await?;

        let Some(current) = user.refresh_family(&claims.fam) else {
            return Err(Error::invalid_token("refresh family revoked or expired"));
        };
        if current.jti != claims.jti {
            self.users
                .revoke_refresh_family(&user.email, &claims.fam)
                .await?;
            tracing::warn!(email = %user.email, fam = %claims.fam, "replayed refresh token; family revoked");
            return Err(Error::invalid_token("replayed refresh token"));
        }

        let next = self
            .tokens
            .issue_refresh(user.subject(), Some(claims.fam.clone()))?;
        let rotated = self
            .users
            .rotate_refresh_family(&user.email, &claims.jti, &next)
            .await?;
        if !rotated {
            // Another refresh with this token won the race. The family stays:
            // the winner holds its next token.
            return Err(Error::invalid_token("refresh token rotated concurrently"));
        }
        let access = self.tokens.issue_access(user.subject(), false)?;
        Ok(Grant {
            access,
            refresh: Some(next),
        })
    }
}
