//! What a login or a refresh hands out.

use crate::tokens::{IssuedRefreshToken, IssuedToken};

/// An access token, and a refresh token when one was asked for (a login
/// with `remember`) or rotated (a refresh).
#[derive(Debug)]
pub struct Grant {
    /// The access token.
    pub access: IssuedToken,
    /// The refresh token, if any.
    pub refresh: Option<IssuedRefreshToken>,
    /// A device token: every login hands one out, a refresh none.
    pub device: Option<IssuedToken>,
}
