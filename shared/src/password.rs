//! Password hashing with argon2id at OWASP's minimum parameters.
//!
//! Hashing and verifying cost tens of milliseconds of CPU, so both run on
//! tokio's blocking pool and never stall the async executor.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::Error;

/// OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_COST_KIB: u32 = 19_456;
pub const TIME_COST: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Longer passwords are refused before hashing: argon2 hashes the whole
/// input, so an unbounded password is a cheap way to burn our CPU.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The shortest password a new account may have (NIST SP 800-63B's minimum).
pub const MIN_NEW_PASSWORD_CHARS: usize = 8;

/// Checks a password chosen for a new account or a password change.
/// Nothing is trimmed or truncated: the password is hashed as given.
pub fn check_new_password(password: &str) -> Result<(), Error> {
    if password.chars().count() < MIN_NEW_PASSWORD_CHARS {
        return Err(Error::bad_request(format!(
            "`password` must be at least {MIN_NEW_PASSWORD_CHARS} characters"
        )));
    }
    check_password_length(password)
}

/// Refuses passwords over [`MAX_PASSWORD_BYTES`] before any hashing.
pub fn check_password_length(password: &str) -> Result<(), Error> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::bad_request(format!(
            "`password` must be at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A hash of a random password nobody knows, made with the parameters above.
/// An unknown email is verified against it, so that the response takes as
/// long as for a known email with a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$bBZwgh3F/286nSpfl7i/RQ$LMBK1TpUyrxXhALgbQ0RVBSYOo24clEhVAeToRX4+JA";

/// The argon2id instance with the project's policy.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(MEMORY_COST_KIB, TIME_COST, PARALLELISM, None).unwrap_or(Params::DEFAULT),
    )
}

/// Hashes `password` with a fresh random salt into a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub async fn hash_password(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| Error::Internal(format!("argon2 hashing failed: {error}")))
    })
    .await
    .map_err(|error| Error::Internal(format!("hashing task failed: {error}")))?
}

/// True when `password` matches `stored_hash`. With no stored hash (unknown
/// user) or an unreadable one, the password is checked against a dummy hash
/// of the same cost and the answer is false: the time taken does not tell
/// whether the account exists.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let Some(stored_hash) = stored_hash else {
            let _ = argon2().verify_password(password.as_bytes(), DUMMY_HASH);
            return false;
        };
        match argon2().verify_password(password.as_bytes(), stored_hash.as_str()) {
            Ok(()) => true,
            Err(argon2::password_hash::Error::PasswordInvalid) => false,
            Err(error) => {
                tracing::error!(%error, "stored password hash is unreadable; refusing the login");
                let _ = argon2().verify_password(password.as_bytes(), DUMMY_HASH);
                false
            }
        }
    })
    .await
    .map_err(|error| Error::Internal(format!("verification task failed: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::phc::PasswordHash;

    #[test]
    fn dummy_hash_uses_the_policy_parameters() {
        let hash = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(hash.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&hash).unwrap();
        assert_eq!(params.m_cost(), MEMORY_COST_KIB);
        assert_eq!(params.t_cost(), TIME_COST);
        assert_eq!(params.p_cost(), PARALLELISM);
    }

    #[test]
    fn new_passwords_have_a_floor_and_a_cap() {
        assert!(check_new_password("seven77").is_err());
        assert!(check_new_password("eight888").is_ok());
        assert!(check_new_password(&"p".repeat(MAX_PASSWORD_BYTES)).is_ok());
        assert!(check_new_password(&"p".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        // Eight characters, but more bytes: the floor counts characters.
        assert!(check_new_password("pässwörd").is_ok());
    }

    #[tokio::test]
    async fn hash_then_verify_round_trips() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify_password("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify_password("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn unknown_user_and_garbage_hash_are_refused() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
        assert!(
            !verify_password("anything".into(), Some("not a hash".into()))
                .await
                .unwrap()
        );
    }
}
