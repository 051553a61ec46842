//! Verifying an email address with a mailed link.

use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::Subject;
use crate::use_cases::reset_password::link_error;

impl Auth {
    /// Marks the address of a verification token's account verified, with
    /// one conditional write and no read. The token works once: a second
    /// use, like a used, expired, foreign or mangled token, or one whose
    /// account was deactivated or replaced since, is [`Error::InvalidLink`].
    pub async fn verify_email(&self, token: &str) -> Result<(), Error> {
        let claims = self.tokens.verify_verification(token).map_err(link_error)?;
        let subject = Subject {
            email: &claims.sub,
            account_id: claims.aid.as_deref(),
            version: claims.ver,
            email_verified: false,
        };
        self.users
            .mark_email_verified(subject)
            .await?
            .map_err(Error::invalid_link)?;
        tracing::info!(email = %claims.sub, "email verified");
        Ok(())
    }
}
