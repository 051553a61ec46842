//! Tokens: access, refresh, device, reset and verification JWTs, what they grant, and the keys they are
//! signed and verified with.

mod discovery;
mod grant;
mod jwt;
mod key_generation;
mod kms;
mod signing_keys;
mod verifying_keys;

pub use discovery::{Discovery, JWKS_PATH, OPENID_CONFIGURATION_PATH};
pub use grant::Grant;
pub(crate) use jwt::random_id;
pub use jwt::{
    ACCESS_TOKEN_TYPE, DEVICE_TOKEN_TYPE, IssuedRefreshToken, IssuedToken, MAX_TOKEN_BYTES,
    REFRESH_TOKEN_TYPE, RESET_TOKEN_TYPE, Subject, TokenClaims, Tokens, VERIFY_TOKEN_TYPE,
    password_fingerprint,
};
pub use key_generation::generate_private_pem;
pub use kms::KmsSigner;
pub use signing_keys::{
    ALGORITHMS, KeySource, SINGLE_KEY_ID, SigningKey, SigningKeys, parse_algorithm,
};
pub use verifying_keys::{VerifyingKey, VerifyingKeys, public_jwk_from_spki};
