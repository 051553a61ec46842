//! Signing with an AWS KMS asymmetric key (`JWT_SIGNING_KMS_KEY_ID`): every
//! token is signed by one `kms:Sign` call, and the private key never leaves
//! KMS. The key is `RSA_2048` (RS256) or `ECC_NIST_P256` (ES256), for
//! `SIGN_VERIFY`. Verifiers use its public key, from `GetPublicKey`,
//! published as a JWKS (`JWT_PUBLIC_KEYS`), under the key's id as `kid`.

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::Jwk;

use crate::aws::aws_error;
use crate::error::Error;
use crate::tokens::verifying_keys::public_jwk_from_spki;

/// A KMS key that signs tokens.
#[derive(Debug, Clone)]
pub struct KmsSigner {
    client: Client,
    key_id: String,
    kid: String,
    algorithm: Algorithm,
}

impl KmsSigner {
    /// The key `key_id` (a key id or key ARN; an alias would let the key
    /// behind it change under the `kid` tokens carry), signing `algorithm`.
    pub fn new(client: Client, key_id: &str, algorithm: Algorithm) -> Result<Self, Error> {
        Ok(Self {
            client,
            kid: kms_kid(key_id)?,
            key_id: key_id.to_owned(),
            algorithm,
        })
    }

    /// The `kid` its tokens carry: the key's id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm it signs.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The JWS signature of `message` (RFC 7518: PKCS#1 v1.5 for RS256, the
    /// 64 bytes of `r` and `s` for ES256). Needs `kms:Sign` on the key.
    pub async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let spec = match self.algorithm {
            Algorithm::RS256 => SigningAlgorithmSpec::RsassaPkcs1V15Sha256,
            Algorithm::ES256 => SigningAlgorithmSpec::EcdsaSha256,
            other => return Err(Error::Config(format!("KMS does not sign {other:?} here"))),
        };
        let output = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(spec)
            .send()
            .await
            .map_err(|error| aws_error("kms:Sign", error))?;
        let signature = output
            .signature
            .ok_or_else(|| Error::Internal("kms:Sign answered no signature".into()))?
            .into_inner();
        match self.algorithm {
            Algorithm::ES256 => ecdsa_der_to_jws(&signature),
            _ => Ok(signature),
        }
    }

    /// The key's public half as a JWK, from `GetPublicKey`: what
    /// `JWT_PUBLIC_KEYS` must list. Needs `kms:GetPublicKey`.
    pub async fn public_jwk(&self) -> Result<Jwk, Error> {
        let output = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(|error| aws_error("kms:GetPublicKey", error))?;
        let der = output
            .public_key
            .ok_or_else(|| Error::Internal("kms:GetPublicKey answered no key".into()))?
            .into_inner();
        public_jwk_from_spki(&self.kid, self.algorithm, &der)
    }
}

/// The key id in a KMS key id or key ARN (`arn:...:key/<id>`).
fn kms_kid(key_id: &str) -> Result<String, Error> {
    let id = key_id.rsplit_once(":key/").map_or(key_id, |(_, id)| id);
    let plain = !id.is_empty()
        && id.len() <= 64
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if plain {
        Ok(id.to_owned())
    } else {
        Err(Error::Config(format!(
            "JWT_SIGNING_KMS_KEY_ID is {key_id:?}; give the key id or key ARN (not an alias: \
             tokens carry the key's id as `kid`, which must not change under them)"
        )))
    }
}

/// An ECDSA signature as KMS returns it (DER: a SEQUENCE of the INTEGERs
/// `r` and `s`) in the form JWS uses: `r` and `s` as 32 bytes each.
fn ecdsa_der_to_jws(der: &[u8]) -> Result<Vec<u8>, Error> {
    let malformed = || Error::Internal("kms:Sign answered a malformed ECDSA signature".into());
    let (tag, body, rest) = der_element(der).ok_or_else(malformed)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err(malformed());
    }
    let (r_tag, r, after_r) = der_element(body).ok_or_else(malformed)?;
    let (s_tag, s, after_s) = der_element(after_r).ok_or_else(malformed)?;
    if r_tag != 0x02 || s_tag != 0x02 || !after_s.is_empty() {
        return Err(malformed());
    }
    let mut jws = Vec::with_capacity(64);
    for integer in [r, s] {
        // DER integers are signed: a leading zero keeps the top bit clear.
        let magnitude = match integer {
            [0, rest @ ..] => rest,
            all => all,
        };
        if magnitude.len() > 32 {
            return Err(malformed());
        }
        jws.extend(std::iter::repeat_n(0, 32 - magnitude.len()));
        jws.extend_from_slice(magnitude);
    }
    Ok(jws)
}

/// One DER element: its tag, its contents and what follows. Short and
/// one-byte long lengths only, which is all an ECDSA P-256 signature uses.
fn der_element(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => {
            let (&length, rest) = rest.split_first()?;
            (usize::from(length), rest)
        }
        _ => return None,
    };
    Some((tag, rest.get(..length)?, rest.get(length..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_and_arns_name_the_key_and_aliases_are_refused() {
        assert_eq!(
            kms_kid("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
                .unwrap(),
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        assert_eq!(kms_kid("1234abcd-12ab").unwrap(), "1234abcd-12ab");
        for bad in ["alias/tokens", "arn:aws:kms:us-east-1:1:alias/tokens", ""] {
            assert!(kms_kid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn der_signatures_become_thirty_two_bytes_each_of_r_and_s() {
        // r with a sign byte (33 bytes), s short (31 bytes).
        let r: Vec<u8> = std::iter::once(0).chain([0x80; 32]).collect();
        let s = vec![0x11; 31];
        let mut body = vec![0x02, r.len() as u8];
        body.extend(&r);
        body.extend([0x02, s.len() as u8]);
        body.extend(&s);
        let mut der = vec![0x30, body.len() as u8];
        der.extend(&body);
        let jws = ecdsa_der_to_jws(&der).unwrap();
        assert_eq!(jws.len(), 64);
        assert_eq!(&jws[..32], &[0x80; 32]);
        assert_eq!(jws[32], 0);
        assert_eq!(&jws[33..], &[0x11; 31]);
        for bad in [&der[..der.len() - 1], &[0x31, 0x00][..], &[][..]] {
            assert!(ecdsa_der_to_jws(bad).is_err());
        }
    }
}
