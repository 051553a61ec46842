//! Verifying an email address with a mailed link.

use crate::accounts::EmailVerification;
use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::{Subject, TokenKind};
use crate::use_cases::reset_password::link_error;

impl Auth {
    /// Marks the address of a verification token's account verified, with
    /// one conditional write and no read. The token works once.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLink`] for a second use, and for a used, expired,
    /// foreign or mangled token, or one whose account was deactivated or
    /// replaced since; a DynamoDB failure.
    pub async fn verify_email(&self, token: &str) -> Result<(), Error> {
        let claims = self
            .tokens()
            .verify(TokenKind::Verify, token)
            .map_err(link_error)?;
        let subject = Subject {
            email: &claims.email,
            account_id: claims.account_id.as_deref(),
            version: claims.token_version,
            email_verified: false,
        };
        match self.users().mark_email_verified(subject).await? {
            EmailVerification::Verified => {}
            EmailVerification::Refused(reason) => return Err(Error::invalid_link(reason)),
        }
        tracing::info!(email = %claims.email, "email verified");
        Ok(())
    }
}
