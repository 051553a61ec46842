//! What the discovery function is configured with.

use crate::env::Env;
use crate::error::Error;
use crate::tokens::{KeySource, VerifyingKeys};

use crate::config::keys::key_source;

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
