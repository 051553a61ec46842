//! A mailed link's token, checked against the account it names: what
//! verify-email and reset-password both do before they spend it.

use crate::accounts::{ACCOUNT_GONE, ACCOUNT_INACTIVE, User};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{OpaqueKind, OpaqueToken};

/// Reads a link's `token` as one of `kind`; nothing here says it is live
/// ([`Auth::mailed_link_account`]).
///
/// # Errors
///
/// [`Error::InvalidLink`] for a mangled token or one of another kind: an
/// access token, or a link signed before links were opaque.
pub(crate) fn parse_link(kind: OpaqueKind, token: &str) -> Result<OpaqueToken, Error> {
    OpaqueToken::parse(kind, token).map_err(|error| match error {
        Error::InvalidToken(reason) => Error::InvalidLink(reason),
        other => other,
    })
}

impl Auth {
    /// The account `link` was mailed to, loaded whole (one GetItem): it
    /// exists, is active, and its item records this very token as its
    /// live link of the token's kind, not yet expired. Spending it is for
    /// the caller's conditional write.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLink`], with the reason for the logs, for a link
    /// that was used, replaced by a later mail's link, expired or spent by
    /// a password change, or whose account is gone, replaced or
    /// deactivated; DynamoDB failures.
    pub(crate) async fn mailed_link_account(&self, link: &OpaqueToken) -> Result<User, Error> {
        let Some(user) = self.users().find_by_email(link.email()).await? else {
            return Err(Error::invalid_link(ACCOUNT_GONE));
        };
        if !user.active {
            return Err(Error::invalid_link(ACCOUNT_INACTIVE));
        }
        let now = unix_now()?;
        if !user
            .mailed_link(link.kind())
            .is_some_and(|record| record.holds(link, now))
        {
            return Err(Error::invalid_link(
                "not the account's live link: used, replaced by a later mail's, expired, or \
                 spent by a password change or a logout everywhere",
            ));
        }
        Ok(user)
    }
}
