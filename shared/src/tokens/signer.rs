//! The key new tokens are signed with: one in memory (HMAC, or a PEM
//! private key), or a KMS key that signs each token itself.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::error::Error;
use crate::tokens::{KmsSigner, SigningKeys, TokenClaims, TokenKind};

/// The current signing key.
pub(crate) enum Signer {
    /// A key in memory.
    Local {
        kid: String,
        algorithm: Algorithm,
        key: EncodingKey,
    },
    /// A KMS key: one `kms:Sign` call per token.
    Kms(KmsSigner),
}

impl Signer {
    /// The current key of `keys`, checked against `algorithm` if set
    /// (`JWT_ALGORITHM`).
    pub(crate) fn current(keys: &SigningKeys, algorithm: Option<Algorithm>) -> Result<Self, Error> {
        let current = keys.current();
        check_algorithm(algorithm, current.kid(), current.algorithm())?;
        Ok(Signer::Local {
            kid: current.kid().to_owned(),
            algorithm: current.algorithm(),
            key: current.encoding_key()?,
        })
    }

    /// The KMS key `kms`, checked against `algorithm` if set.
    pub(crate) fn kms(kms: KmsSigner, algorithm: Option<Algorithm>) -> Result<Self, Error> {
        check_algorithm(algorithm, kms.kid(), kms.algorithm())?;
        Ok(Signer::Kms(kms))
    }

    /// The id tokens name the key by, in `kid`.
    pub(crate) fn kid(&self) -> &str {
        match self {
            Signer::Local { kid, .. } => kid,
            Signer::Kms(kms) => kms.kid(),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Signer::Local { algorithm, .. } => *algorithm,
            Signer::Kms(kms) => kms.algorithm(),
        }
    }

    /// `claims` as a signed token of `kind`.
    pub(crate) async fn sign(
        &self,
        kind: TokenKind,
        claims: &TokenClaims,
    ) -> Result<String, Error> {
        let failed = |error: &dyn std::fmt::Display| {
            Error::Internal(format!("signing a token failed: {error}"))
        };
        let mut header = Header::new(self.algorithm());
        header.typ = Some(kind.typ().to_owned());
        header.kid = Some(self.kid().to_owned());
        match self {
            Signer::Local { key, .. } => {
                jsonwebtoken::encode(&header, claims, key).map_err(|error| failed(&error))
            }
            Signer::Kms(kms) => {
                let header = serde_json::to_vec(&header).map_err(|error| failed(&error))?;
                let claims = serde_json::to_vec(claims).map_err(|error| failed(&error))?;
                let message = format!(
                    "{}.{}",
                    URL_SAFE_NO_PAD.encode(header),
                    URL_SAFE_NO_PAD.encode(claims)
                );
                let signature = kms.sign(message.as_bytes()).await?;
                Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
            }
        }
    }
}

/// Refuses a signing key of another algorithm than `expected`, if set.
fn check_algorithm(
    expected: Option<Algorithm>,
    kid: &str,
    algorithm: Algorithm,
) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != algorithm => Err(Error::Config(format!(
            "JWT_ALGORITHM is {expected:?}, but the current signing key {kid:?} is a \
             {algorithm:?} key"
        ))),
        _ => Ok(()),
    }
}
