//! Where the signing keys come from: exactly one of the variables that
//! name them.

use crate::env::Env;
use crate::error::Error;
use crate::tokens::{KeySource, SigningKeys};

/// Exactly one of the three places a signing key can be given: two would
/// leave it unclear which one signs.
pub(crate) fn key_source<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<KeySource, Error> {
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
