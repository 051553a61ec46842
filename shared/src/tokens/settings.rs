//! What tokens are issued and checked with: the issuer and audience, each
//! kind's lifetime, the clock skew tolerated, and the keys verifiers trust.
//! Read from the environment by [`crate::Config`].

use std::time::Duration;

use jsonwebtoken::Algorithm;

use crate::tokens::{TokenKind, VerifyingKeys};

/// The token policy of a deployment.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `JWT_ISSUER`: written to and required in `iss`.
    pub issuer: String,
    /// `JWT_AUDIENCE`: the API's audience, written to and required in the
    /// `aud` of access tokens ([`TokenSettings::audience_of`]).
    pub audience: String,
    /// `JWT_ALGORITHM`: when set, the current signing key must sign with it.
    pub algorithm: Option<Algorithm>,
    /// `JWT_PUBLIC_KEYS`: a JWKS document of the keys tokens are verified
    /// with. Without it, the signing keys verify.
    pub public_keys: Option<VerifyingKeys>,
    /// `ACCESS_TOKEN_TTL`: access-token lifetime.
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL`: refresh-token lifetime, renewed by each rotation.
    pub refresh_token_ttl: Duration,
    /// `DEVICE_TOKEN_TTL`: how long a device token, handed out by every
    /// login, keeps its device out of the email's lockout.
    pub device_token_ttl: Duration,
    /// `JWT_LEEWAY`: clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
}

impl TokenSettings {
    /// The `aud` of JWTs of `kind`: the API's audience, which access tokens
    /// alone carry, being the only JWTs Sessionless signs.
    pub fn audience_of(&self, kind: TokenKind) -> String {
        match kind {
            TokenKind::Access => self.audience.clone(),
        }
    }

    /// How long JWTs of `kind` live.
    pub fn lifetime(&self, kind: TokenKind) -> Duration {
        match kind {
            TokenKind::Access => self.access_token_ttl,
        }
    }
}
