//! The HMAC keys tokens are signed and verified with, and where they come
//! from: one key in `JWT_SECRET`, a key set in `JWT_SIGNING_KEYS`, or a key
//! set in the Secrets Manager secret `JWT_SIGNING_KEYS_SECRET`, read once per
//! cold start.
//!
//! A key set is a JSON object: `"current"` names the key new tokens are
//! signed with, and every other field is a key id (`kid`) and its key.
//!
//! ```json
//! {"current": "2026-12", "2026-12": "<new key>", "initial": "<old key>"}
//! ```
//!
//! Tokens are verified with whichever listed key their `kid` names, so a
//! rotation adds a key, then makes it current, then retires the old one,
//! and nobody is logged out (docs/deploying.md, "Rotating the signing key").

use std::fmt;

use aws_config::SdkConfig;
use serde_json::{Map, Value};

use crate::error::Error;

/// The shortest key accepted: 256 bits, the output size of HS256.
const MIN_KEY_BYTES: usize = 32;
/// The `kid` of the key given alone in `JWT_SECRET`.
pub const SINGLE_KEY_ID: &str = "default";
/// The field of a key set that names the signing key.
const CURRENT_FIELD: &str = "current";
const MAX_KID_CHARS: usize = 64;

/// One HMAC key and its id. `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    secret: Vec<u8>,
}

impl SigningKey {
    /// Refuses empty or unusual ids, and keys under 32 bytes.
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let (kid, secret) = (kid.into(), secret.into());
        let kid_is_plain = !kid.is_empty()
            && kid.len() <= MAX_KID_CHARS
            && kid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !kid_is_plain {
            return Err(Error::Config(format!(
                "signing key id {kid:?} must be 1 to {MAX_KID_CHARS} letters, digits, `-`, `_` or `.`"
            )));
        }
        if secret.len() < MIN_KEY_BYTES {
            return Err(Error::Config(format!(
                "signing key {kid:?} is {} bytes; at least {MIN_KEY_BYTES} are required \
                 (generate one with `openssl rand -base64 48`)",
                secret.len()
            )));
        }
        Ok(Self { kid, secret })
    }

    /// The key's id, which tokens carry in their `kid` header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The HMAC key itself.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?}, <redacted>)", self.kid)
    }
}

/// The keys a deployment verifies with, one of which it signs with.
#[derive(Debug, Clone)]
pub struct SigningKeys {
    current: SigningKey,
    /// The others, verified but never signed with.
    previous: Vec<SigningKey>,
}

impl SigningKeys {
    /// `JWT_SECRET`: one key, with the id [`SINGLE_KEY_ID`].
    pub fn single(secret: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let current = SigningKey::new(SINGLE_KEY_ID, secret)
            .map_err(|error| Error::Config(format!("JWT_SECRET: {}", error_text(&error))))?;
        Ok(Self {
            current,
            previous: Vec::new(),
        })
    }

    /// A key set in its JSON form; `origin` names where it came from, for
    /// the error. The message never quotes a key.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, Error> {
        let invalid = |detail: String| Error::Config(format!("{origin}: {detail}"));
        let fields: Map<String, Value> = serde_json::from_str(text).map_err(|error| {
            invalid(format!(
                "not a JSON object of key ids and keys ({})",
                json_problem(&error)
            ))
        })?;
        let current_kid = match fields.get(CURRENT_FIELD) {
            Some(Value::String(kid)) => kid.clone(),
            _ => {
                return Err(invalid(format!(
                    "`{CURRENT_FIELD}` must name the key to sign with"
                )));
            }
        };
        let mut current = None;
        let mut previous = Vec::new();
        for (kid, value) in fields {
            if kid == CURRENT_FIELD {
                continue;
            }
            let Value::String(secret) = value else {
                return Err(invalid(format!("the key {kid:?} must be a string")));
            };
            let key = SigningKey::new(kid, secret).map_err(|error| invalid(error_text(&error)))?;
            if key.kid == current_kid {
                current = Some(key);
            } else {
                previous.push(key);
            }
        }
        let current = current.ok_or_else(|| {
            invalid(format!(
                "`{CURRENT_FIELD}` is {current_kid:?}, which is not a listed key"
            ))
        })?;
        Ok(Self { current, previous })
    }

    /// The key new tokens are signed with.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// Every key a token may be verified with, the current one first.
    pub fn all(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }
}

/// Where the keys come from, as the configuration says.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Given in the environment: `JWT_SECRET` or `JWT_SIGNING_KEYS`.
    Environment(SigningKeys),
    /// `JWT_SIGNING_KEYS_SECRET`: a Secrets Manager secret's name or ARN.
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: String,
    },
}

impl KeySource {
    /// The keys themselves; from Secrets Manager, one GetSecretValue with
    /// the same timeouts and retries as every other AWS call.
    pub async fn load(&self, sdk_config: &SdkConfig) -> Result<SigningKeys, Error> {
        let secret_id = match self {
            KeySource::Environment(keys) => return Ok(keys.clone()),
            KeySource::SecretsManager { secret_id } => secret_id,
        };
        let client = aws_sdk_secretsmanager::Client::new(sdk_config);
        let origin = format!("JWT_SIGNING_KEYS_SECRET {secret_id}");
        let output = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|error| {
                Error::Config(format!(
                    "{origin}: reading the secret failed: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&error)
                ))
            })?;
        let text = output
            .secret_string()
            .ok_or_else(|| Error::Config(format!("{origin}: the secret has no string value")))?;
        SigningKeys::from_json(text, &origin)
    }
}

/// The message of a configuration error, without its "configuration" prefix.
fn error_text(error: &Error) -> String {
    match error {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

/// What kind of JSON problem, without positions or content: the text may
/// be a secret with a typo in it.
fn json_problem(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "unreadable",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "not an object",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "a-signing-key-of-at-least-thirty-two-bytes";
    const KEY_B: &str = "another-signing-key-at-least-thirty-two-b";

    #[test]
    fn a_key_set_signs_with_current_and_lists_the_rest() {
        let text = format!(r#"{{"current": "b", "a": "{KEY_A}", "b": "{KEY_B}"}}"#);
        let keys = SigningKeys::from_json(&text, "test").unwrap();
        assert_eq!(keys.current().kid(), "b");
        assert_eq!(keys.current().secret(), KEY_B.as_bytes());
        let kids: Vec<_> = keys.all().map(SigningKey::kid).collect();
        assert_eq!(kids, ["b", "a"]);
    }

    #[test]
    fn bad_key_sets_are_refused_without_quoting_keys() {
        let cases = [
            ("not json".to_owned(), "invalid JSON"),
            (r#"["a"]"#.to_owned(), "not an object"),
            (format!(r#"{{"a": "{KEY_A}"}}"#), "`current` must name"),
            (
                format!(r#"{{"current": "b", "a": "{KEY_A}"}}"#),
                "not a listed key",
            ),
            (
                r#"{"current": "a", "a": "short"}"#.to_owned(),
                "at least 32",
            ),
            (
                format!(r#"{{"current": "a", "a": {{"k": "{KEY_A}"}}}}"#),
                "must be a string",
            ),
            (
                format!(r#"{{"current": "a b", "a b": "{KEY_A}"}}"#),
                "letters, digits",
            ),
            (
                format!(r#"{{"current": "a", "a": "{KEY_A}", "": "{KEY_B}"}}"#),
                "letters, digits",
            ),
        ];
        for (text, expected) in cases {
            let message = SigningKeys::from_json(&text, "JWT_SIGNING_KEYS")
                .unwrap_err()
                .to_string();
            assert!(message.contains("JWT_SIGNING_KEYS"), "{message}");
            assert!(message.contains(expected), "{text}: {message}");
            assert!(
                !message.contains(KEY_A) && !message.contains("short"),
                "{message}"
            );
        }
    }

    #[test]
    fn debug_never_prints_a_key() {
        let keys = SigningKeys::single(KEY_A).unwrap();
        let debug = format!("{keys:?}");
        assert!(
            debug.contains("default") && !debug.contains(KEY_A),
            "{debug}"
        );
    }
}
