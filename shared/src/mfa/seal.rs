//! Secrets sealed at rest: encrypted and authenticated, so that a reader
//! of the table (or of a client's setup token) learns nothing and can
//! change nothing unnoticed.
//!
//! Envelope encryption: each secret is sealed with AES-256-GCM under a
//! data key of its own, and the data key is kept wrapped beside it. In
//! AWS, KMS makes and wraps the data key (`kms:GenerateDataKey`) and only
//! the functions that check codes may unwrap it (`kms:Decrypt`), under a
//! key of its own (`MFA_KMS_KEY_ID`). In the local stack and the tests a
//! local key (`MFA_LOCAL_KEY`) wraps it instead, with AES-256-GCM.
//!
//! Each seal names what it is for and whose it is (its context): KMS's
//! encryption context and the AEAD's additional data both bind it, so a
//! sealed value moved to another account's item, or from a setup token
//! into a stored secret, does not open.
//!
//! A sealed value reads `v1.<wrapped data key>.<nonce, ciphertext and
//! tag>`, both base64url.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_sdk_kms::Client;
use aws_sdk_kms::operation::decrypt::DecryptError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use crate::aws::aws_error;
use crate::error::Error;
use crate::ids::fill_random;

/// Bytes in a data key, and in the local key: AES-256.
pub const KEY_BYTES: usize = 32;
/// The version prefix of every sealed value.
const VERSION: &str = "v1";
/// Longer sealed values are refused before any decoding: a 20-byte secret
/// seals to about 300 characters with a KMS-wrapped key.
const MAX_SEALED_CHARS: usize = 2048;

/// What a sealed value is for and whose it is: name and value pairs,
/// bound into the seal. Opening needs the very same pairs.
pub type SealContext<'a> = [(&'a str, &'a str)];

/// Who wraps the data keys.
#[derive(Clone)]
pub enum SecretKeeper {
    /// A KMS symmetric key (`MFA_KMS_KEY_ID`).
    Kms {
        /// The KMS client, built once per cold start.
        client: Client,
        /// The key's id or ARN.
        key_id: String,
    },
    /// A local AES-256 key (`MFA_LOCAL_KEY`), for the local stack and the
    /// tests.
    Local {
        /// The key's bytes.
        key: Zeroizing<[u8; KEY_BYTES]>,
    },
}

impl fmt::Debug for SecretKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretKeeper::Kms { key_id, .. } => {
                f.debug_struct("Kms").field("key_id", key_id).finish()
            }
            SecretKeeper::Local { .. } => f.write_str("Local(<redacted>)"),
        }
    }
}

impl SecretKeeper {
    /// Seals `plaintext` for `context` under a new data key.
    ///
    /// # Errors
    ///
    /// KMS failures ([`Error::AwsUnavailable`], [`Error::AwsFailure`]) and
    /// [`Error::Internal`] for a failing RNG.
    pub async fn seal(&self, plaintext: &[u8], context: &SealContext<'_>) -> Result<String, Error> {
        let (data_key, wrapped) = self.new_data_key(context).await?;
        let sealed = aead_seal(&data_key, plaintext, context)?;
        Ok(format!(
            "{VERSION}.{}.{}",
            URL_SAFE_NO_PAD.encode(wrapped),
            URL_SAFE_NO_PAD.encode(sealed)
        ))
    }

    /// Opens what [`Self::seal`] sealed for `context`: `None` when it does
    /// not open (mangled, changed, sealed for another context or under
    /// another key), which says nothing about which.
    ///
    /// # Errors
    ///
    /// KMS failures other than a refused ciphertext.
    pub async fn open(
        &self,
        sealed: &str,
        context: &SealContext<'_>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        let Some((wrapped, sealed)) = split_sealed(sealed) else {
            return Ok(None);
        };
        let Some(data_key) = self.unwrap_data_key(&wrapped, context).await? else {
            return Ok(None);
        };
        Ok(aead_open(&data_key, &sealed, context))
    }

    /// A new data key, and the same key wrapped.
    async fn new_data_key(
        &self,
        context: &SealContext<'_>,
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error> {
        match self {
            SecretKeeper::Kms { client, key_id } => {
                let output = client
                    .generate_data_key()
                    .key_id(key_id)
                    .key_spec(DataKeySpec::Aes256)
                    .set_encryption_context(Some(kms_context(context)))
                    .send()
                    .await
                    .map_err(|error| aws_error("kms:GenerateDataKey", error))?;
                let (Some(plaintext), Some(wrapped)) = (output.plaintext, output.ciphertext_blob)
                else {
                    return Err(Error::Internal(
                        "kms:GenerateDataKey answered without the key".into(),
                    ));
                };
                Ok((Zeroizing::new(plaintext.into_inner()), wrapped.into_inner()))
            }
            SecretKeeper::Local { key } => {
                let data_key = Zeroizing::new(random_bytes(KEY_BYTES)?);
                let wrapped = aead_seal(key.as_slice(), &data_key, context)?;
                Ok((data_key, wrapped))
            }
        }
    }

    /// The data key `wrapped` wraps, for `context`; `None` when it does not
    /// unwrap.
    async fn unwrap_data_key(
        &self,
        wrapped: &[u8],
        context: &SealContext<'_>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Error> {
        match self {
            SecretKeeper::Kms { client, key_id } => {
                let answer = client
                    .decrypt()
                    .key_id(key_id)
                    .ciphertext_blob(Blob::new(wrapped))
                    .set_encryption_context(Some(kms_context(context)))
                    .send()
                    .await;
                match answer {
                    Ok(output) => Ok(output
                        .plaintext
                        .map(|plaintext| Zeroizing::new(plaintext.into_inner()))),
                    Err(error)
                        if error.as_service_error().is_some_and(|service| {
                            // A mangled blob, another context, or (KMS
                            // names the key) a blob of another key.
                            matches!(
                                service,
                                DecryptError::InvalidCiphertextException(_)
                                    | DecryptError::IncorrectKeyException(_)
                            )
                        }) =>
                    {
                        Ok(None)
                    }
                    Err(error) => Err(aws_error("kms:Decrypt", error)),
                }
            }
            SecretKeeper::Local { key } => Ok(aead_open(key.as_slice(), wrapped, context)),
        }
    }
}

/// The context as KMS's encryption context.
fn kms_context(context: &SealContext<'_>) -> std::collections::HashMap<String, String> {
    context
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// The context as the AEAD's additional data: each name and value with its
/// length before it, so that no two contexts read alike.
fn additional_data(context: &SealContext<'_>) -> Vec<u8> {
    let mut pairs: Vec<&(&str, &str)> = context.iter().collect();
    pairs.sort();
    let mut data = Vec::new();
    for (name, value) in pairs {
        for part in [name, value] {
            data.extend_from_slice(&(part.len() as u64).to_be_bytes());
            data.extend_from_slice(part.as_bytes());
        }
    }
    data
}

fn random_bytes(count: usize) -> Result<Vec<u8>, Error> {
    let mut bytes = vec![0u8; count];
    fill_random(&mut bytes)?;
    Ok(bytes)
}

fn aead_key(key: &[u8]) -> Option<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key)
        .ok()
        .map(LessSafeKey::new)
}

/// A random nonce, then `plaintext` sealed under `key` with its tag.
fn aead_seal(key: &[u8], plaintext: &[u8], context: &SealContext<'_>) -> Result<Vec<u8>, Error> {
    let key =
        aead_key(key).ok_or_else(|| Error::Internal("an AES-256 key of the wrong size".into()))?;
    let mut nonce_bytes = [0u8; NONCE_LEN];
    fill_random(&mut nonce_bytes)?;
    let mut sealed = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce_bytes),
        Aad::from(additional_data(context)),
        &mut sealed,
    )
    .map_err(|_| Error::Internal("AES-256-GCM sealing failed".into()))?;
    let mut out = nonce_bytes.to_vec();
    out.append(&mut sealed);
    Ok(out)
}

/// What [`aead_seal`] sealed, or `None` when it does not open.
fn aead_open(key: &[u8], sealed: &[u8], context: &SealContext<'_>) -> Option<Zeroizing<Vec<u8>>> {
    let key = aead_key(key)?;
    if sealed.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut in_out = Zeroizing::new(ciphertext.to_vec());
    let plaintext = key
        .open_in_place(nonce, Aad::from(additional_data(context)), &mut in_out)
        .ok()?;
    Some(Zeroizing::new(plaintext.to_vec()))
}

/// The wrapped key and the sealed bytes of a sealed value, if it reads as
/// one.
fn split_sealed(sealed: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    if sealed.len() > MAX_SEALED_CHARS {
        return None;
    }
    let mut parts = sealed.split('.');
    let (Some(VERSION), Some(wrapped), Some(body), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    Some((
        URL_SAFE_NO_PAD.decode(wrapped).ok()?,
        URL_SAFE_NO_PAD.decode(body).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> SecretKeeper {
        SecretKeeper::Local {
            key: Zeroizing::new([7u8; KEY_BYTES]),
        }
    }

    const ADA: [(&str, &str); 2] = [("purpose", "totp"), ("sub", "ada@example.com")];

    #[tokio::test]
    async fn what_is_sealed_opens_for_its_context_alone() {
        let keeper = local();
        let sealed = keeper.seal(b"twenty bytes secret!", &ADA).await.unwrap();
        assert!(sealed.starts_with("v1."), "{sealed}");
        assert!(!sealed.contains("twenty"));
        let opened = keeper.open(&sealed, &ADA).await.unwrap().unwrap();
        assert_eq!(opened.as_slice(), b"twenty bytes secret!");

        let bob = [("purpose", "totp"), ("sub", "bob@example.com")];
        assert!(keeper.open(&sealed, &bob).await.unwrap().is_none());
        let setup = [("purpose", "totp setup"), ("sub", "ada@example.com")];
        assert!(keeper.open(&sealed, &setup).await.unwrap().is_none());
        // The order the pairs are given in does not matter.
        let reversed = [ADA[1], ADA[0]];
        assert!(keeper.open(&sealed, &reversed).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn two_seals_of_one_secret_differ() {
        let keeper = local();
        let first = keeper.seal(b"secret", &ADA).await.unwrap();
        let second = keeper.seal(b"secret", &ADA).await.unwrap();
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn a_changed_or_mangled_seal_does_not_open() {
        let keeper = local();
        let sealed = keeper.seal(b"secret", &ADA).await.unwrap();
        let (head, last) = sealed.split_at(sealed.len() - 1);
        let flipped = format!("{head}{}", if last == "A" { "B" } else { "A" });
        let other_key = SecretKeeper::Local {
            key: Zeroizing::new([8u8; KEY_BYTES]),
        };
        assert!(other_key.open(&sealed, &ADA).await.unwrap().is_none());
        for mangled in [
            flipped.as_str(),
            "",
            "v1",
            "v1..",
            "v2.AAAA.AAAA",
            "v1.AAAA.AAAA.AAAA",
            "v1.!!!.AAAA",
            &format!("{sealed}.x"),
            &"v1.A".repeat(600),
        ] {
            assert!(
                keeper.open(mangled, &ADA).await.unwrap().is_none(),
                "{mangled:?}"
            );
        }
        // Halves of two seals don't make a third.
        let other = keeper.seal(b"other", &ADA).await.unwrap();
        let spliced = format!(
            "v1.{}.{}",
            sealed.split('.').nth(1).unwrap(),
            other.split('.').nth(2).unwrap()
        );
        assert!(keeper.open(&spliced, &ADA).await.unwrap().is_none());
    }

    #[test]
    fn contexts_that_join_alike_are_told_apart() {
        assert_ne!(
            additional_data(&[("ab", "c")]),
            additional_data(&[("a", "bc")])
        );
    }

    #[test]
    fn debug_hides_the_local_key() {
        assert_eq!(format!("{:?}", local()), "Local(<redacted>)");
    }
}
