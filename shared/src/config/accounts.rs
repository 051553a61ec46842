//! What a function or tool that manages accounts needs, and no key.

use std::time::Duration;

use crate::accounts::PasswordPolicy;
use crate::aws::AwsSettings;
use crate::env::Env;
use crate::error::Error;

/// What a function or tool that manages accounts but never touches a
/// token needs (signup, `sessionless-admin`): the table, DynamoDB, the
/// password policy and whether signup is open. Read from the same variables
/// as [`Config`](crate::Config), and no signing key, so none is ever loaded for them.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// `USERS_TABLE`: the DynamoDB table keyed by `email`.
    pub users_table: String,
    /// `SIGNUP_ENABLED`: whether `POST /signup` creates accounts.
    pub signup_enabled: bool,
    /// `REQUIRE_EMAIL_VERIFICATION`: signup answers the same for every
    /// email and mails a verification link, and a login refuses an
    /// unverified address. On by default.
    pub require_email_verification: bool,
    /// `UNVERIFIED_ACCOUNT_TTL`: how long an account signed up under email
    /// verification lives unless its address is verified; DynamoDB's TTL
    /// then deletes it, and the address is free for a signup again.
    pub unverified_account_ttl: Duration,
    /// `ARGON2_*`: the cost of new password hashes.
    pub password_policy: PasswordPolicy,
    /// `DYNAMODB_*`: timeouts and retries of every AWS call.
    pub aws: AwsSettings,
}

impl AccountsConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, as [`Config::from_lookup`](crate::Config::from_lookup).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&Env(lookup))
    }

    pub(crate) fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        Ok(Self {
            users_table: env.required("USERS_TABLE")?,
            signup_enabled: env.flag_or("SIGNUP_ENABLED", true)?,
            require_email_verification: env.flag_or("REQUIRE_EMAIL_VERIFICATION", true)?,
            unverified_account_ttl: env.secs_or(
                "UNVERIFIED_ACCOUNT_TTL",
                DEFAULT_UNVERIFIED_ACCOUNT_TTL_SECS,
                3_600..=31_536_000,
            )?,
            password_policy: password_policy(env)?,
            aws: AwsSettings::from_env(env)?,
        })
    }
}

/// A week: long enough for the longest verification link
/// (`VERIFY_TOKEN_TTL` at most), short enough that an address signed up by
/// someone else is not held for long.
const DEFAULT_UNVERIFIED_ACCOUNT_TTL_SECS: u64 = 7 * 86_400;

/// OWASP's minimum is the floor: a deployment may raise the cost, never
/// lower it.
fn password_policy<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<PasswordPolicy, Error> {
    let floor = PasswordPolicy::OWASP_MINIMUM;
    PasswordPolicy {
        memory_kib: env.number_or(
            "ARGON2_MEMORY_KIB",
            floor.memory_kib,
            floor.memory_kib..=1_048_576,
        )?,
        iterations: env.number_or("ARGON2_ITERATIONS", floor.iterations, floor.iterations..=20)?,
        parallelism: env.number_or(
            "ARGON2_PARALLELISM",
            floor.parallelism,
            floor.parallelism..=8,
        )?,
    }
    .validate()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn accounts_read_no_signing_key() {
        let vars: HashMap<&str, &str> = HashMap::from([("USERS_TABLE", "u")]);
        let accounts = AccountsConfig::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
            .expect("no key needed");
        assert_eq!(accounts.users_table, "u");
        assert!(accounts.signup_enabled);
        assert_eq!(
            accounts.unverified_account_ttl,
            Duration::from_secs(604_800)
        );
    }

    #[test]
    fn an_unverified_account_lives_an_hour_to_a_year() {
        for (value, ok) in [
            ("3599", false),
            ("3600", true),
            ("31536000", true),
            ("31536001", false),
        ] {
            let vars: HashMap<&str, &str> =
                HashMap::from([("USERS_TABLE", "u"), ("UNVERIFIED_ACCOUNT_TTL", value)]);
            let read = AccountsConfig::from_lookup(|name| vars.get(name).map(|v| v.to_string()));
            assert_eq!(read.is_ok(), ok, "{value}");
        }
    }
}
