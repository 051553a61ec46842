//! What the signup function holds: the table and the account settings, and
//! no signing key, since it never signs or verifies a token. So the most
//! exposed unauthenticated function cannot read the key that forges every
//! token.

use crate::accounts::{User, UserStore};
use crate::aws;
use crate::config::AccountsConfig;
use crate::error::Error;
use crate::use_cases::Registration;

/// The account settings and the users table: built once per cold start
/// and borrowed by every request.
pub struct Registrar {
    /// The configuration the function was started with.
    pub config: AccountsConfig,
    /// The users table.
    pub users: UserStore,
}

impl Registrar {
    /// Reads the environment (never a signing key) and builds the client.
    pub async fn from_env() -> Result<Self, Error> {
        let config = AccountsConfig::from_env()?;
        let client = aws::dynamodb_client(&config.dynamodb).await;
        Ok(Self::new(config, client))
    }

    /// Builds the state from parts made elsewhere, such as a test's client.
    pub fn new(config: AccountsConfig, client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            users: UserStore::new(client, config.users_table.clone()),
            config,
        }
    }

    /// Signup's gate: [`Error::SignupDisabled`] unless `SIGNUP_ENABLED`.
    /// Checked before the request is read, so a disabled signup says so
    /// whatever was sent.
    pub fn require_signup_enabled(&self) -> Result<(), Error> {
        if self.config.signup_enabled {
            Ok(())
        } else {
            Err(Error::SignupDisabled)
        }
    }

    /// Self-service signup: [`Registration::register`] on this deployment's
    /// table and password policy.
    pub async fn register(&self, registration: Registration<'_>) -> Result<User, Error> {
        let user = registration
            .register(&self.users, self.config.password_policy)
            .await?;
        tracing::info!(email = %user.email, "signed up");
        Ok(user)
    }
}
