//! Self-service signup, with or without email verification.

use crate::accounts::{User, normalize_email};
use crate::clock::unix_now;
use crate::error::Error;
use crate::mail::{MailKind, MailRequest};
use crate::registrar::Registrar;
use crate::use_cases::{NewAccount, Registration};

/// What a signup did, as far as its caller may know.
#[derive(Debug)]
pub enum SignupOutcome {
    /// Without email verification: the account, created.
    Created(Box<User>),
    /// With email verification: a mail was queued. Whether it is a
    /// verification link (a new account) or a notice to the owner (the
    /// email had an account already) is deliberately not said.
    MailQueued,
}

impl Registrar {
    /// Self-service signup on this deployment's table and password policy.
    ///
    /// Without `REQUIRE_EMAIL_VERIFICATION`, creates the account, or fails
    /// with [`Error::UserExists`]. With it, a new email's account is
    /// created unverified and a verification link queued; an email with an
    /// account already gets a notice queued instead, and its account is
    /// never touched. Both do the same work (the password is hashed and
    /// the write tried either way) and answer [`SignupOutcome::MailQueued`],
    /// so a signup tells nobody whether an email has an account.
    ///
    /// The policy is the library's, not the caller's: every signup is
    /// active at once, and its address is unverified until the mailed link
    /// is followed. Under verification, an account whose address is not
    /// verified within `UNVERIFIED_ACCOUNT_TTL` expires, and a signup of
    /// its email then creates a new one.
    ///
    /// # Errors
    ///
    /// [`Error::SignupDisabled`] without `SIGNUP_ENABLED`;
    /// [`Error::BadRequest`] for a malformed email, name or password;
    /// [`Error::UserExists`] without email verification; AWS failures.
    pub async fn sign_up(&self, registration: Registration<'_>) -> Result<SignupOutcome, Error> {
        self.require_signup_enabled()?;
        let policy = self.config().password_policy;
        let account = |registration| NewAccount {
            registration,
            active: true,
            email_verified: false,
        };
        let Some(queue) = self.mail() else {
            let user = account(registration).register(self.users(), policy).await?;
            tracing::info!(email = %user.email, "signed up");
            return Ok(SignupOutcome::Created(Box::new(user)));
        };
        let email = normalize_email(registration.email)?;
        let registration = Registration {
            email: &email,
            ..registration
        };
        // An address nobody verifies is free again after a while.
        let expires_at = unix_now()? + self.config().unverified_account_ttl.as_secs();
        let kind = match account(registration)
            .register_expiring(self.users(), policy, Some(expires_at))
            .await
        {
            Ok(_) => MailKind::Verification,
            Err(Error::UserExists) => MailKind::SignupNotice,
            Err(error) => return Err(error),
        };
        queue.send(&MailRequest { kind, email }).await?;
        tracing::info!(?kind, "signup answered; mail queued");
        Ok(SignupOutcome::MailQueued)
    }
}
