//! The keys tokens are verified with, each pinned to its one algorithm:
//! the public keys of a JWKS document (`JWT_PUBLIC_KEYS`, RFC 7517), which
//! is all a function that only verifies needs, or those of the signing
//! keys. The public ones are what `/.well-known/jwks.json` publishes; an
//! HMAC secret never is.

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::error::Error;
use crate::tokens::SigningKeys;

/// JWK members that only a private key has (RFC 7518 section 6): a
/// document of public keys that carries one is refused, not trimmed.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// One key tokens may be verified with.
#[derive(Clone)]
pub struct VerifyingKey {
    /// The `kid` tokens name it by.
    pub kid: String,
    /// The one algorithm it verifies.
    pub algorithm: Algorithm,
    /// The key itself.
    pub key: DecodingKey,
    /// Its public JWK, to publish; `None` for an HMAC secret.
    pub public_jwk: Option<Jwk>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifyingKey({:?}, {:?})", self.kid, self.algorithm)
    }
}

/// Every key a deployment accepts tokens from.
#[derive(Debug, Clone)]
pub struct VerifyingKeys {
    keys: Vec<VerifyingKey>,
}

impl VerifyingKeys {
    /// The keys of a JWKS document; `origin` names where it came from, for
    /// the error. Every key needs a `kid` and an `alg` of RS256 or ES256,
    /// and no private part.
    pub fn from_jwks(text: &str, origin: &str) -> Result<Self, Error> {
        let invalid = |detail: String| Error::Config(format!("{origin}: {detail}"));
        let document: Value = serde_json::from_str(text)
            .map_err(|_| invalid("not a JSON document (a JWKS: {\"keys\": [...]})".into()))?;
        let listed = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("not a JWKS: it needs a `keys` array".into()))?;
        for key in listed {
            if let Some(member) = PRIVATE_MEMBERS
                .into_iter()
                .find(|member| key.get(member).is_some())
            {
                return Err(invalid(format!(
                    "a key has the private member `{member}`: publish public keys only"
                )));
            }
        }
        let set: JwkSet = serde_json::from_value(document)
            .map_err(|error| invalid(format!("a key is not a JWK: {error}")))?;
        let keys = set
            .keys
            .into_iter()
            .map(|jwk| verifying_key(jwk).map_err(invalid))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(invalid("the JWKS lists no key".into()));
        }
        Ok(Self { keys })
    }

    /// The verifying halves of a signing key set: the public keys of its
    /// RSA and EC keys, and its HMAC secrets as they are.
    pub fn from_signing_keys(signing: &SigningKeys) -> Result<Self, Error> {
        let keys = signing
            .all()
            .map(|key| {
                Ok(VerifyingKey {
                    kid: key.kid().to_owned(),
                    algorithm: key.algorithm(),
                    key: key.decoding_key()?,
                    public_jwk: if key.is_secret() {
                        None
                    } else {
                        Some(key.public_jwk()?)
                    },
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Self { keys })
    }

    /// The key `kid` names, if listed.
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// Every key.
    pub fn all(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter()
    }

    /// The public keys as a JWKS document to publish. HMAC secrets are
    /// left out: they are no public keys.
    pub fn public_jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .keys
                .iter()
                .filter_map(|key| key.public_jwk.clone())
                .collect(),
        }
    }
}

/// A public key as KMS's `GetPublicKey` answers it (DER
/// SubjectPublicKeyInfo) as a JWK with `kid`, `alg` and `use`.
pub fn public_jwk_from_spki(kid: &str, algorithm: Algorithm, der: &[u8]) -> Result<Jwk, Error> {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
    let key = match algorithm {
        Algorithm::RS256 => DecodingKey::from_rsa_pem(pem.as_bytes()),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()),
        other => {
            return Err(Error::Config(format!(
                "{other:?} has no public key to publish"
            )));
        }
    };
    let unusable = |error: jsonwebtoken::errors::Error| {
        Error::Config(format!(
            "the public key of {kid:?} is not a {algorithm:?} key: {error}"
        ))
    };
    let mut jwk =
        Jwk::from_decoding_key(&key.map_err(unusable)?, Some(algorithm)).map_err(unusable)?;
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(jwk)
}

/// One JWK of a published set as a verifying key, pinned to its `alg`.
fn verifying_key(mut jwk: Jwk) -> Result<VerifyingKey, String> {
    let kid = jwk.common.key_id.clone().ok_or("every key needs a `kid`")?;
    let algorithm = match (&jwk.common.key_algorithm, &jwk.algorithm) {
        (Some(KeyAlgorithm::RS256), AlgorithmParameters::RSA(_)) => Algorithm::RS256,
        (Some(KeyAlgorithm::ES256), AlgorithmParameters::EllipticCurve(ec))
            if ec.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        (None, _) => return Err(format!("key {kid:?} needs an `alg` (RS256 or ES256)")),
        _ => {
            return Err(format!(
                "key {kid:?} must be an RSA key with `alg` RS256 or an EC P-256 key with ES256"
            ));
        }
    };
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return Err(format!("key {kid:?} is not for signatures (`use`)"));
    }
    let key = DecodingKey::from_jwk(&jwk)
        .map_err(|error| format!("key {kid:?} is not a usable {algorithm:?} key: {error}"))?;
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(VerifyingKey {
        kid,
        algorithm,
        key,
        public_jwk: Some(jwk),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{SigningKey, generate_private_pem};

    fn signing_keys(algorithm: Algorithm) -> SigningKeys {
        let pem = generate_private_pem(algorithm).unwrap();
        let text = serde_json::json!({"current": "k1", "k1": pem}).to_string();
        SigningKeys::from_json(&text, "test").unwrap()
    }

    fn published(algorithm: Algorithm) -> Value {
        let keys = VerifyingKeys::from_signing_keys(&signing_keys(algorithm)).unwrap();
        serde_json::to_value(keys.public_jwks()).unwrap()
    }

    #[test]
    fn published_keys_name_their_kid_alg_and_use_and_nothing_private() {
        for (algorithm, kty) in [(Algorithm::RS256, "RSA"), (Algorithm::ES256, "EC")] {
            let jwks = published(algorithm);
            let key = &jwks["keys"][0];
            assert_eq!(key["kid"], "k1");
            assert_eq!(key["kty"], kty);
            assert_eq!(key["alg"], format!("{algorithm:?}"));
            assert_eq!(key["use"], "sig");
            for member in PRIVATE_MEMBERS {
                assert!(key.get(member).is_none(), "{member} in {key}");
            }
            // What is published is what a verifier reads back.
            let back = VerifyingKeys::from_jwks(&jwks.to_string(), "test").unwrap();
            assert_eq!(back.find("k1").unwrap().algorithm, algorithm);
        }
    }

    #[test]
    fn an_hmac_secret_is_never_published() {
        let secret = SigningKey::new("s", "a-signing-key-of-at-least-thirty-two-bytes").unwrap();
        assert!(secret.public_jwk().is_err());
        let keys = SigningKeys::single("a-signing-key-of-at-least-thirty-two-bytes").unwrap();
        let verifying = VerifyingKeys::from_signing_keys(&keys).unwrap();
        assert!(verifying.public_jwks().keys.is_empty());
        assert!(verifying.find("default").is_some(), "but it still verifies");
    }

    #[test]
    fn a_jwks_with_private_or_unusable_keys_is_refused() {
        let good = published(Algorithm::RS256)["keys"][0].clone();
        let with = |name: &str, value: Value| {
            let mut key = good.clone();
            key[name] = value;
            serde_json::json!({"keys": [key]}).to_string()
        };
        let without = |name: &str| {
            let mut key = good.clone();
            key.as_object_mut().unwrap().remove(name);
            serde_json::json!({"keys": [key]}).to_string()
        };
        let ec_p384 = serde_json::json!({"keys": [{
            "kty": "EC", "crv": "P-384", "kid": "e", "alg": "ES256",
            "x": "AAAA", "y": "AAAA"
        }]});
        let cases = [
            (with("d", Value::from("AAAA")), "private member `d`"),
            (
                serde_json::json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "o", "alg": "HS256"}]})
                    .to_string(),
                "private member `k`",
            ),
            (without("kid"), "needs a `kid`"),
            (without("alg"), "needs an `alg`"),
            (with("alg", Value::from("ES256")), "must be an RSA key"),
            (with("use", Value::from("enc")), "not for signatures"),
            (ec_p384.to_string(), "EC P-256"),
            (r#"{"keys": []}"#.to_owned(), "lists no key"),
            (r#"{"kid": "x"}"#.to_owned(), "`keys` array"),
            ("not json".to_owned(), "not a JSON document"),
        ];
        for (text, expected) in cases {
            let message = VerifyingKeys::from_jwks(&text, "JWT_PUBLIC_KEYS")
                .unwrap_err()
                .to_string();
            assert!(
                message.contains("JWT_PUBLIC_KEYS") && message.contains(expected),
                "{text}: {message}"
            );
        }
    }
}
