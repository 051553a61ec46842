//! Changing the password, with the current one and a fresh token.

use crate::accounts::{Password, check_new_password, check_password_length};
use crate::auth::{Auth, FreshUser};
use crate::error::Error;
use crate::use_cases::attempt::Loaded;

/// The current password and the new one.
#[derive(Debug)]
pub struct PasswordChange<'a> {
    /// The password the user has now.
    pub old_password: Password<'a>,
    /// The password they want; it must meet the rules for new passwords.
    pub new_password: Password<'a>,
}

impl Auth {
    /// Sets a new password, if `change.old_password` is the current one,
    /// and retires every token the user holds, like a logout everywhere.
    /// `current` must be loaded with its password hash
    /// ([`crate::http::current_user_with_password`]).
    /// Each check of the current password counts into the login lockout, so
    /// a stolen token buys no more guesses than a login does.
    pub async fn change_password(
        &self,
        current: &FreshUser,
        change: PasswordChange<'_>,
    ) -> Result<(), Error> {
        let PasswordChange {
            old_password: Password(old_password),
            new_password: Password(new_password),
        } = change;
        check_password_length(old_password)?;
        check_new_password(new_password)?;
        let password_hash = current.password_hash()?.map(str::to_owned);

        let user = current.user();
        let loaded = Loaded {
            user: Some(user),
            throttle: None,
        };
        // Held by the email's lock: the device token is the login's, and a
        // stolen access token buys no more guesses than a login does.
        self.reserve_attempt(&user.email, loaded, None).await?;
        let policy = self.config().accounts.password_policy;
        let check = policy.check(old_password.to_owned(), password_hash).await?;
        if !check.matches {
            return Err(Error::WrongPassword);
        }
        // Said only to whoever knows the password: before the check, a
        // wrong old password repeated as the new one would answer 400 to a
        // request that a schema cannot tell from a valid one.
        if old_password == new_password {
            // The password matched: the attempt reserved for it is taken
            // back, as the change's own write would have cleared it.
            self.users().uncount_attempt(&user.email).await?;
            return Err(Error::bad_request(
                "`new_password` must differ from `old_password`",
            ));
        }
        let new_hash = policy.hash(new_password.to_owned()).await?;
        if !self.users().change_password(user, &new_hash).await? {
            return Err(Error::invalid_token(
                "the password changed during this request",
            ));
        }
        tracing::info!(email = %user.email, "password changed; every token retired");
        Ok(())
    }
}
