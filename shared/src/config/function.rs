//! A function's whole configuration, read from the environment once per
//! cold start.

use std::time::Duration;

use crate::accounts::{DEFAULT_FAILURE_WINDOW, DEFAULT_LOCK_AFTER, LockoutPolicy, MAX_LOCK_SECS};
use crate::config::keys::key_source;
use crate::config::{AccountsConfig, TokenLocations};
use crate::env::Env;
use crate::error::Error;
use crate::tokens::{KeySource, TokenSettings, VerifyingKeys, parse_algorithm};

const DEFAULT_ISSUER: &str = "sessionless";
const DEFAULT_AUDIENCE: &str = "sessionless";
const DEFAULT_ACCESS_TOKEN_TTL_SECS: u64 = 900;
const DEFAULT_REFRESH_TOKEN_TTL_SECS: u64 = 30 * 86_400;
const DEFAULT_LEEWAY_SECS: u64 = 5;
const DEFAULT_REFRESH_REUSE_INTERVAL_SECS: u64 = 10;
const DEFAULT_REFRESH_FAMILY_MAX_AGE_SECS: u64 = 90 * 86_400;
const DEFAULT_DEVICE_TOKEN_TTL_SECS: u64 = 180 * 86_400;

/// Everything a function is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The table, DynamoDB, passwords and signup: all a function needs that
    /// never touches a token.
    pub accounts: AccountsConfig,
    /// `JWT_SECRET`, `JWT_SIGNING_KEYS`, `JWT_SIGNING_KEYS_SECRET` or
    /// `JWT_SIGNING_KMS_KEY_ID`: the signing keys, the secret that holds
    /// them, or the KMS key that signs; none in a function that only
    /// verifies.
    pub signing_keys: KeySource,
    /// The issuer, audience, lifetimes, leeway and verifying keys of
    /// tokens (`JWT_*` and `*_TOKEN_TTL`).
    pub tokens: TokenSettings,
    /// `REFRESH_REUSE_INTERVAL`: how long after a rotation the replaced
    /// token still gets the same successor (0: never).
    pub refresh_reuse_interval: Duration,
    /// `REFRESH_FAMILY_MAX_AGE`: how long a refresh family lives after the
    /// login that started it, however often it rotates.
    pub refresh_family_max_age: Duration,
    /// `LOGIN_LOCK_AFTER` and `LOGIN_FAILURE_WINDOW`: failed attempts in a
    /// row before an email locks, and how long they are remembered.
    pub lockout: LockoutPolicy,
    /// `TOKEN_LOCATIONS`: where protected endpoints look for the token.
    pub token_locations: TokenLocations,
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the first variable that is missing or wrong.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment. An empty value counts as unset.
    ///
    /// # Errors
    ///
    /// As [`Config::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env(lookup);
        Ok(Self {
            accounts: AccountsConfig::read(&env)?,
            signing_keys: key_source(&env)?,
            tokens: token_settings(&env)?,
            refresh_reuse_interval: env.secs_or(
                "REFRESH_REUSE_INTERVAL",
                DEFAULT_REFRESH_REUSE_INTERVAL_SECS,
                0..=300,
            )?,
            refresh_family_max_age: env.secs_or(
                "REFRESH_FAMILY_MAX_AGE",
                DEFAULT_REFRESH_FAMILY_MAX_AGE_SECS,
                60..=10 * 365 * 86_400,
            )?,
            lockout: LockoutPolicy {
                lock_after: env.number_or("LOGIN_LOCK_AFTER", DEFAULT_LOCK_AFTER, 1..=100)?,
                failure_window: env.secs_or(
                    "LOGIN_FAILURE_WINDOW",
                    DEFAULT_FAILURE_WINDOW.as_secs(),
                    MAX_LOCK_SECS..=365 * 86_400,
                )?,
            },
            token_locations: match env.get("TOKEN_LOCATIONS") {
                Some(value) => TokenLocations::parse(&value)?,
                None => TokenLocations::BOTH,
            },
        })
    }
}

/// The `JWT_*` and `*_TOKEN_TTL` variables.
fn token_settings<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<TokenSettings, Error> {
    Ok(TokenSettings {
        issuer: env.string_or("JWT_ISSUER", DEFAULT_ISSUER),
        audience: env.string_or("JWT_AUDIENCE", DEFAULT_AUDIENCE),
        algorithm: env
            .get("JWT_ALGORITHM")
            .map(|name| {
                parse_algorithm(&name).map_err(|error| match error {
                    Error::Config(message) => Error::Config(format!("JWT_ALGORITHM: {message}")),
                    other => other,
                })
            })
            .transpose()?,
        public_keys: env
            .get("JWT_PUBLIC_KEYS")
            .map(|text| VerifyingKeys::from_jwks(&text, "JWT_PUBLIC_KEYS"))
            .transpose()?,
        access_token_ttl: env.secs_or(
            "ACCESS_TOKEN_TTL",
            DEFAULT_ACCESS_TOKEN_TTL_SECS,
            1..=86_400,
        )?,
        refresh_token_ttl: env.secs_or(
            "REFRESH_TOKEN_TTL",
            DEFAULT_REFRESH_TOKEN_TTL_SECS,
            60..=365 * 86_400,
        )?,
        device_token_ttl: env.secs_or(
            "DEVICE_TOKEN_TTL",
            DEFAULT_DEVICE_TOKEN_TTL_SECS,
            60..=10 * 365 * 86_400,
        )?,
        leeway: env.secs_or("JWT_LEEWAY", DEFAULT_LEEWAY_SECS, 0..=300)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn minimal_environment_gets_documented_defaults() {
        let config = config(&[("USERS_TABLE", "users"), ("JWT_SECRET", SECRET)]).unwrap();
        assert_eq!(config.accounts.users_table, "users");
        assert_eq!(config.tokens.issuer, "sessionless");
        assert_eq!(config.tokens.audience, "sessionless");
        assert_eq!(config.tokens.access_token_ttl, Duration::from_secs(900));
        assert_eq!(config.tokens.leeway, Duration::from_secs(5));
        assert_eq!(
            config.tokens.refresh_token_ttl,
            Duration::from_secs(30 * 86_400)
        );
        assert!(config.accounts.signup_enabled);
        assert!(config.accounts.require_email_verification);
        assert_eq!(config.lockout.lock_after, 5);
        assert_eq!(config.refresh_reuse_interval, Duration::from_secs(10));
        assert_eq!(
            config.refresh_family_max_age,
            Duration::from_secs(90 * 86_400)
        );
        assert_eq!(config.lockout.failure_window, Duration::from_secs(86_400));
        assert_eq!(config.token_locations, TokenLocations::BOTH);
        assert_eq!(config.accounts.aws.max_attempts, 3);
        assert_eq!(
            config.accounts.aws.operation_timeout,
            Duration::from_millis(2_500)
        );
    }

    #[test]
    fn missing_or_short_secret_is_an_error() {
        let missing = config(&[("USERS_TABLE", "users")]).unwrap_err();
        assert!(missing.to_string().contains("JWT_SECRET must be set"));
        let short = config(&[("USERS_TABLE", "users"), ("JWT_SECRET", "short")]).unwrap_err();
        assert!(short.to_string().contains("at least 32"));
        let empty = config(&[("USERS_TABLE", "users"), ("JWT_SECRET", "")]).unwrap_err();
        assert!(empty.to_string().contains("JWT_SECRET must be set"));
    }

    #[test]
    fn the_key_comes_from_exactly_one_place() {
        let keys = format!(r#"{{"current": "k2", "k2": "{SECRET}"}}"#);
        let from_set = config(&[("USERS_TABLE", "u"), ("JWT_SIGNING_KEYS", &keys)]).unwrap();
        match from_set.signing_keys {
            KeySource::Environment(keys) => assert_eq!(keys.current().kid(), "k2"),
            other => panic!("{other:?}"),
        }
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:keys";
        let from_secret =
            config(&[("USERS_TABLE", "u"), ("JWT_SIGNING_KEYS_SECRET", arn)]).unwrap();
        assert!(matches!(
            from_secret.signing_keys,
            KeySource::SecretsManager { secret_id } if secret_id == arn
        ));
        let both = config(&[
            ("USERS_TABLE", "u"),
            ("JWT_SECRET", SECRET),
            ("JWT_SIGNING_KEYS_SECRET", arn),
        ])
        .unwrap_err();
        assert!(
            both.to_string()
                .contains("JWT_SIGNING_KEYS_SECRET is set too"),
            "{both}"
        );
    }

    #[test]
    fn missing_table_is_an_error() {
        let error = config(&[("JWT_SECRET", SECRET)]).unwrap_err();
        assert!(error.to_string().contains("USERS_TABLE must be set"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        let config = config(&[("USERS_TABLE", "users"), ("JWT_SECRET", SECRET)]).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains(SECRET));
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn numbers_out_of_range_or_garbled_are_errors() {
        for (name, value) in [
            ("ACCESS_TOKEN_TTL", "0"),
            ("ACCESS_TOKEN_TTL", "15m"),
            ("ACCESS_TOKEN_TTL", "-1"),
            ("JWT_LEEWAY", "3600"),
            ("DYNAMODB_MAX_ATTEMPTS", "0"),
            ("REFRESH_TOKEN_TTL", "10"),
            ("SIGNUP_ENABLED", "maybe"),
            ("ARGON2_MEMORY_KIB", "4096"),
            ("ARGON2_ITERATIONS", "1"),
            ("LOGIN_FAILURE_WINDOW", "60"),
            ("REFRESH_REUSE_INTERVAL", "301"),
            ("REFRESH_FAMILY_MAX_AGE", "59"),
        ] {
            let error =
                config(&[("USERS_TABLE", "u"), ("JWT_SECRET", SECRET), (name, value)]).unwrap_err();
            assert!(error.to_string().contains(name), "{name}={value}: {error}");
        }
    }

    #[test]
    fn signup_can_be_switched_off() {
        for value in ["false", "0", "No"] {
            let config = config(&[
                ("USERS_TABLE", "u"),
                ("JWT_SECRET", SECRET),
                ("SIGNUP_ENABLED", value),
            ])
            .unwrap();
            assert!(!config.accounts.signup_enabled, "{value}");
        }
    }
}
