//! Verifying an email address with a mailed link and the password the
//! address was signed up with.

use crate::accounts::{EmailVerification, Password, check_password_length};
use crate::auth::Auth;
use crate::error::Error;
use crate::tokens::OpaqueKind;
use crate::use_cases::mailed_link::parse_link;

/// What `POST /verify` presents.
#[derive(Debug)]
pub struct Verification<'a> {
    /// The token from the link's fragment.
    pub token: &'a str,
    /// The password the account was signed up with.
    pub password: Password<'a>,
}

impl Auth {
    /// Marks the address of a verification token's account verified, when
    /// `password` is the account's: the link proves the mailbox, the
    /// password proves who chose it. Without the second, whoever signed up
    /// someone else's address with a password of their own would own a
    /// verified account the moment its owner clicked the genuine link
    /// (review 2, M2). One GetItem and one conditional write, bound to the
    /// hash that was checked, which spends the link; the write also clears
    /// the email's lock, as a sign-in would. The token works once.
    ///
    /// No lockout counts here: only the mailbox's reader holds the token,
    /// and the address is theirs whatever the password.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLink`] for a second use, and for a used, replaced,
    /// expired, foreign or mangled token, or one whose account was
    /// deactivated or replaced since; [`Error::WrongPassword`] when the
    /// password is not the account's (the link stays unused);
    /// [`Error::BadRequest`] for an over-long password; DynamoDB failures.
    pub async fn verify_email(&self, verification: Verification<'_>) -> Result<(), Error> {
        let Password(password) = verification.password;
        let link = parse_link(OpaqueKind::VerifyLink, verification.token)?;
        check_password_length(password)?;
        let user = self.mailed_link_account(&link).await?;
        if user.email_verified {
            return Err(Error::invalid_link("the address is already verified"));
        }
        let check = self
            .config()
            .accounts
            .password_policy
            .check(password.to_owned(), user.password_hash.clone())
            .await?;
        if !check.matches {
            tracing::info!(email = %user.email, "verification refused: not the account's password");
            return Err(Error::WrongPassword);
        }
        match self.users().mark_email_verified(&user, &link).await? {
            EmailVerification::Verified => {}
            EmailVerification::Refused(reason) => return Err(Error::invalid_link(reason)),
        }
        tracing::info!(email = %user.email, "email verified");
        Ok(())
    }
}
