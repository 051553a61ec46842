//! Configuration, read from the environment once per cold start.
//!
//! Every variable is documented in docs/configuration.md. A value that is present but
//! wrong is an error, never a silent fallback to the default.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::accounts::{
    DEFAULT_FAILURE_WINDOW, DEFAULT_LOCK_AFTER, LockoutPolicy, MAX_LOCK_SECS, PasswordPolicy,
};
use crate::error::Error;
use crate::tokens::{KeySource, SigningKeys, VerifyingKeys, parse_algorithm};

const DEFAULT_ISSUER: &str = "sessionless";
const DEFAULT_AUDIENCE: &str = "sessionless";
const DEFAULT_ACCESS_TOKEN_TTL_SECS: u64 = 900;
const DEFAULT_REFRESH_TOKEN_TTL_SECS: u64 = 30 * 86_400;
const DEFAULT_LEEWAY_SECS: u64 = 5;
const DEFAULT_REFRESH_REUSE_INTERVAL_SECS: u64 = 10;
const DEFAULT_REFRESH_FAMILY_MAX_AGE_SECS: u64 = 90 * 86_400;
const DEFAULT_DEVICE_TOKEN_TTL_SECS: u64 = 180 * 86_400;
const DEFAULT_RESET_TOKEN_TTL_SECS: u64 = 1_800;
const DEFAULT_VERIFY_TOKEN_TTL_SECS: u64 = 86_400;

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
    /// `JWT_PUBLIC_KEYS`: a JWKS document of the keys tokens are verified
    /// with. Without it, the signing keys verify.
    pub public_keys: Option<VerifyingKeys>,
    /// `JWT_ALGORITHM`: when set, the current signing key must sign with it.
    pub jwt_algorithm: Option<jsonwebtoken::Algorithm>,
    /// `JWT_ISSUER`: written to and required in `iss`.
    pub jwt_issuer: String,
    /// `JWT_AUDIENCE`: written to and required in `aud`.
    pub jwt_audience: String,
    /// `ACCESS_TOKEN_TTL`: access-token lifetime.
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL`: refresh-token lifetime, renewed by each rotation.
    pub refresh_token_ttl: Duration,
    /// `REFRESH_REUSE_INTERVAL`: how long after a rotation the replaced
    /// token still gets the same successor (0: never).
    pub refresh_reuse_interval: Duration,
    /// `REFRESH_FAMILY_MAX_AGE`: how long a refresh family lives after the
    /// login that started it, however often it rotates.
    pub refresh_family_max_age: Duration,
    /// `DEVICE_TOKEN_TTL`: how long a device token, handed out by every
    /// login, keeps its device out of the email's lockout.
    pub device_token_ttl: Duration,
    /// `RESET_TOKEN_TTL`: how long a mailed password-reset link works.
    pub reset_token_ttl: Duration,
    /// `VERIFY_TOKEN_TTL`: how long a mailed verification link works.
    pub verify_token_ttl: Duration,
    /// `JWT_LEEWAY`: clock skew tolerated on `exp`, `nbf` and `iat`.
    pub jwt_leeway: Duration,
    /// `LOGIN_LOCK_AFTER` and `LOGIN_FAILURE_WINDOW`: failed attempts in a
    /// row before an email locks, and how long they are remembered.
    pub lockout: LockoutPolicy,
    /// `TOKEN_LOCATIONS`: where protected endpoints look for the token.
    pub token_locations: TokenLocations,
}

/// What the discovery function publishes: the issuer, and the public keys
/// of `JWT_PUBLIC_KEYS`, or, without it, those of signing keys given in the
/// environment (the local stack). It never reads a secret: a deployment
/// that keeps its keys in Secrets Manager publishes `JWT_PUBLIC_KEYS`.
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// `JWT_ISSUER`. Unset, the issuer is the URL each request arrives at:
    /// in the template, whose functions cannot name their own API's URL
    /// without a dependency cycle.
    pub jwt_issuer: Option<String>,
    /// The keys whose public halves are published.
    pub public_keys: VerifyingKeys,
}

impl DiscoveryConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`. An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env(lookup);
        let public_keys = match env.get("JWT_PUBLIC_KEYS") {
            Some(text) => VerifyingKeys::from_jwks(&text, "JWT_PUBLIC_KEYS")?,
            None => match key_source(&env)? {
                KeySource::Environment(keys) => VerifyingKeys::from_signing_keys(&keys)?,
                KeySource::SecretsManager { .. }
                | KeySource::Kms { .. }
                | KeySource::VerifyOnly => {
                    return Err(Error::Config(
                        "discovery publishes JWT_PUBLIC_KEYS; set it (it never reads a secret)"
                            .into(),
                    ));
                }
            },
        };
        Ok(Self {
            jwt_issuer: env.get("JWT_ISSUER"),
            public_keys,
        })
    }
}

/// Where a protected endpoint accepts the access token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLocations {
    /// `Authorization: Bearer <token>`.
    pub headers: bool,
    /// The JSON body field `access_token`.
    pub json: bool,
}

/// How long a DynamoDB call may take, and how often it is tried. The SDK's
/// own default has no operation timeout at all, so a stalled connection
/// would hold the function until Lambda kills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamoDbSettings {
    /// `DYNAMODB_CONNECT_TIMEOUT_MS`: TCP and TLS connect.
    pub connect_timeout: Duration,
    /// `DYNAMODB_ATTEMPT_TIMEOUT_MS`: one attempt, connect included.
    pub attempt_timeout: Duration,
    /// `DYNAMODB_OPERATION_TIMEOUT_MS`: all attempts and back-off together.
    pub operation_timeout: Duration,
    /// `DYNAMODB_MAX_ATTEMPTS`: the first try plus retries (standard retry mode).
    pub max_attempts: u32,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the
    /// process environment. An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env(lookup);
        Ok(Self {
            accounts: AccountsConfig::read(&env)?,
            signing_keys: key_source(&env)?,
            public_keys: env
                .get("JWT_PUBLIC_KEYS")
                .map(|text| VerifyingKeys::from_jwks(&text, "JWT_PUBLIC_KEYS"))
                .transpose()?,
            jwt_algorithm: env
                .get("JWT_ALGORITHM")
                .map(|name| {
                    parse_algorithm(&name).map_err(|error| match error {
                        Error::Config(message) => {
                            Error::Config(format!("JWT_ALGORITHM: {message}"))
                        }
                        other => other,
                    })
                })
                .transpose()?,
            jwt_issuer: env.string_or("JWT_ISSUER", DEFAULT_ISSUER),
            jwt_audience: env.string_or("JWT_AUDIENCE", DEFAULT_AUDIENCE),
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
            device_token_ttl: env.secs_or(
                "DEVICE_TOKEN_TTL",
                DEFAULT_DEVICE_TOKEN_TTL_SECS,
                60..=10 * 365 * 86_400,
            )?,
            reset_token_ttl: env.secs_or(
                "RESET_TOKEN_TTL",
                DEFAULT_RESET_TOKEN_TTL_SECS,
                60..=86_400,
            )?,
            verify_token_ttl: env.secs_or(
                "VERIFY_TOKEN_TTL",
                DEFAULT_VERIFY_TOKEN_TTL_SECS,
                60..=7 * 86_400,
            )?,
            jwt_leeway: env.secs_or("JWT_LEEWAY", DEFAULT_LEEWAY_SECS, 0..=300)?,
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

/// What a function or tool that manages accounts but never touches a
/// token needs (signup, `sessionless-admin`): the table, DynamoDB, the
/// password policy and whether signup is open. Read from the same variables
/// as [`Config`], and no signing key, so none is ever loaded for them.
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
    /// `ARGON2_*`: the cost of new password hashes.
    pub password_policy: PasswordPolicy,
    /// `DYNAMODB_*`: timeouts and retries of every AWS call.
    pub dynamodb: DynamoDbSettings,
}

impl AccountsConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, as [`Config::from_lookup`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Self::read(&Env(lookup))
    }

    pub(crate) fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        Ok(Self {
            users_table: env.required("USERS_TABLE")?,
            signup_enabled: env.flag_or("SIGNUP_ENABLED", true)?,
            require_email_verification: env.flag_or("REQUIRE_EMAIL_VERIFICATION", true)?,
            password_policy: password_policy(env)?,
            dynamodb: DynamoDbSettings::from_env(env)?,
        })
    }
}

impl DynamoDbSettings {
    /// A failing DynamoDB costs a request at most 2.5 s: two or three
    /// attempts of up to 1.2 s each within the operation timeout. A healthy
    /// GetItem takes milliseconds, so the limits only bite on faults.
    pub const DEFAULT: Self = Self {
        connect_timeout: Duration::from_millis(1_000),
        attempt_timeout: Duration::from_millis(1_200),
        operation_timeout: Duration::from_millis(2_500),
        max_attempts: 3,
    };

    pub(crate) fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, Error> {
        let millis = |name, default: Duration, allowed| {
            env.number_or(name, millis_of(default), allowed)
                .map(Duration::from_millis)
        };
        Ok(Self {
            connect_timeout: millis(
                "DYNAMODB_CONNECT_TIMEOUT_MS",
                Self::DEFAULT.connect_timeout,
                10..=60_000,
            )?,
            attempt_timeout: millis(
                "DYNAMODB_ATTEMPT_TIMEOUT_MS",
                Self::DEFAULT.attempt_timeout,
                10..=60_000,
            )?,
            operation_timeout: millis(
                "DYNAMODB_OPERATION_TIMEOUT_MS",
                Self::DEFAULT.operation_timeout,
                10..=300_000,
            )?,
            max_attempts: env.number_or(
                "DYNAMODB_MAX_ATTEMPTS",
                Self::DEFAULT.max_attempts,
                1..=10,
            )?,
        })
    }
}

/// Exactly one of the three places a signing key can be given: two would
/// leave it unclear which one signs.
fn key_source<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<KeySource, Error> {
    let given = [
        ("JWT_SECRET", env.get("JWT_SECRET")),
        ("JWT_SIGNING_KEYS", env.get("JWT_SIGNING_KEYS")),
        (
            "JWT_SIGNING_KEYS_SECRET",
            env.get("JWT_SIGNING_KEYS_SECRET"),
        ),
        ("JWT_SIGNING_KMS_KEY_ID", env.get("JWT_SIGNING_KMS_KEY_ID")),
    ];
    let mut set = given
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)));
    let source = match set.next() {
        Some(("JWT_SECRET", secret)) => KeySource::Environment(SigningKeys::single(secret)?),
        Some(("JWT_SIGNING_KEYS", text)) => {
            KeySource::Environment(SigningKeys::from_json(&text, "JWT_SIGNING_KEYS")?)
        }
        Some(("JWT_SIGNING_KMS_KEY_ID", key_id)) => KeySource::Kms { key_id },
        Some((_, secret_id)) => KeySource::SecretsManager { secret_id },
        None if env.get("JWT_PUBLIC_KEYS").is_some() => KeySource::VerifyOnly,
        None => {
            return Err(Error::Config(
                "JWT_SECRET must be set (or JWT_SIGNING_KEYS, JWT_SIGNING_KEYS_SECRET or \
                 JWT_SIGNING_KMS_KEY_ID, or JWT_PUBLIC_KEYS alone in a function that only \
                 verifies)"
                    .into(),
            ));
        }
    };
    if let Some((second, _)) = set.next() {
        return Err(Error::Config(format!(
            "set only one of JWT_SECRET, JWT_SIGNING_KEYS, JWT_SIGNING_KEYS_SECRET and \
             JWT_SIGNING_KMS_KEY_ID; {second} is set too"
        )));
    }
    Ok(source)
}

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

fn millis_of(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl TokenLocations {
    /// The header and the body, the default.
    pub const BOTH: Self = Self {
        headers: true,
        json: true,
    };

    /// Parses a comma-separated list of `headers` and `json`, the names
    /// Flask-JWT-Extended uses for `JWT_TOKEN_LOCATION`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let mut locations = Self {
            headers: false,
            json: false,
        };
        for name in value
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            match name.to_ascii_lowercase().as_str() {
                "headers" => locations.headers = true,
                "json" => locations.json = true,
                "cookies" => {
                    return Err(Error::Config(
                        "TOKEN_LOCATIONS: `cookies` is not supported; Sessionless never uses cookies"
                            .into(),
                    ));
                }
                _ => {
                    return Err(Error::Config(format!(
                        "TOKEN_LOCATIONS: unknown location {name:?}; use `headers`, `json` or `headers,json`"
                    )));
                }
            }
        }
        if !locations.headers && !locations.json {
            return Err(Error::Config(
                "TOKEN_LOCATIONS names no location; use `headers`, `json` or `headers,json`".into(),
            ));
        }
        Ok(locations)
    }
}

/// Environment lookups with the error messages every variable shares.
pub(crate) struct Env<F>(pub(crate) F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.is_empty())
    }

    pub(crate) fn required(&self, name: &str) -> Result<String, Error> {
        self.get(name)
            .ok_or_else(|| Error::Config(format!("{name} must be set")))
    }

    pub(crate) fn string_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// [`Env::number_or`] for a number of seconds.
    pub(crate) fn secs_or(
        &self,
        name: &str,
        default: u64,
        allowed: RangeInclusive<u64>,
    ) -> Result<Duration, Error> {
        self.number_or(name, default, allowed)
            .map(Duration::from_secs)
    }

    pub(crate) fn flag_or(&self, name: &str, default: bool) -> Result<bool, Error> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(Error::Config(format!(
                "{name} must be true or false, got {text:?}"
            ))),
        }
    }

    pub(crate) fn number_or<N>(
        &self,
        name: &str,
        default: N,
        allowed: RangeInclusive<N>,
    ) -> Result<N, Error>
    where
        N: std::str::FromStr + PartialOrd + fmt::Display,
    {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.trim().parse::<N>() {
            Ok(number) if allowed.contains(&number) => Ok(number),
            _ => Err(Error::Config(format!(
                "{name} must be a whole number from {} to {}, got {text:?}",
                allowed.start(),
                allowed.end()
            ))),
        }
    }
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
        assert_eq!(config.jwt_issuer, "sessionless");
        assert_eq!(config.jwt_audience, "sessionless");
        assert_eq!(config.access_token_ttl, Duration::from_secs(900));
        assert_eq!(config.jwt_leeway, Duration::from_secs(5));
        assert_eq!(config.refresh_token_ttl, Duration::from_secs(30 * 86_400));
        assert!(config.accounts.signup_enabled);
        assert!(config.accounts.require_email_verification);
        assert_eq!(config.reset_token_ttl, Duration::from_secs(1_800));
        assert_eq!(config.verify_token_ttl, Duration::from_secs(86_400));
        assert_eq!(config.lockout.lock_after, 5);
        assert_eq!(config.refresh_reuse_interval, Duration::from_secs(10));
        assert_eq!(
            config.refresh_family_max_age,
            Duration::from_secs(90 * 86_400)
        );
        assert_eq!(config.lockout.failure_window, Duration::from_secs(86_400));
        assert_eq!(config.token_locations, TokenLocations::BOTH);
        assert_eq!(config.accounts.dynamodb.max_attempts, 3);
        assert_eq!(
            config.accounts.dynamodb.operation_timeout,
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
    fn accounts_read_no_signing_key() {
        let vars: HashMap<&str, &str> = HashMap::from([("USERS_TABLE", "u")]);
        let accounts = AccountsConfig::from_lookup(|name| vars.get(name).map(|v| v.to_string()))
            .expect("no key needed");
        assert_eq!(accounts.users_table, "u");
        assert!(accounts.signup_enabled);
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

    #[test]
    fn token_locations_parse() {
        let headers = TokenLocations::parse("headers").unwrap();
        assert!(headers.headers && !headers.json);
        let json = TokenLocations::parse(" JSON ").unwrap();
        assert!(!json.headers && json.json);
        assert_eq!(
            TokenLocations::parse("json, headers").unwrap(),
            TokenLocations::BOTH
        );
        assert!(
            TokenLocations::parse("cookies")
                .unwrap_err()
                .to_string()
                .contains("never uses cookies")
        );
        assert!(TokenLocations::parse("query_string").is_err());
        assert!(TokenLocations::parse(" , ").is_err());
    }
}
