//! Setting a new password with a mailed reset link.

use crate::accounts::{Password, check_new_password};
use crate::auth::{Auth, IssuedAccount, ItemRead};
use crate::error::Error;
use crate::tokens::{TokenKind, password_fingerprint};

/// What `POST /password/reset` presents.
#[derive(Debug)]
pub struct PasswordReset<'a> {
    /// The token from the link's fragment.
    pub token: &'a str,
    /// The password wanted; it must meet the rules for new passwords.
    pub new_password: Password<'a>,
}

impl Auth {
    /// Sets a new password with a reset token, which this spends: the
    /// token is bound to the password hash it was issued against, and the
    /// new hash no longer matches. Retires every token of the account, as
    /// a logout everywhere does, clears the lockouts, and marks the address
    /// verified (the link came by mail). A used, expired, foreign or
    /// mangled token is [`Error::InvalidLink`].
    pub async fn reset_password(&self, reset: PasswordReset<'_>) -> Result<(), Error> {
        let Password(new_password) = reset.new_password;
        let claims = self
            .tokens()
            .verify(TokenKind::Reset, reset.token)
            .map_err(link_error)?;
        check_new_password(new_password)?;
        let user = match self.issued_account(&claims, ItemRead::Whole).await? {
            IssuedAccount::Live(user) => *user,
            IssuedAccount::Refused(reason) => return Err(Error::invalid_link(reason)),
        };
        let fingerprint = password_fingerprint(user.password_hash.as_deref());
        if claims.password_fingerprint.as_deref() != Some(fingerprint.as_str()) {
            return Err(Error::invalid_link(
                "the password changed since the link was sent (or the link was used)",
            ));
        }
        let new_hash = self
            .config()
            .accounts
            .password_policy
            .hash(new_password.to_owned())
            .await?;
        if !self.users().reset_password(&user, &new_hash).await? {
            return Err(Error::invalid_link(
                "the password changed during this request",
            ));
        }
        tracing::info!(email = %user.email, "password reset by link; every token retired");
        Ok(())
    }
}

/// A link's token that does not verify is an invalid link, whatever the
/// reason, which goes to the logs.
pub(crate) fn link_error(error: Error) -> Error {
    match error {
        Error::InvalidToken(reason) => Error::InvalidLink(reason),
        other => other,
    }
}
