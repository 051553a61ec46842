//! New signing keys: PEM private keys for RS256 (RSA 2048) and ES256
//! (EC P-256), from the same cryptography library that signs, for
//! `sessionless-admin generate-signing-key`, the local stack and the tests.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Algorithm;

use crate::error::Error;

/// A new private key for `algorithm` as a PKCS#8 PEM document, the form
/// `openssl genpkey` writes and `JWT_SIGNING_KEYS` takes.
pub fn generate_private_pem(algorithm: Algorithm) -> Result<String, Error> {
    let failed = |_| Error::Internal(format!("generating a {algorithm:?} key failed"));
    let der = match algorithm {
        Algorithm::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
            .and_then(|pair| pair.as_der())
            .map(|der| der.as_ref().to_vec())
            .map_err(failed)?,
        Algorithm::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .and_then(|pair| pair.to_pkcs8v1())
            .map(|document| document.as_ref().to_vec())
            .map_err(failed)?,
        other => {
            return Err(Error::Config(format!(
                "{other:?} has no key pair to generate; RS256 and ES256 have"
            )));
        }
    };
    Ok(pem("PRIVATE KEY", &der))
}

/// `der` as a PEM document (RFC 7468): base64 in lines of 64.
fn pem(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::SigningKey;

    #[test]
    fn generated_keys_load_as_their_algorithm() {
        for algorithm in [Algorithm::RS256, Algorithm::ES256] {
            let pem = generate_private_pem(algorithm).unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
            let key = SigningKey::from_private_pem("k", &pem).unwrap();
            assert_eq!(key.algorithm(), algorithm);
            key.decoding_key().unwrap();
        }
        assert!(generate_private_pem(Algorithm::HS256).is_err());
    }
}
