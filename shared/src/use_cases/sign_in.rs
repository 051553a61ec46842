//! Where every way of signing in ends: one grant of tokens for a user who
//! proved who they are, however they proved it.

use crate::accounts::User;
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{AuthMethod, Grant};

/// A user who just proved who they are: the input of [`Auth::grant`],
/// which every credential's use case ends in.
#[derive(Debug)]
pub(crate) struct SignIn {
    /// The account, as loaded for the sign-in.
    pub(crate) user: User,
    /// How they proved it, for the access token's `amr` (RFC 8176).
    pub(crate) methods: Vec<AuthMethod>,
    /// Also hand out a refresh token, starting a new refresh family.
    pub(crate) remember: bool,
}

/// How a login ended, when its credential matched.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Tokens: an access token, a device token and, with `remember`, a
    /// refresh token.
    Granted(Grant),
    /// The credential was right, but the account has a step to take
    /// before any token: the step, and no token.
    SecondStepRequired(SecondStep),
}

/// What an account must do before a sign-in grants anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondStep {
    /// Verify the address first, with the mailed link
    /// (`REQUIRE_EMAIL_VERIFICATION`).
    VerifyEmail,
}

impl Auth {
    /// The one place a sign-in becomes tokens: the gate on email
    /// verification, the new refresh family with `remember`, and the
    /// tokens, with the access token fresh and naming how the user proved
    /// it.
    pub(crate) async fn grant(&self, sign_in: &SignIn) -> Result<LoginOutcome, Error> {
        let SignIn {
            user,
            methods,
            remember,
        } = sign_in;
        // Said only to a caller that proved the credential: it tells nobody
        // without it anything.
        if self.config().accounts.require_email_verification && !user.email_verified {
            return Ok(LoginOutcome::SecondStepRequired(SecondStep::VerifyEmail));
        }
        let refresh = if *remember {
            let now = unix_now()?;
            let max_age = self.config().refresh_family_max_age.as_secs();
            let not_after = now.saturating_add(max_age);
            let refresh = self
                .tokens()
                .issue_refresh(user.subject(), None, not_after)
                .await?;
            self.users().add_refresh_family(user, &refresh, now).await?;
            Some(refresh)
        } else {
            None
        };
        let family = refresh.as_ref().map(|refresh| refresh.family.as_str());
        // Side by side: with a KMS key each is a round trip of its own.
        let (access, device) = tokio::try_join!(
            self.tokens()
                .issue_access(user.subject(), true, methods, family),
            self.tokens().issue_device(user.subject()),
        )?;
        Ok(LoginOutcome::Granted(Grant {
            access,
            refresh,
            device: Some(device),
        }))
    }
}
