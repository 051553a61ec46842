//! Access tokens: HS256 JWTs that carry the user's email in `sub`.
//!
//! The token type is the header `typ: at+jwt` (RFC 9068), so that token kinds
//! added later can never be accepted in place of an access token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::Error;

/// The `typ` header of every access token.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The only algorithm signed or accepted.
const ALGORITHM: Algorithm = Algorithm::HS256;

/// Longer tokens are refused before any decoding. Ours are about 350 bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The claims of an access token. Deserialisation is strict about types:
/// `exp: "1700000000"` or `aud: ["a"]` is a refused token, not a coerced one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's email, the key of the users table.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    /// A random id, so that every token is unique and can be named in logs.
    pub jti: String,
}

/// A freshly signed access token and its lifetime in seconds.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

/// Signs and verifies access tokens with the configured key and policy.
/// Built once per cold start.
pub struct AccessTokens {
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
    leeway: Duration,
}

impl AccessTokens {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let secret = config.jwt_secret.as_bytes();
        let unusable = |error| Error::Config(format!("JWT_SECRET is not a usable key: {error}"));
        let encoding_key = EncodingKey::from_secret(secret).map_err(unusable)?;
        let decoding_key = DecodingKey::from_secret(secret).map_err(unusable)?;

        let mut validation = Validation::new(ALGORITHM);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.validate_exp = true;
        // jsonwebtoken leaves `nbf` unchecked and allows 60 s of skew unless told.
        validation.validate_nbf = true;
        validation.leeway = config.jwt_leeway.as_secs();

        Ok(Self {
            encoding_key,
            decoding_key,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: config.access_token_ttl,
            leeway: config.jwt_leeway,
        })
    }

    /// Signs an access token for `email`, valid from now for the configured TTL.
    pub fn issue(&self, email: &str) -> Result<IssuedToken, Error> {
        let now = unix_now()?;
        let ttl = self.ttl.as_secs();
        let claims = AccessClaims {
            sub: email.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl,
            jti: random_token_id()?,
        };
        let mut header = Header::new(ALGORITHM);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding_key)
            .map_err(|error| Error::Internal(format!("signing an access token failed: {error}")))?;
        Ok(IssuedToken {
            token,
            expires_in: ttl,
        })
    }

    /// Verifies signature, algorithm, type, time window, issuer and audience,
    /// and returns the claims. Every failure is [`Error::InvalidToken`] with
    /// the reason for the logs.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::invalid_token("token over the size limit"));
        }
        let data =
            jsonwebtoken::decode::<AccessClaims>(token, &self.decoding_key, &self.validation)
                .map_err(|error| Error::invalid_token(format!("{:?}", error.kind())))?;
        check_header(&data.header)?;
        self.check_lifetime(&data.claims)?;
        Ok(data.claims)
    }

    /// Refuses tokens whose `iat` lies in the future, or whose lifetime is
    /// longer than this deployment ever issues: such a token was not made
    /// by [`AccessTokens::issue`] with the current policy.
    fn check_lifetime(&self, claims: &AccessClaims) -> Result<(), Error> {
        let leeway = self.leeway.as_secs();
        if claims.iat > unix_now()? + leeway {
            return Err(Error::invalid_token("iat in the future"));
        }
        if claims.exp.saturating_sub(claims.iat) > self.ttl.as_secs() + leeway {
            return Err(Error::invalid_token(
                "lifetime longer than ACCESS_TOKEN_TTL",
            ));
        }
        Ok(())
    }
}

/// Only `alg` (checked by jsonwebtoken) and `typ` are expected. Headers that
/// point at other keys are refused outright: they are never fetched or used,
/// and a token that carries one was not made here.
fn check_header(header: &Header) -> Result<(), Error> {
    if header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
        return Err(Error::invalid_token("not an access token (typ)"));
    }
    let names_a_key = header.jku.is_some()
        || header.jwk.is_some()
        || header.kid.is_some()
        || header.x5u.is_some()
        || header.x5c.is_some()
        || header.x5t.is_some()
        || header.x5t_s256.is_some();
    if names_a_key {
        return Err(Error::invalid_token("header names a key"));
    }
    Ok(())
}

/// 128 random bits, base64url: unique per token without coordination.
/// Unlike `uuid::Uuid::new_v4`, an RNG failure is an error, not a panic.
fn random_token_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Internal(format!("system RNG failed: {error}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn unix_now() -> Result<u64, Error> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Error::Internal("system clock is before 1970".into()))
}
