//! Hand-made tokens, for the tests of what verification refuses: any
//! header, any claims, any HMAC key, down to the raw JSON text.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use sessionless::tokens::generate_private_pem;

use crate::{DEMO_ACCOUNT_ID, DEMO_EMAIL, TEST_SECRET};

/// The access-token lifetime the test configurations use (the default).
pub const ACCESS_TTL: u64 = 900;

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `kid` of the test stacks' one key (`JWT_SECRET`).
pub const TEST_KID: &str = "default";

/// The header of a genuine access token.
pub fn access_header() -> Value {
    json!({"alg": "HS256", "typ": "at+jwt", "kid": TEST_KID})
}

/// The claims of a genuine, current access token of the demo user.
pub fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": DEMO_EMAIL,
        "iss": "sessionless",
        "aud": "sessionless",
        "iat": now,
        "nbf": now,
        "exp": now + ACCESS_TTL,
        "jti": "0123456789abcdef",
        "ver": 0,
        "aid": DEMO_ACCOUNT_ID,
        "fresh": true,
    })
}

/// `value` with `name` set to `field`.
pub fn with(mut value: Value, name: &str, field: Value) -> Value {
    value[name] = field;
    value
}

/// `value` without `name`.
pub fn without(mut value: Value, name: &str) -> Value {
    value.as_object_mut().expect("an object").remove(name);
    value
}

/// Header and payload as raw JSON text, signed with HMAC `algorithm`.
pub fn sign_text(header: &str, payload: &str, secret: &[u8], algorithm: hmac::Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let tag = hmac::sign(&hmac::Key::new(algorithm, secret), message.as_bytes());
    format!("{message}.{}", b64(tag.as_ref()))
}

/// Signed with the test stacks' default key: only the content is wrong.
pub fn signed(header: Value, claims: Value) -> String {
    Forger::hs256().signed(header, claims)
}

/// Signs hand-made tokens with a stack's real key, whatever its algorithm,
/// so a test can vary only the content.
pub struct Forger {
    /// The key's one algorithm.
    pub algorithm: Algorithm,
    /// The key's id.
    pub kid: String,
    key: EncodingKey,
    /// The PEM private key, for asymmetric algorithms.
    pem: Option<String>,
}

impl Forger {
    /// The test stacks' default key: HS256 with [`TEST_SECRET`].
    pub fn hs256() -> Self {
        Self {
            algorithm: Algorithm::HS256,
            kid: TEST_KID.to_owned(),
            key: EncodingKey::from_secret(TEST_SECRET.as_bytes()).expect("key"),
            pem: None,
        }
    }

    /// A new key pair for `algorithm` (RS256 or ES256), or the default key
    /// for HS256.
    pub fn new(algorithm: Algorithm) -> Self {
        if algorithm == Algorithm::HS256 {
            return Self::hs256();
        }
        let pem = generate_private_pem(algorithm).expect("key pair");
        let key = match algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
            _ => EncodingKey::from_ec_pem(pem.as_bytes()),
        }
        .expect("key");
        Self {
            algorithm,
            kid: format!("test-{algorithm:?}").to_lowercase(),
            key,
            pem: Some(pem),
        }
    }

    /// The PEM private key, for asymmetric algorithms.
    pub fn pem(&self) -> Option<&str> {
        self.pem.as_deref()
    }

    /// The environment a stack signing with this key needs.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        match &self.pem {
            None => Vec::new(),
            Some(pem) => vec![
                // Empty counts as unset: the key set replaces the default.
                ("JWT_SECRET", String::new()),
                (
                    "JWT_SIGNING_KEYS",
                    json!({"current": self.kid, self.kid.clone(): pem}).to_string(),
                ),
            ],
        }
    }

    /// The header of a genuine access token signed with this key.
    pub fn header(&self) -> Value {
        json!({"alg": format!("{:?}", self.algorithm), "typ": "at+jwt", "kid": self.kid})
    }

    /// Header and payload as raw JSON text, signed with this key.
    pub fn sign_text(&self, header: &str, payload: &str) -> String {
        let message = format!("{}.{}", b64(header), b64(payload));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &self.key, self.algorithm)
            .expect("sign");
        format!("{message}.{signature}")
    }

    /// `claims` under `header`, signed with this key.
    pub fn signed(&self, header: Value, claims: Value) -> String {
        self.sign_text(&header.to_string(), &claims.to_string())
    }

    /// What an attacker knows of an asymmetric key and might pass off as an
    /// HMAC secret (the RS256-to-HS256 confusion): the public key as PEM,
    /// as DER, and as its JWK. Empty for HS256.
    pub fn public_forms(&self) -> Vec<(&'static str, Vec<u8>)> {
        let Some(pem) = &self.pem else {
            return Vec::new();
        };
        let private_der = pem_body(pem);
        use aws_lc_rs::signature::KeyPair;
        let public_der = match self.algorithm {
            Algorithm::RS256 => {
                let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&private_der).expect("rsa");
                pair.public_key().as_der().expect("der").as_ref().to_vec()
            }
            _ => {
                let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &private_der,
                )
                .expect("ec");
                pair.public_key().as_der().expect("der").as_ref().to_vec()
            }
        };
        let public_pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&public_der)
        );
        let jwk =
            jsonwebtoken::jwk::Jwk::from_encoding_key(&self.key, self.algorithm).expect("jwk");
        vec![
            ("public key PEM", public_pem.into_bytes()),
            ("public key DER", public_der),
            ("public JWK", serde_json::to_vec(&jwk).expect("jwk json")),
        ]
    }
}

/// The DER inside a PEM document.
fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64")
}
