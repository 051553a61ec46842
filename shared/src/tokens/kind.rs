//! The kinds of JWT Sessionless signs, and the one table of what sets
//! each apart: its header `typ`, and the claim it must carry beyond those
//! every token has. Only access tokens are JWTs today: refresh and device
//! tokens and the mailed links' tokens are opaque
//! ([`crate::tokens::OpaqueToken`]), checked against the user's item alone,
//! so that a verifier that checks only signature, `iss`, `aud` and the
//! times, as API Gateway's JWT authorizer does, accepts nothing else
//! (review 2, H1 and L2).

use crate::error::Error;
use crate::tokens::TokenClaims;

/// The `typ` header of every access token (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// A kind of JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Proves the bearer is the user, for `ACCESS_TOKEN_TTL`.
    Access,
}

impl TokenKind {
    /// Every kind.
    pub const ALL: [TokenKind; 1] = [TokenKind::Access];

    /// The header `typ` tokens of this kind carry.
    pub fn typ(self) -> &'static str {
        match self {
            TokenKind::Access => ACCESS_TOKEN_TYPE,
        }
    }

    /// Refuses a token of this kind that lacks the claim the kind is for:
    /// an access token says whether it is fresh.
    pub(crate) fn check_claims(self, claims: &TokenClaims) -> Result<(), Error> {
        match self {
            TokenKind::Access if claims.fresh.is_none() => {
                Err(Error::invalid_token("access token without `fresh`"))
            }
            TokenKind::Access => Ok(()),
        }
    }
}
