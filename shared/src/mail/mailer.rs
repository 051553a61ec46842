//! What the mailer function holds: its configuration, the users table,
//! and SES. No key: the links' tokens are opaque secrets, recorded on the
//! user's item (review 2, L2).

use std::time::Duration;

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::accounts::{MailRefusal, UserStore, normalize_email};
use crate::aws::{self, aws_error};
use crate::config::AccountsConfig;
use crate::env::Env;
use crate::error::Error;
use crate::mail::LinkTemplate;
use crate::mail::content::Mail;

const DEFAULT_MAIL_MIN_INTERVAL_SECS: u64 = 60;
/// A few tries for a mail that did not arrive, not a flood.
const DEFAULT_VERIFICATION_MAIL_LIMIT: u64 = 5;
/// One a second on average: SES's sending rate in the sandbox, and far
/// above what signups and resets of a healthy user base ask.
const DEFAULT_MAIL_MAX_PER_MINUTE: u64 = 60;
const DEFAULT_RESET_LINK_TTL_SECS: u64 = 1_800;
const DEFAULT_VERIFY_LINK_TTL_SECS: u64 = 86_400;

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
    /// `RESET_TOKEN_TTL`: how long a mailed password-reset link works.
    pub reset_link_ttl: Duration,
    /// `VERIFY_TOKEN_TTL`: how long a mailed verification link works.
    pub verify_link_ttl: Duration,
    /// `MAIL_MIN_INTERVAL`: at most one mail per address this often, and
    /// per mailbox: addresses differing only in a `+tag` share one.
    pub min_interval: Duration,
    /// `VERIFICATION_MAIL_LIMIT`: the most verification mails one account
    /// ever gets, the signup's own included.
    pub verification_mail_limit: u64,
    /// `MAIL_MAX_PER_MINUTE`: the most mails the whole stack sends in one
    /// clock minute; past it, mail waits for the next one.
    pub max_per_minute: u64,
    /// `MAIL_CONFIGURATION_SET`: the SES configuration set every mail is
    /// sent with (the template's suppresses addresses that bounced or
    /// complained). Unset: none, and the account's own suppression list
    /// applies.
    pub configuration_set: Option<String>,
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
            reset_link_ttl: env.secs_or(
                "RESET_TOKEN_TTL",
                DEFAULT_RESET_LINK_TTL_SECS,
                60..=86_400,
            )?,
            verify_link_ttl: env.secs_or(
                "VERIFY_TOKEN_TTL",
                DEFAULT_VERIFY_LINK_TTL_SECS,
                60..=7 * 86_400,
            )?,
            min_interval: env.secs_or(
                "MAIL_MIN_INTERVAL",
                DEFAULT_MAIL_MIN_INTERVAL_SECS,
                1..=86_400,
            )?,
            verification_mail_limit: env.number_or(
                "VERIFICATION_MAIL_LIMIT",
                DEFAULT_VERIFICATION_MAIL_LIMIT,
                1..=100,
            )?,
            max_per_minute: env.number_or(
                "MAIL_MAX_PER_MINUTE",
                DEFAULT_MAIL_MAX_PER_MINUTE,
                1..=1_000_000,
            )?,
            configuration_set: env.get("MAIL_CONFIGURATION_SET"),
        })
    }
}

/// The mailer's state: built once per cold start and borrowed by every
/// batch of queued requests ([`Mailer::deliver`]).
#[derive(Debug)]
pub struct Mailer {
    /// How mail is sent.
    pub(crate) mail: MailConfig,
    /// The users table.
    pub(crate) users: UserStore,
    ses: aws_sdk_sesv2::Client,
}

impl Mailer {
    /// Reads the environment and builds the clients.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first variable that is missing or wrong.
    pub async fn from_env() -> Result<Self, Error> {
        let accounts = AccountsConfig::from_env()?;
        let mail = MailConfig::from_env()?;
        let sdk_config = aws::sdk_config(&accounts.aws).await;
        let users = UserStore::new(
            aws_sdk_dynamodb::Client::new(&sdk_config),
            accounts.users_table.clone(),
        );
        let ses = aws_sdk_sesv2::Client::new(&sdk_config);
        Ok(Self::new(mail, users, ses))
    }

    /// Builds the state from parts made elsewhere, such as a test's clients.
    pub fn new(mail: MailConfig, users: UserStore, ses: aws_sdk_sesv2::Client) -> Self {
        Self { mail, users, ses }
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
            .set_configuration_set_name(self.mail.configuration_set.clone())
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
    /// The account got its `VERIFICATION_MAIL_LIMIT` verification mails.
    VerificationMailsSpent,
    /// This address, or the mailbox it shares with other `+tag`
    /// addresses, got a mail less than `MAIL_MIN_INTERVAL` ago.
    RateLimited,
}

impl From<MailRefusal> for Delivery {
    fn from(refusal: MailRefusal) -> Self {
        match refusal {
            MailRefusal::NoAccount => Delivery::NoAccount,
            MailRefusal::Inactive => Delivery::Inactive,
            MailRefusal::AlreadyVerified => Delivery::AlreadyVerified,
            MailRefusal::VerificationMailsSpent => Delivery::VerificationMailsSpent,
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
        assert_eq!(mail.verification_mail_limit, 5);
        assert_eq!(mail.max_per_minute, 60);
        assert_eq!(mail.configuration_set, None);
        assert_eq!(mail.reset_link_ttl, Duration::from_secs(1_800));
        assert_eq!(mail.verify_link_ttl, Duration::from_secs(86_400));
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
        for limit in [
            "MAIL_MIN_INTERVAL",
            "VERIFICATION_MAIL_LIMIT",
            "MAIL_MAX_PER_MINUTE",
            "RESET_TOKEN_TTL",
            "VERIFY_TOKEN_TTL",
        ] {
            let mut zero = VALID.to_vec();
            zero.push((limit, "0"));
            assert!(
                config(&zero).unwrap_err().to_string().contains(limit),
                "{limit}"
            );
        }
    }
}
