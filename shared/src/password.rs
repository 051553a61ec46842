//! Password hashing with argon2id, at OWASP's minimum parameters or above.
//!
//! Hashing and verifying cost tens of milliseconds of CPU, so both run on
//! tokio's blocking pool and never stall the async executor.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::Error;

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

/// The argon2id cost every new hash gets (`ARGON2_*`). Stored hashes below
/// it still verify, and are re-hashed at the user's next login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    pub matches: bool,
    /// The stored hash is weaker than the policy: re-hash it while the
    /// password is at hand.
    pub outdated: bool,
}

/// An unknown email costs a hash with this salt: the same work as verifying
/// a stored hash at the policy's cost, with nothing to compare against.
const DUMMY_SALT: &[u8] = b"sessionless-unknown-user";

impl PasswordPolicy {
    /// OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB,
    /// 2 passes, 1 lane. Also the floor the configuration accepts.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    fn argon2(self) -> Result<Argon2<'static>, Error> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|error| Error::Config(format!("argon2 parameters: {error}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Checks that argon2 accepts these parameters; for the cold start.
    pub fn validate(self) -> Result<Self, Error> {
        self.argon2().map(|_| self)
    }

    /// Hashes `password` with a fresh random salt into a PHC string
    /// (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(self, password: String) -> Result<String, Error> {
        run_blocking(move || {
            self.argon2()?
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|error| Error::Internal(format!("argon2 hashing failed: {error}")))
        })
        .await
    }

    /// Checks `password` against `stored_hash`. With no stored hash (unknown
    /// user) or an unreadable one, the same work is done and the answer is
    /// no match: the time taken does not tell whether the account exists.
    pub async fn check(
        self,
        password: String,
        stored_hash: Option<String>,
    ) -> Result<PasswordCheck, Error> {
        run_blocking(move || {
            let argon2 = self.argon2()?;
            let parsed = stored_hash.as_deref().map(PasswordHash::new);
            let hash = match parsed {
                Some(Ok(hash)) => hash,
                unknown_or_unreadable => {
                    if let Some(Err(error)) = unknown_or_unreadable {
                        tracing::error!(%error, "stored password hash is unreadable; refusing the login");
                    }
                    let mut output = [0u8; 32];
                    let _ = argon2.hash_password_into(password.as_bytes(), DUMMY_SALT, &mut output);
                    return Ok(PasswordCheck {
                        matches: false,
                        outdated: false,
                    });
                }
            };
            let matches = match argon2.verify_password(password.as_bytes(), &hash) {
                Ok(()) => true,
                Err(argon2::password_hash::Error::PasswordInvalid) => false,
                Err(error) => {
                    tracing::error!(%error, "stored password hash did not verify; refusing the login");
                    false
                }
            };
            Ok(PasswordCheck {
                matches,
                outdated: self.is_stronger_than(&hash),
            })
        })
        .await
    }

    /// True when `hash` is not argon2id v1.3, or any of its costs is below
    /// this policy's.
    fn is_stronger_than(self, hash: &PasswordHash) -> bool {
        let Ok(params) = Params::try_from(hash) else {
            return true;
        };
        hash.algorithm.as_str() != "argon2id"
            || hash.version != Some(0x13)
            || params.m_cost() < self.memory_kib
            || params.t_cost() < self.iterations
            || params.p_cost() < self.parallelism
    }
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| Error::Internal(format!("password task failed: {error}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: PasswordPolicy = PasswordPolicy::OWASP_MINIMUM;

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
    async fn hash_then_check_round_trips() {
        let hash = POLICY.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let right = POLICY
            .check("correct horse".into(), Some(hash.clone()))
            .await
            .unwrap();
        assert_eq!(
            right,
            PasswordCheck {
                matches: true,
                outdated: false
            }
        );
        let wrong = POLICY
            .check("wrong horse".into(), Some(hash))
            .await
            .unwrap();
        assert!(!wrong.matches);
    }

    #[tokio::test]
    async fn long_passwords_are_not_truncated() {
        let long = "p".repeat(100);
        let hash = POLICY.hash(long.clone()).await.unwrap();
        let mut almost = long.clone();
        almost.replace_range(99.., "q");
        assert!(
            POLICY
                .check(long, Some(hash.clone()))
                .await
                .unwrap()
                .matches
        );
        assert!(!POLICY.check(almost, Some(hash)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn unknown_user_and_garbage_hash_are_refused() {
        assert!(!POLICY.check("anything".into(), None).await.unwrap().matches);
        let garbage = POLICY
            .check("anything".into(), Some("not a hash".into()))
            .await
            .unwrap();
        assert!(!garbage.matches);
    }

    #[tokio::test]
    async fn hashes_below_the_policy_are_outdated() {
        let old = POLICY.hash("pw-123456".into()).await.unwrap();
        let stronger = PasswordPolicy {
            memory_kib: 32_768,
            ..POLICY
        };
        let check = stronger
            .check("pw-123456".into(), Some(old.clone()))
            .await
            .unwrap();
        assert_eq!(
            check,
            PasswordCheck {
                matches: true,
                outdated: true
            }
        );
        let more_passes = PasswordPolicy {
            iterations: 3,
            ..POLICY
        };
        assert!(
            more_passes
                .check("pw-123456".into(), Some(old))
                .await
                .unwrap()
                .outdated
        );
    }
}
