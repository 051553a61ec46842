//! What an operator does to accounts (through `sessionless-admin`): with
//! the table and the password policy, and no token in sight.

use crate::accounts::{
    Password, PasswordPolicy, User, UserStore, check_new_password, normalize_email,
};
use crate::error::Error;
use crate::use_cases::NewAccount;

/// An operator's hold on the users table.
#[derive(Debug, Clone)]
pub struct Operator {
    users: UserStore,
    passwords: PasswordPolicy,
}

impl Operator {
    /// Works on `users`, hashing new passwords at `passwords`.
    pub fn new(users: UserStore, passwords: PasswordPolicy) -> Self {
        Self { users, passwords }
    }

    /// Adds a user, through the path signup takes.
    pub async fn add_user(&self, account: NewAccount<'_>) -> Result<User, Error> {
        account.register(&self.users, self.passwords).await
    }

    /// Deactivates an account: no login, refresh or protected request, and
    /// every token it holds is retired, so re-activating revives none.
    pub async fn deactivate(&self, email: &str) -> Result<(), Error> {
        found(
            self.users
                .set_active(&normalize_email(email)?, false)
                .await?,
        )
    }

    /// Lets a deactivated account log in again.
    pub async fn activate(&self, email: &str) -> Result<(), Error> {
        found(
            self.users
                .set_active(&normalize_email(email)?, true)
                .await?,
        )
    }

    /// Deletes an account's item. Its tokens die with it, and stay dead if
    /// the email signs up again: that is a new account.
    pub async fn delete_user(&self, email: &str) -> Result<(), Error> {
        found(self.users.delete(&normalize_email(email)?).await?)
    }

    /// Retires every token the account holds, as its own logout would.
    pub async fn logout_everywhere(&self, email: &str) -> Result<(), Error> {
        found(self.users.retire_tokens(&normalize_email(email)?).await?)
    }

    /// Sets a new password, with the rules signup has, whatever the old
    /// one was; retires every token and clears the lockout.
    pub async fn set_password(&self, email: &str, password: Password<'_>) -> Result<(), Error> {
        let email = normalize_email(email)?;
        let Password(password) = password;
        check_new_password(password)?;
        let hash = self.passwords.hash(password.to_owned()).await?;
        found(self.users.set_password_hash(&email, &hash).await?)
    }
}

fn found(written: bool) -> Result<(), Error> {
    if written {
        Ok(())
    } else {
        Err(Error::NoSuchAccount)
    }
}
