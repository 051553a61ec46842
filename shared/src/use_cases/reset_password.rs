//! Setting a new password with a mailed reset link.

use crate::accounts::{Password, check_new_password};
use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::OpaqueKind;
use crate::use_cases::mailed_link::parse_link;

/// What `POST /password/reset` presents.
#[derive(Debug)]
pub struct PasswordReset<'a> {
    /// The token from the link's fragment.
    pub token: &'a str,
    /// The password wanted; it must meet the rules for new passwords.
    pub new_password: Password<'a>,
}

impl Auth {
    /// Sets a new password with a reset link's token, which this spends:
    /// the write that sets the password removes the link, on the condition
    /// that the item still records it and still holds the password hash it
    /// was loaded with. Retires every token of the account, as a logout
    /// everywhere does, clears the lockouts, and marks the address verified
    /// (the link came by mail).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLink`] for a used, replaced, expired, foreign or
    /// mangled token, or one whose account is gone or deactivated;
    /// [`Error::BadRequest`] for a new password that breaks the rules;
    /// DynamoDB failures.
    pub async fn reset_password(&self, reset: PasswordReset<'_>) -> Result<(), Error> {
        let Password(new_password) = reset.new_password;
        let link = parse_link(OpaqueKind::ResetLink, reset.token)?;
        check_new_password(new_password)?;
        let user = self.mailed_link_account(&link).await?;
        let new_hash = self
            .config()
            .accounts
            .password_policy
            .hash(new_password.to_owned())
            .await?;
        if !self.users().reset_password(&user, &link, &new_hash).await? {
            return Err(Error::invalid_link(
                "the password or the link changed during this request",
            ));
        }
        tracing::info!(email = %user.email, "password reset by link; every token retired");
        Ok(())
    }
}
