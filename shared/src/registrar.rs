//! What the signup function holds: the table, the account settings and,
//! with email verification, the mail queue, and no signing key, since it
//! never signs or verifies a token. So the most exposed unauthenticated
//! function cannot read the key that forges every token.

use crate::accounts::UserStore;
use crate::aws;
use crate::config::AccountsConfig;
use crate::error::Error;
use crate::mail::MailQueue;

/// The account settings and the users table: built once per cold start
/// and borrowed by every request. The use case is
/// [`Registrar::sign_up`].
pub struct Registrar {
    /// The configuration the function was started with.
    pub config: AccountsConfig,
    /// The users table.
    pub users: UserStore,
    /// Where signups queue their mail: present exactly when
    /// `REQUIRE_EMAIL_VERIFICATION` is on.
    pub(crate) mail: Option<MailQueue>,
}

impl Registrar {
    /// Reads the environment (never a signing key) and builds the clients:
    /// with email verification, the queue at `MAIL_QUEUE_URL` too.
    pub async fn from_env() -> Result<Self, Error> {
        let config = AccountsConfig::from_env()?;
        let client = aws::dynamodb_client(&config.aws).await;
        let mail = if config.require_email_verification {
            Some(MailQueue::from_env().await?)
        } else {
            None
        };
        Self::new(config, client, mail)
    }

    /// Builds the state from parts made elsewhere, such as a test's
    /// clients. `mail` is required with `REQUIRE_EMAIL_VERIFICATION` and
    /// refused without: a queue nobody uses is a misconfiguration too.
    pub fn new(
        config: AccountsConfig,
        client: aws_sdk_dynamodb::Client,
        mail: Option<MailQueue>,
    ) -> Result<Self, Error> {
        match (config.require_email_verification, &mail) {
            (true, None) => {
                return Err(Error::Config(
                    "REQUIRE_EMAIL_VERIFICATION is on, so signup needs MAIL_QUEUE_URL".into(),
                ));
            }
            (false, Some(_)) => {
                return Err(Error::Config(
                    "a mail queue was given but REQUIRE_EMAIL_VERIFICATION is off".into(),
                ));
            }
            _ => {}
        }
        Ok(Self {
            users: UserStore::new(client, config.users_table.clone()),
            config,
            mail,
        })
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
}
