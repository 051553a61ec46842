//! The kinds of JWT Sessionless signs, and the one table of what sets
//! each apart: its header `typ`, and the claim it must carry beyond those
//! every token has. One kind is never accepted as another. Refresh and
//! device tokens are no JWTs: see [`crate::tokens::OpaqueToken`].

use crate::error::Error;
use crate::tokens::TokenClaims;

/// The `typ` header of every access token (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The `typ` header of every password-reset token: mailed in a link, spent
/// by the password change it allows.
pub const RESET_TOKEN_TYPE: &str = "reset+jwt";
/// The `typ` header of every email-verification token: mailed in a link,
/// spent by the verification.
pub const VERIFY_TOKEN_TYPE: &str = "verify+jwt";

/// A kind of JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Proves the bearer is the user, for `ACCESS_TOKEN_TTL`.
    Access,
    /// A mailed password-reset link's token.
    Reset,
    /// A mailed email-verification link's token.
    Verify,
}

impl TokenKind {
    /// Every kind.
    pub const ALL: [TokenKind; 3] = [TokenKind::Access, TokenKind::Reset, TokenKind::Verify];

    /// The header `typ` tokens of this kind carry.
    pub fn typ(self) -> &'static str {
        match self {
            TokenKind::Access => ACCESS_TOKEN_TYPE,
            TokenKind::Reset => RESET_TOKEN_TYPE,
            TokenKind::Verify => VERIFY_TOKEN_TYPE,
        }
    }

    /// Refuses a token of this kind that lacks the claim the kind is for:
    /// an access token says whether it is fresh, a reset token names the
    /// password hash it is bound to.
    pub(crate) fn check_claims(self, claims: &TokenClaims) -> Result<(), Error> {
        let missing = match self {
            TokenKind::Access if claims.fresh.is_none() => "access token without `fresh`",
            TokenKind::Reset if claims.password_fingerprint.is_none() => {
                "reset token without `pwh`"
            }
            _ => return Ok(()),
        };
        Err(Error::invalid_token(missing))
    }
}
