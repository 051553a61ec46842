//! The keys tokens are signed with, and where they come from: one HMAC key
//! in `JWT_SECRET`, a key set in `JWT_SIGNING_KEYS`, or a key set in the
//! Secrets Manager secret `JWT_SIGNING_KEYS_SECRET`, read once per cold
//! start.
//!
//! A key set is a JSON object: `"current"` names the key new tokens are
//! signed with, and every other field is a key id (`kid`) and its key: an
//! HMAC secret (HS256), or a PEM private key, RSA (RS256) or EC P-256
//! (ES256). Each key's algorithm follows from the key and is pinned to it:
//! a token whose header names another algorithm is refused.
//!
//! ```json
//! {"current": "2026-12", "2026-12": "-----BEGIN PRIVATE KEY-----...", "initial": "<old key>"}
//! ```
//!
//! Tokens are verified with whichever listed key their `kid` names, so a
//! rotation adds a key, then makes it current, then retires the old one,
//! and nobody is logged out (docs/deploying.md, "Rotating the signing key").

use std::fmt;

use aws_config::SdkConfig;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::error::Error;

/// The shortest HMAC key accepted: 256 bits, the output size of HS256.
const MIN_KEY_BYTES: usize = 32;
/// The `kid` of the key given alone in `JWT_SECRET`.
pub const SINGLE_KEY_ID: &str = "default";
/// The field of a key set that names the signing key.
const CURRENT_FIELD: &str = "current";
const MAX_KID_CHARS: usize = 64;
/// How every PEM document starts.
const PEM_START: &str = "-----BEGIN ";

/// The algorithms tokens are signed with: HMAC for a single service,
/// RSA (what API Gateway's JWT authorizer accepts) and ECDSA for tokens
/// that others verify with the public key alone.
pub const ALGORITHMS: [Algorithm; 3] = [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256];

/// An algorithm's name as the algorithm, if it is one of [`ALGORITHMS`].
pub fn parse_algorithm(name: &str) -> Result<Algorithm, Error> {
    ALGORITHMS
        .into_iter()
        .find(|alg| format!("{alg:?}") == name)
        .ok_or_else(|| {
            Error::Config(format!(
                "the algorithm is {name:?}; it must be RS256, ES256 or HS256"
            ))
        })
}

/// One signing key, its id and its algorithm. `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    material: Material,
}

#[derive(Clone)]
enum Material {
    /// An HMAC secret.
    Secret(Vec<u8>),
    /// A PEM private key, checked to load as `algorithm`'s.
    PrivatePem(String),
}

impl SigningKey {
    /// An HMAC key (HS256). Refuses empty or unusual ids, and keys under 32
    /// bytes.
    pub fn new(kid: impl Into<String>, secret: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let (kid, secret) = (checked_kid(kid.into())?, secret.into());
        if secret.len() < MIN_KEY_BYTES {
            return Err(Error::Config(format!(
                "signing key {kid:?} is {} bytes; at least {MIN_KEY_BYTES} are required \
                 (generate one with `openssl rand -base64 48`)",
                secret.len()
            )));
        }
        Ok(Self {
            kid,
            algorithm: Algorithm::HS256,
            material: Material::Secret(secret),
        })
    }

    /// A PEM private key (PKCS#8 `PRIVATE KEY`, or `RSA PRIVATE KEY`): RSA
    /// signs RS256, EC P-256 signs ES256.
    pub fn from_private_pem(kid: impl Into<String>, pem: &str) -> Result<Self, Error> {
        let kid = checked_kid(kid.into())?;
        let bytes = pem.trim().as_bytes();
        let algorithm = if EncodingKey::from_rsa_pem(bytes).is_ok() {
            Algorithm::RS256
        } else if EncodingKey::from_ec_pem(bytes).is_ok() {
            Algorithm::ES256
        } else {
            return Err(Error::Config(format!(
                "signing key {kid:?} is not a PEM private key for RS256 (RSA) or ES256 \
                 (EC P-256); generate one with `sessionless-admin generate-signing-key`"
            )));
        };
        let key = Self {
            kid,
            algorithm,
            material: Material::PrivatePem(pem.trim().to_owned()),
        };
        // An EC key of another curve loads, and fails only here.
        key.public_jwk()?;
        Ok(key)
    }

    /// The key's id, which tokens carry in their `kid` header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm this key signs and verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key to sign with.
    pub fn encoding_key(&self) -> Result<EncodingKey, Error> {
        let loaded = match &self.material {
            Material::Secret(secret) => EncodingKey::from_secret(secret),
            Material::PrivatePem(pem) if self.algorithm == Algorithm::RS256 => {
                EncodingKey::from_rsa_pem(pem.as_bytes())
            }
            Material::PrivatePem(pem) => EncodingKey::from_ec_pem(pem.as_bytes()),
        };
        loaded.map_err(|error| self.unusable(error))
    }

    /// The key to verify with: the secret itself for HMAC, the public half
    /// otherwise.
    pub fn decoding_key(&self) -> Result<DecodingKey, Error> {
        match &self.material {
            Material::Secret(secret) => {
                DecodingKey::from_secret(secret).map_err(|error| self.unusable(error))
            }
            Material::PrivatePem(_) => {
                DecodingKey::from_jwk(&self.public_jwk()?).map_err(|error| self.unusable(error))
            }
        }
    }

    /// The public key as a JWK (RFC 7517) with `kid`, `alg` and `use`, for
    /// the JWKS. An HMAC key has no public half: it is never published.
    pub fn public_jwk(&self) -> Result<Jwk, Error> {
        if matches!(self.material, Material::Secret(_)) {
            return Err(Error::Config(format!(
                "signing key {:?} is an HMAC secret, which has no public key",
                self.kid
            )));
        }
        let mut jwk = Jwk::from_encoding_key(&self.encoding_key()?, self.algorithm)
            .map_err(|error| self.unusable(error))?;
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Ok(jwk)
    }

    /// True for an HMAC key, which signs and verifies alike.
    pub fn is_secret(&self) -> bool {
        matches!(self.material, Material::Secret(_))
    }

    fn unusable(&self, error: jsonwebtoken::errors::Error) -> Error {
        Error::Config(format!(
            "signing key {:?} is not a usable {:?} key: {error}",
            self.kid, self.algorithm
        ))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey({:?}, {:?}, <redacted>)",
            self.kid, self.algorithm
        )
    }
}

/// Refuses empty or unusual key ids: they travel in every token's header.
fn checked_kid(kid: String) -> Result<String, Error> {
    let kid_is_plain = !kid.is_empty()
        && kid.len() <= MAX_KID_CHARS
        && kid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if kid_is_plain {
        Ok(kid)
    } else {
        Err(Error::Config(format!(
            "signing key id {kid:?} must be 1 to {MAX_KID_CHARS} letters, digits, `-`, `_` or `.`"
        )))
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
    /// `JWT_SECRET`: one HMAC key, with the id [`SINGLE_KEY_ID`].
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
            let Value::String(key) = value else {
                return Err(invalid(format!("the key {kid:?} must be a string")));
            };
            let key = if key.trim_start().starts_with(PEM_START) {
                SigningKey::from_private_pem(kid, &key)
            } else {
                SigningKey::new(kid, key)
            }
            .map_err(|error| invalid(error_text(&error)))?;
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

/// Where the signing keys come from, as the configuration says.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// None: a function that only verifies, with `JWT_PUBLIC_KEYS`.
    VerifyOnly,
    /// Given in the environment: `JWT_SECRET` or `JWT_SIGNING_KEYS`.
    Environment(SigningKeys),
    /// `JWT_SIGNING_KEYS_SECRET`: a Secrets Manager secret's name or ARN.
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: String,
    },
    /// `JWT_SIGNING_KMS_KEY_ID`: an asymmetric KMS key, which signs every
    /// token itself ([`crate::tokens::KmsSigner`]).
    Kms {
        /// The key's id or ARN.
        key_id: String,
    },
}

impl KeySource {
    /// The keys themselves, if any; from Secrets Manager, one
    /// GetSecretValue with the same timeouts and retries as every other
    /// AWS call.
    pub async fn load(&self, sdk_config: &SdkConfig) -> Result<Option<SigningKeys>, Error> {
        let secret_id = match self {
            KeySource::VerifyOnly => return Ok(None),
            KeySource::Environment(keys) => return Ok(Some(keys.clone())),
            KeySource::SecretsManager { secret_id } => secret_id,
            KeySource::Kms { key_id } => {
                return Err(Error::Config(format!(
                    "JWT_SIGNING_KMS_KEY_ID {key_id}: a KMS key signs itself and holds no key \
                     set to load"
                )));
            }
        };
        let client = aws_sdk_secretsmanager::Client::new(sdk_config);
        let origin = format!("JWT_SIGNING_KEYS_SECRET {secret_id}");
        let output = client
            .get_secret_value()
            .secret_id(secret_id)
            // AWS's default, named: the rotation script moves this label
            // to a new version (scripts/signing_keys.py `write`), and moto
            // follows the label only when a read names it.
            .version_stage("AWSCURRENT")
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
        SigningKeys::from_json(text, &origin).map(Some)
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
        assert_eq!(keys.current().algorithm(), Algorithm::HS256);
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
