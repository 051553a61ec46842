//! What the mailer function holds: its configuration, the keys that sign
//! the links' tokens, the users table, and SES.

use std::time::Duration;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::accounts::{MailRefusal, UserStore, normalize_email};
use crate::aws::{self, aws_error};
use crate::config::Config;
use crate::env::Env;
use crate::error::Error;
use crate::mail::LinkTemplate;
use crate::mail::content::Mail;
use crate::tokens::Tokens;

const DEFAULT_MAIL_MIN_INTERVAL_SECS: u64 = 60;

/// How the mailer sends: read from the environment once per cold start.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `MAIL_FROM`: the sender, an SES-verified address (or an address of
    /// a verified domain).
    pub from: String,
    /// `RESET_URL`: the page that finishes a password reset.
    pub reset_url: LinkTemplate,
    /// `VERIFY_URL`: the page that finishes an email verification.
    pub verify_url: LinkTemplate,
    /// `MAIL_MIN_INTERVAL`: at most one mail per address this often.
    pub min_interval: Duration,
}

impl MailConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`. An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env(lookup);
        let from = env.required("MAIL_FROM")?;
        normalize_email(&from).map_err(|_| {
            Error::Config(format!("MAIL_FROM must be an email address, got {from:?}"))
        })?;
        Ok(Self {
            from,
            reset_url: LinkTemplate::parse(&env.required("RESET_URL")?, "RESET_URL")?,
            verify_url: LinkTemplate::parse(&env.required("VERIFY_URL")?, "VERIFY_URL")?,
            min_interval: env.secs_or(
                "MAIL_MIN_INTERVAL",
                DEFAULT_MAIL_MIN_INTERVAL_SECS,
                1..=86_400,
            )?,
        })
    }
}

/// The mailer's state: built once per cold start and borrowed by every
/// batch of queued requests ([`Mailer::deliver`]).
#[derive(Debug)]
pub struct Mailer {
    /// The token and account settings.
    pub(crate) config: Config,
    /// How mail is sent.
    pub(crate) mail: MailConfig,
    /// Signs the links' tokens.
    pub(crate) tokens: Tokens,
    /// The users table.
    pub(crate) users: UserStore,
    ses: aws_sdk_sesv2::Client,
}

impl Mailer {
    /// Reads the environment, loads the signing key and builds the clients.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let mail = MailConfig::from_env()?;
        let sdk_config = aws::sdk_config(&config.accounts.aws).await;
        let tokens = Tokens::from_source(&config.tokens, &config.signing_keys, &sdk_config).await?;
        let users = UserStore::new(
            aws_sdk_dynamodb::Client::new(&sdk_config),
            config.accounts.users_table.clone(),
        );
        let ses = aws_sdk_sesv2::Client::new(&sdk_config);
        Ok(Self::new(config, mail, tokens, users, ses))
    }

    /// Builds the state from parts made elsewhere, such as a test's clients.
    pub fn new(
        config: Config,
        mail: MailConfig,
        tokens: Tokens,
        users: UserStore,
        ses: aws_sdk_sesv2::Client,
    ) -> Self {
        Self {
            config,
            mail,
            tokens,
            users,
            ses,
        }
    }

    /// Sends `mail` to `to` through SES, from `MAIL_FROM`. Needs
    /// `ses:SendEmail` on the `MAIL_FROM` identity.
    pub(crate) async fn send(&self, to: &str, mail: &Mail) -> Result<(), Error> {
        let content = |text: &str| {
            Content::builder()
                .data(text)
                .charset("UTF-8")
                .build()
                .map_err(|error| Error::Internal(format!("building a mail failed: {error}")))
        };
        let message = Message::builder()
            .subject(content(&mail.subject)?)
            .body(
                Body::builder()
                    .text(content(&mail.text)?)
                    .html(content(&mail.html)?)
                    .build(),
            )
            .build();
        self.ses
            .send_email()
            .from_email_address(&self.mail.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|error| aws_error("SendEmail", error))?;
        Ok(())
    }
}

/// What [`Mailer::deliver`] did with one request. Only `Sent` sends mail;
/// the others are logged, and the request is done with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A mail went out.
    Sent,
    /// No account has this email: nothing is ever sent to it.
    NoAccount,
    /// The account is deactivated.
    Inactive,
    /// A verification was asked for an address already verified.
    AlreadyVerified,
    /// This address got a mail less than `MAIL_MIN_INTERVAL` ago.
    RateLimited,
}

impl From<MailRefusal> for Delivery {
    fn from(refusal: MailRefusal) -> Self {
        match refusal {
            MailRefusal::NoAccount => Delivery::NoAccount,
            MailRefusal::Inactive => Delivery::Inactive,
            MailRefusal::AlreadyVerified => Delivery::AlreadyVerified,
            MailRefusal::RateLimited => Delivery::RateLimited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<MailConfig, Error> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        MailConfig::from_lookup(|name| vars.get(name).map(|value| value.to_string()))
    }

    const VALID: [(&str, &str); 3] = [
        ("MAIL_FROM", "no-reply@example.com"),
        ("RESET_URL", "https://app.example/reset#token={token}"),
        ("VERIFY_URL", "https://app.example/verify#token={token}"),
    ];

    #[test]
    fn mail_settings_have_a_default_interval_and_required_addresses() {
        let mail = config(&VALID).unwrap();
        assert_eq!(mail.min_interval, Duration::from_secs(60));
        for missing in ["MAIL_FROM", "RESET_URL", "VERIFY_URL"] {
            let vars: Vec<_> = VALID
                .into_iter()
                .filter(|(name, _)| *name != missing)
                .collect();
            let error = config(&vars).unwrap_err();
            assert!(error.to_string().contains(missing), "{error}");
        }
        let mut bad_from = VALID.to_vec();
        bad_from[0].1 = "not an address";
        assert!(
            config(&bad_from)
                .unwrap_err()
                .to_string()
                .contains("MAIL_FROM")
        );
        let mut zero = VALID.to_vec();
        zero.push(("MAIL_MIN_INTERVAL", "0"));
        assert!(
            config(&zero)
                .unwrap_err()
                .to_string()
                .contains("MAIL_MIN_INTERVAL")
        );
    }
}
