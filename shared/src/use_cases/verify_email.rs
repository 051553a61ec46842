//! Verifying an email address with a mailed link.

use crate::auth::Auth;
use crate::error::Error;
use crate::use_cases::reset_password::link_error;

impl Auth {
    /// Marks the address of a verification token's account verified. The
    /// token works once: a second use, like a used, expired, foreign or
    /// mangled token, is [`Error::InvalidLink`].
    pub async fn verify_email(&self, token: &str) -> Result<(), Error> {
        let claims = self.tokens.verify_verification(token).map_err(link_error)?;
        let user = self.link_user(&claims).await?;
        if user.email_verified {
            return Err(Error::invalid_link("the address is already verified"));
        }
        if !self.users.mark_email_verified(&user).await? {
            return Err(Error::invalid_link(
                "the address was verified during this request",
            ));
        }
        tracing::info!(email = %user.email, "email verified");
        Ok(())
    }
}
