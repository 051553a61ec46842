//! What the signup function holds: the table, the account settings and,
//! with email verification, the mail queue, and no signing key, since it
//! never signs or verifies a token. So the most exposed unauthenticated
//! function cannot read the key that forges every token.

use crate::accounts::UserStore;
use crate::aws;
use crate::config::AccountsConfig;
use crate::env::Env;
use crate::error::Error;
use crate::mail::MailQueue;

/// The account settings and the users table: built once per cold start
/// and borrowed by every request. The use case is
/// [`Registrar::sign_up`].
#[derive(Debug)]
pub struct Registrar {
    config: AccountsConfig,
    users: UserStore,
    /// Where signups queue their mail: present exactly when
    /// `REQUIRE_EMAIL_VERIFICATION` is on.
    mail: Option<MailQueue>,
}

impl Registrar {
    /// Reads the environment (never a signing key) and builds the clients
    /// from one SDK configuration: with email verification, the queue at
    /// `MAIL_QUEUE_URL` too.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the environment does not describe a working
    /// configuration.
    pub async fn from_env() -> Result<Self, Error> {
        let config = AccountsConfig::from_env()?;
        let sdk_config = aws::sdk_config(&config.aws).await;
        let mail = if config.require_email_verification {
            let url = Env(|name: &str| std::env::var(name).ok()).required("MAIL_QUEUE_URL")?;
            Some(MailQueue::new(aws_sdk_sqs::Client::new(&sdk_config), url))
        } else {
            None
        };
        Self::new(config, aws_sdk_dynamodb::Client::new(&sdk_config), mail)
    }

    /// Builds the state from parts made elsewhere, such as a test's
    /// clients. `mail` is required with `REQUIRE_EMAIL_VERIFICATION` and
    /// refused without: a queue nobody uses is a misconfiguration too.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `mail` and `REQUIRE_EMAIL_VERIFICATION`
    /// disagree.
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

    /// The configuration the function was started with.
    pub fn config(&self) -> &AccountsConfig {
        &self.config
    }

    /// The users table.
    pub fn users(&self) -> &UserStore {
        &self.users
    }

    /// Where signups queue their mail, with email verification.
    pub(crate) fn mail(&self) -> Option<&MailQueue> {
        self.mail.as_ref()
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
