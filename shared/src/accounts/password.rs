//! Password hashing with argon2id, at OWASP's minimum parameters or above.
//!
//! Hashing and verifying cost tens of milliseconds of CPU, so both run on
//! tokio's blocking pool and never stall the async executor.
//!
//! argon2's working memory (19 MiB at the default cost) is allocated once
//! and reused by every later hash and verify: allocated per call, it costs
//! thousands of page faults each time, and glibc keeps freed copies in the
//! blocking threads' arenas, which multiplies a function's peak memory.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::Error;
use crate::ids::fill_random;

/// Longer passwords are refused before hashing: argon2 hashes the whole
/// input, so an unbounded password is a cheap way to burn our CPU. Counted
/// in characters (at most 4 KiB), as openapi.yaml's schemas state it.
const MAX_PASSWORD_CHARS: usize = 1024;

/// The shortest password a new account may have (NIST SP 800-63B's minimum).
const MIN_NEW_PASSWORD_CHARS: usize = 8;

/// A password as a client typed it. `Debug` never prints it, so the inputs
/// that carry one can derive `Debug`.
#[derive(Clone, Copy)]
pub struct Password<'a>(pub &'a str);

impl fmt::Debug for Password<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

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

/// Refuses passwords over 1024 characters before any hashing.
pub fn check_password_length(password: &str) -> Result<(), Error> {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(Error::bad_request(format!(
            "`password` must be at most {MAX_PASSWORD_CHARS} characters"
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
    /// The cost of the strongest hash stored, when it is above this
    /// policy's (the policy was lowered since it was written): every
    /// refusal then costs its work, so that a wrong password against it
    /// takes no longer than an unknown email (review 2, L7). `None` when no
    /// stored hash costs more than the policy.
    pub strongest_in_use: Option<HashCost>,
}

/// The price of an argon2 hash, as far as time goes: its memory and
/// passes. Its work, which is what it takes to compute, is about their
/// product, whatever the lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
}

impl HashCost {
    /// Memory × passes.
    pub fn work(self) -> u64 {
        u64::from(self.memory_kib) * u64::from(self.iterations)
    }

    fn of(params: &Params) -> Self {
        Self {
            memory_kib: params.m_cost(),
            iterations: params.t_cost(),
        }
    }
}

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    /// The password is the stored one.
    pub matches: bool,
    /// The stored hash is not at the policy's cost (cheaper, or dearer
    /// after the policy was lowered): re-hash it while the password is at
    /// hand, so that every hash comes to cost the same.
    pub outdated: bool,
}

/// An unknown email costs a hash with this salt: the same work as verifying
/// a stored hash at the policy's cost, with nothing to compare against.
const DUMMY_SALT: &[u8] = b"sessionless-unknown-user";

/// Salt and hash lengths of new hashes: argon2's recommended 128-bit salt
/// and its default 256-bit output.
const SALT_BYTES: usize = 16;
const OUTPUT_BYTES: usize = 32;

/// Working memory left by finished hashes, for the next one to reuse. A
/// Lambda environment runs one request at a time, so it holds one area;
/// concurrent hashes (tests, the admin tool) each take their own.
static SPARE_WORK_AREAS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Hashes `password` with `salt` into `output`, in reused working memory.
fn hash_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    output: &mut [u8],
) -> Result<(), argon2::Error> {
    let block_count = argon2.params().block_count();
    let spare = SPARE_WORK_AREAS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop();
    let mut memory = spare.unwrap_or_default();
    if memory.len() < block_count {
        memory.resize(block_count, Block::default());
    }
    let result =
        argon2.hash_password_into_with_memory(password, salt, output, memory.as_mut_slice());
    SPARE_WORK_AREAS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(memory);
    result
}

/// Recomputes `hash` for `password`, with the parameters the hash records,
/// and compares in constant time.
fn verify(password: &[u8], hash: &PasswordHash) -> Result<bool, String> {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err("hash without salt or output".into());
    };
    let algorithm = Algorithm::try_from(hash.algorithm.as_str()).map_err(|e| e.to_string())?;
    let version = Version::try_from(hash.version.unwrap_or(Version::V0x13.into()))
        .map_err(|e| e.to_string())?;
    let params = Params::try_from(hash).map_err(|e| e.to_string())?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    hash_into(&argon2, password, salt, &mut computed).map_err(|e| e.to_string())?;
    let computed = Output::new(&computed).map_err(|e| e.to_string())?;
    // Output's equality is constant-time.
    Ok(&computed == expected)
}

impl PasswordPolicy {
    /// OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB,
    /// 2 passes, 1 lane. Also the floor the configuration accepts.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
        strongest_in_use: None,
    };

    /// argon2id v1.3 at this policy's cost.
    fn argon2(self) -> Result<Argon2<'static>, Error> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(OUTPUT_BYTES),
        )
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
            let failed = |error: &dyn std::fmt::Display| {
                Error::Internal(format!("argon2 hashing failed: {error}"))
            };
            let argon2 = self.argon2()?;
            let mut salt = [0u8; SALT_BYTES];
            fill_random(&mut salt)?;
            let mut output = [0u8; OUTPUT_BYTES];
            hash_into(&argon2, password.as_bytes(), &salt, &mut output)
                .map_err(|error| failed(&error))?;
            let hash = PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(argon2.params()).map_err(|error| failed(&error))?,
                salt: Some(Salt::new(&salt).map_err(|error| failed(&error))?),
                hash: Some(Output::new(&output).map_err(|error| failed(&error))?),
            };
            Ok(hash.to_string())
        })
        .await
    }

    /// Checks `password` against `stored_hash`. With no stored hash (unknown
    /// user) or an unreadable one, the same work is done and the answer is
    /// no match: the time taken does not tell whether the account exists.
    /// Every refusal costs the same: the policy's price, or the strongest
    /// stored hash's when that is dearer ([`PasswordPolicy::strongest_in_use`]).
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
                    let mut output = [0u8; OUTPUT_BYTES];
                    let _ = hash_into(&argon2, password.as_bytes(), DUMMY_SALT, &mut output);
                    self.pad_refusal(password.as_bytes(), self.cost().work());
                    return Ok(PasswordCheck {
                        matches: false,
                        outdated: false,
                    });
                }
            };
            let matches = match verify(password.as_bytes(), &hash) {
                Ok(matches) => matches,
                Err(error) => {
                    tracing::error!(%error, "stored password hash did not verify; refusing the login");
                    false
                }
            };
            let stored = Params::try_from(&hash).ok().map(|params| HashCost::of(&params));
            if !matches {
                // A cheaper stored hash verifies faster than an unknown
                // email's dummy: make up the difference, so a refusal costs
                // the same either way.
                self.pad_refusal(password.as_bytes(), stored.map_or(0, HashCost::work));
            }
            if let Some(stored) = stored.filter(|stored| stored.work() > self.refusal_work()) {
                tracing::warn!(
                    memory_kib = stored.memory_kib,
                    iterations = stored.iterations,
                    "a stored password hash costs more than every refusal: a wrong password \
                     against it takes longer than an unknown email until it is re-hashed; \
                     set ARGON2_STRONGEST_IN_USE to its cost"
                );
            }
            Ok(PasswordCheck {
                matches,
                outdated: self.differs_from(&hash),
            })
        })
        .await
    }

    /// The cost of the hashes this policy makes.
    pub fn cost(self) -> HashCost {
        HashCost {
            memory_kib: self.memory_kib,
            iterations: self.iterations,
        }
    }

    /// The work every refusal costs.
    fn refusal_work(self) -> u64 {
        let strongest = self.strongest_in_use.map_or(0, HashCost::work);
        self.cost().work().max(strongest)
    }

    /// Spends what a refusal that did `done` work still owes.
    fn pad_refusal(self, password: &[u8], done: u64) {
        for params in self.padding(done) {
            let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
            let mut output = [0u8; OUTPUT_BYTES];
            let _ = hash_into(&argon2, password, DUMMY_SALT, &mut output);
        }
    }

    /// The argon2 runs that make up what `done` work falls short of a
    /// refusal's price: argon2's work is about memory × passes, so whole
    /// passes over the policy's memory, then one pass over the rest (never
    /// more memory than the policy's). None when nothing is owed.
    fn padding(self, done: u64) -> Vec<Params> {
        let missing = self.refusal_work().saturating_sub(done);
        let memory = u64::from(self.memory_kib);
        let passes = u32::try_from(missing / memory).unwrap_or(u32::MAX);
        let rest = u32::try_from(missing % memory).unwrap_or(0);
        let smallest = 8 * self.parallelism;
        let mut runs = Vec::new();
        if passes > 0 {
            runs.extend(
                Params::new(
                    self.memory_kib,
                    passes,
                    self.parallelism,
                    Some(OUTPUT_BYTES),
                )
                .ok(),
            );
        }
        if rest >= smallest {
            runs.extend(Params::new(rest, 1, self.parallelism, Some(OUTPUT_BYTES)).ok());
        }
        runs
    }

    /// True when `hash` is not argon2id v1.3 at exactly this policy's
    /// costs.
    fn differs_from(self, hash: &PasswordHash) -> bool {
        let Ok(params) = Params::try_from(hash) else {
            return true;
        };
        hash.algorithm.as_str() != "argon2id"
            || hash.version != Some(0x13)
            || params.m_cost() != self.memory_kib
            || params.t_cost() != self.iterations
            || params.p_cost() != self.parallelism
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
        assert!(check_new_password(&"p".repeat(MAX_PASSWORD_CHARS)).is_ok());
        assert!(check_new_password(&"p".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
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

    /// Hashes made by argon2's own `PasswordHasher` verify here, and ours
    /// verify there: stored hashes from any argon2 implementation keep
    /// working with the reused working memory.
    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"interop password")
            .unwrap()
            .to_string();
        let check = POLICY
            .check("interop password".into(), Some(theirs.clone()))
            .await
            .unwrap();
        assert!(check.matches && !check.outdated, "{theirs}");
        let ours = POLICY.hash("interop password".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interop password", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"another password", &parsed)
                .is_err()
        );
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

    /// argon2 work (memory × passes) of a list of runs.
    fn work(runs: &[Params]) -> u64 {
        runs.iter()
            .map(|params| u64::from(params.m_cost()) * u64::from(params.t_cost()))
            .sum()
    }

    #[tokio::test]
    async fn refusals_against_cheaper_hashes_are_padded_to_the_policy_price() {
        let old_work = 19_456 * 2;
        for stronger in [
            PasswordPolicy {
                iterations: 3,
                ..POLICY
            },
            PasswordPolicy {
                memory_kib: 65_536,
                ..POLICY
            },
            PasswordPolicy {
                memory_kib: 32_768,
                iterations: 4,
                parallelism: 2,
                strongest_in_use: None,
            },
        ] {
            let runs = stronger.padding(old_work);
            assert_eq!(
                old_work + work(&runs),
                stronger.cost().work(),
                "{stronger:?}"
            );
            assert!(
                runs.iter()
                    .all(|params| params.m_cost() <= stronger.memory_kib),
                "never more memory than the policy: {runs:?}"
            );
        }
        assert!(
            POLICY.padding(old_work).is_empty(),
            "the policy's own price"
        );
    }

    /// Review 2, L7: after the policy was lowered, every refusal, an
    /// unknown email's included, costs what the dearest stored hash does.
    #[test]
    fn refusals_cost_the_strongest_hash_in_use() {
        let strongest = HashCost {
            memory_kib: 65_536,
            iterations: 3,
        };
        let lowered = PasswordPolicy {
            strongest_in_use: Some(strongest),
            ..POLICY
        };
        for done in [
            lowered.cost().work(),
            19_456,
            HashCost {
                memory_kib: 32_768,
                iterations: 4,
            }
            .work(),
        ] {
            let runs = lowered.padding(done);
            let total = done + work(&runs);
            // Within one smallest run (8 KiB per lane) of the price.
            assert!(
                strongest.work() - total < 8,
                "{done} + {runs:?} = {total}, not {}",
                strongest.work()
            );
        }
        assert!(lowered.padding(strongest.work()).is_empty());
    }

    #[tokio::test]
    async fn hashes_below_the_policy_are_outdated() {
        let old = POLICY.hash("pw-123456".into()).await.unwrap();
        let stronger = PasswordPolicy {
            memory_kib: 32_768,
            ..POLICY
        };
        let check = stronger.check("pw-123456".into(), Some(old.clone()));
        let check = check.await.unwrap();
        assert_eq!((check.matches, check.outdated), (true, true));
        let more_passes = PasswordPolicy {
            iterations: 3,
            ..POLICY
        };
        assert!(
            more_passes
                .check("pw-123456".into(), Some(old.clone()))
                .await
                .unwrap()
                .outdated
        );
        // Review 2, L7: and so are hashes above it, after it was lowered.
        let dear = stronger.hash("pw-123456".into()).await.unwrap();
        let check = POLICY.check("pw-123456".into(), Some(dear)).await.unwrap();
        assert_eq!((check.matches, check.outdated), (true, true));
        let check = POLICY.check("pw-123456".into(), Some(old)).await.unwrap();
        assert_eq!(
            (check.matches, check.outdated),
            (true, false),
            "at the policy"
        );
    }
}
