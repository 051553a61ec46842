//! Logging out everywhere.

use crate::auth::{Auth, CurrentUser};
use crate::error::Error;

impl Auth {
    /// Retires every access and refresh token the user holds, at once, by
    /// bumping the token version on their item: protected requests load the
    /// item anyway, so checking the version costs no extra read.
    pub async fn logout_everywhere(&self, current: &CurrentUser) -> Result<(), Error> {
        if !self.users().retire_tokens(&current.user.email).await? {
            return Err(Error::invalid_token("the user was deleted during logout"));
        }
        tracing::info!(email = %current.user.email, "logged out everywhere");
        Ok(())
    }
}
