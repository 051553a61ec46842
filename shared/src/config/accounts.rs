//! What a function or tool that manages accounts needs, and no key.

use std::time::Duration;

use crate::accounts::{HashCost, PasswordPolicy};
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
    let policy = PasswordPolicy {
        memory_kib: env.number_or(
            "ARGON2_MEMORY_KIB",
            floor.memory_kib,
            floor.memory_kib..=MAX_MEMORY_KIB,
        )?,
        iterations: env.number_or(
            "ARGON2_ITERATIONS",
            floor.iterations,
            floor.iterations..=MAX_ITERATIONS,
        )?,
        parallelism: env.number_or(
            "ARGON2_PARALLELISM",
            floor.parallelism,
            floor.parallelism..=8,
        )?,
        strongest_in_use: None,
    }
    .validate()?;
    let strongest_in_use = env
        .get("ARGON2_STRONGEST_IN_USE")
        .map(|text| strongest_in_use(&text, &policy))
        .transpose()?;
    Ok(PasswordPolicy {
        strongest_in_use,
        ..policy
    })
}

const MAX_MEMORY_KIB: u32 = 1_048_576;
const MAX_ITERATIONS: u32 = 20;

/// `ARGON2_STRONGEST_IN_USE`: the cost of the dearest stored hash, as its
/// PHC string states it (`m=65536,t=3,p=4`; `p` is allowed and ignored, as
/// lanes do not change the work). It must cost at least the policy's: a
/// cheaper one would say that a hash the policy makes is not in use.
fn strongest_in_use(text: &str, policy: &PasswordPolicy) -> Result<HashCost, Error> {
    let refuse = |why: &str| {
        Error::Config(format!(
            "ARGON2_STRONGEST_IN_USE must read like `m=65536,t=3` (the m and t of the \
             dearest stored hash's PHC string): {why}, in {text:?}"
        ))
    };
    let (mut memory_kib, mut iterations) = (None, None);
    for pair in text.split(',') {
        let (name, value) = pair
            .trim()
            .split_once('=')
            .ok_or_else(|| refuse("a part is not name=value"))?;
        let value: u32 = value
            .parse()
            .map_err(|_| refuse("a value is not a whole number"))?;
        match name {
            "m" if (1..=MAX_MEMORY_KIB).contains(&value) => memory_kib = Some(value),
            "t" if (1..=MAX_ITERATIONS).contains(&value) => iterations = Some(value),
            "m" | "t" => return Err(refuse("a value is out of argon2's range here")),
            "p" => {}
            _ => return Err(refuse("only m, t and p are known")),
        }
    }
    let (Some(memory_kib), Some(iterations)) = (memory_kib, iterations) else {
        return Err(refuse("both m and t are needed"));
    };
    let cost = HashCost {
        memory_kib,
        iterations,
    };
    let policy_work = policy.cost().work();
    if cost.work() < policy_work {
        return Err(Error::Config(format!(
            "ARGON2_STRONGEST_IN_USE ({text}) costs less than the policy \
             (ARGON2_MEMORY_KIB × ARGON2_ITERATIONS = {policy_work}): unset it"
        )));
    }
    Ok(cost)
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

    #[test]
    fn the_strongest_hash_in_use_is_read_from_its_phc_parameters() {
        let read = |value: &str| {
            let vars: HashMap<&str, &str> =
                HashMap::from([("USERS_TABLE", "u"), ("ARGON2_STRONGEST_IN_USE", value)]);
            AccountsConfig::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
                .map(|accounts| accounts.password_policy.strongest_in_use)
        };
        let dear = Some(HashCost {
            memory_kib: 65_536,
            iterations: 3,
        });
        assert_eq!(read("m=65536,t=3,p=4").unwrap(), dear);
        assert_eq!(read(" t=3, m=65536 ").unwrap(), dear);
        for (refused, says) in [
            ("m=65536", "both m and t"),
            ("m=65536,t=3,x=1", "only m, t and p"),
            ("m=65536;t=3", "a value is not a whole number"),
            ("65536,3", "not name=value"),
            ("m=0,t=3", "out of argon2's range"),
            ("m=19456,t=1", "costs less than the policy"),
        ] {
            let error = read(refused).unwrap_err().to_string();
            assert!(error.contains(says), "{refused}: {error}");
        }
    }
}
