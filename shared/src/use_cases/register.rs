//! Creating an account: self-service signup, and the admin tool, through
//! one path.

use crate::accounts::{
    Password, PasswordPolicy, User, UserStore, check_new_password, normalize_email, normalize_name,
};
use crate::error::Error;

/// What a person signing up sends: all that is theirs to choose. Whether
/// the account may log in at once, and whether its address counts as
/// verified, is the deployment's policy ([`crate::Registrar::sign_up`]) or
/// an operator's word ([`NewAccount`]).
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    /// The email as typed; it is normalised here.
    pub email: &'a str,
    /// The chosen password; it must meet the rules for new passwords.
    pub password: Password<'a>,
    /// The display name as typed; it is trimmed here.
    pub name: &'a str,
}

/// An account an operator adds: what signup asks, and what the operator
/// vouches for.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    /// The email, password and name.
    pub registration: Registration<'a>,
    /// Whether the account may log in at once.
    pub active: bool,
    /// Whether the address counts as verified from the start.
    pub email_verified: bool,
}

impl NewAccount<'_> {
    /// The one path that creates a user, for signup and for operators:
    /// normalises the email and name, checks the password, hashes it at
    /// `policy`, and writes the item. Of any number of concurrent
    /// registrations of one email, exactly one creates the user.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] for a malformed email, name or password;
    /// [`Error::UserExists`] for the losers of a race and for a taken email.
    pub async fn register(self, users: &UserStore, policy: PasswordPolicy) -> Result<User, Error> {
        self.register_expiring(users, policy, None).await
    }

    /// [`NewAccount::register`], for an account that DynamoDB's TTL deletes
    /// at `expires_at` (Unix seconds) unless its address is verified first:
    /// a self-service signup under email verification.
    pub(crate) async fn register_expiring(
        self,
        users: &UserStore,
        policy: PasswordPolicy,
        expires_at: Option<u64>,
    ) -> Result<User, Error> {
        let Registration {
            email,
            password: Password(password),
            name,
        } = self.registration;
        let email = normalize_email(email)?;
        let name = normalize_name(name)?;
        check_new_password(password)?;
        let hash = policy.hash(password.to_owned()).await?;
        let mut user = User::new(email, name, hash)?;
        user.active = self.active;
        user.email_verified = self.email_verified;
        user.expires_at = expires_at;
        users.create(&user).await?;
        Ok(user)
    }
}
