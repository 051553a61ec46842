//! Tokens: access JWTs, the opaque refresh, device and mailed-link tokens,
//! what they grant, and the keys JWTs are signed and verified with.

mod claims;
mod discovery;
mod grant;
mod issue_opaque;
mod jwt;
mod key_generation;
mod kind;
mod kms;
mod opaque;
mod settings;
mod signer;
mod signing_keys;
mod verifying_keys;

pub use claims::{AuthMethod, IssuedToken, Subject, TokenClaims};
pub use discovery::{Discovery, JWKS_PATH, OPENID_CONFIGURATION_PATH};
pub use grant::Grant;
pub use issue_opaque::{IssuedDeviceToken, IssuedRefreshToken};
pub use jwt::{MAX_TOKEN_BYTES, Tokens};
pub use key_generation::generate_private_pem;
pub use kind::{ACCESS_TOKEN_TYPE, TokenKind};
pub use kms::KmsSigner;
pub(crate) use opaque::labelled_hash;
pub use opaque::{OpaqueKind, OpaqueToken};
pub use settings::TokenSettings;
pub use signing_keys::{
    ALGORITHMS, KeySource, SINGLE_KEY_ID, SigningKey, SigningKeys, parse_algorithm,
};
pub use verifying_keys::{VerifyingKey, VerifyingKeys, public_jwk_from_spki};
