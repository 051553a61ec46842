//! Creating an account: self-service signup, and the admin tool.

use crate::accounts::{
    Password, PasswordPolicy, User, UserStore, check_new_password, normalize_email, normalize_name,
};
use crate::error::Error;

/// A new account as asked for.
#[derive(Debug)]
pub struct Registration<'a> {
    /// The email as typed; it is normalised here.
    pub email: &'a str,
    /// The chosen password; it must meet the rules for new passwords.
    pub password: Password<'a>,
    /// The display name as typed; it is trimmed here.
    pub name: &'a str,
    /// Whether the account may log in at once.
    pub active: bool,
    /// Whether the address counts as verified from the start: true when an
    /// operator vouches for it, false for self-service signup.
    pub email_verified: bool,
}

impl Registration<'_> {
    /// The one path that creates a user, for signup and for operators:
    /// normalises the email and name, checks the password, hashes it at
    /// `policy`, and writes the item. Of any number of concurrent
    /// registrations of one email, exactly one creates the user; the rest
    /// get [`Error::UserExists`].
    pub async fn register(self, users: &UserStore, policy: PasswordPolicy) -> Result<User, Error> {
        let email = normalize_email(self.email)?;
        let name = normalize_name(self.name)?;
        let Password(password) = self.password;
        check_new_password(password)?;
        let hash = policy.hash(password.to_owned()).await?;
        let mut user = User::new(email, name, hash)?;
        user.active = self.active;
        user.email_verified = self.email_verified;
        users.create(&user).await?;
        Ok(user)
    }
}
