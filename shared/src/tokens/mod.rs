//! Tokens: access, refresh and device JWTs, what they grant, and the keys they are
//! signed with.

mod grant;
mod jwt;
mod signing_keys;

pub use grant::Grant;
pub(crate) use jwt::random_id;
pub use jwt::{
    ACCESS_TOKEN_TYPE, DEVICE_TOKEN_TYPE, IssuedRefreshToken, IssuedToken, MAX_TOKEN_BYTES,
    REFRESH_TOKEN_TYPE, Subject, TokenClaims, Tokens,
};
pub use signing_keys::{KeySource, SINGLE_KEY_ID, SigningKey, SigningKeys};
