//! Where every way of signing in ends: one grant of tokens for a user who
//! proved who they are, however they proved it, and one write that records
//! it.

use crate::accounts::{Device, RefreshFamily, SignInRecord, User};
use crate::auth::Auth;
use crate::clock::unix_now;
use crate::error::Error;
use crate::tokens::{AuthMethod, Grant, IssuedToken};
use crate::use_cases::attempt::Attempt;

/// A user who just proved who they are: the input of [`Auth::grant`],
/// which every credential's use case ends in.
#[derive(Debug)]
pub(crate) struct SignIn<'a> {
    /// The account, as loaded for the sign-in.
    pub(crate) user: User,
    /// How they proved it, for the access token's `amr` (RFC 8176).
    pub(crate) methods: Vec<AuthMethod>,
    /// Also hand out a refresh token, starting a new refresh family.
    pub(crate) remember: bool,
    /// The attempt the credential was checked under: its lock is cleared,
    /// and a live device token it presented is kept.
    pub(crate) attempt: &'a Attempt,
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
    /// (`REQUIRE_EMAIL_VERIFICATION`). Nothing was written beyond the
    /// attempt's reservation, so the attempt stays counted, as a wrong
    /// password's is; `http::login_response` answers it as one.
    VerifyEmail,
}

impl Auth {
    /// The one place a sign-in becomes tokens: the gate on email
    /// verification (which writes nothing), then the tokens, with the
    /// access token fresh and naming how the user proved it, and one UpdateItem beside its
    /// signature that clears the attempt's lock, records a new device's
    /// token and starts the refresh family of `remember`.
    pub(crate) async fn grant(&self, sign_in: &SignIn<'_>) -> Result<LoginOutcome, Error> {
        let SignIn {
            user,
            methods,
            remember,
            attempt,
        } = sign_in;
        let now = unix_now()?;
        let lock = Some(attempt.lock());
        // No write: the reservation counted the attempt, as it does for a
        // wrong password, and this answer must cost what that one does.
        if self.config().accounts.require_email_verification && !user.email_verified {
            return Ok(LoginOutcome::SecondStepRequired(SecondStep::VerifyEmail));
        }
        let (device, new_device) = match attempt.trusted_device() {
            Some((id, token)) => {
                let expires_at = user.device(id).map_or(now, |device| device.expires_at);
                let kept = IssuedToken {
                    token: token.to_owned(),
                    expires_in: expires_at.saturating_sub(now),
                };
                (kept, None)
            }
            None => {
                let issued = self.tokens().issue_device(&user.email)?;
                let handed = IssuedToken {
                    token: issued.token.encode(),
                    expires_in: issued.expires_at.saturating_sub(now),
                };
                (handed, Some(issued))
            }
        };
        let refresh = if *remember {
            let max_age = self.config().refresh_family_max_age.as_secs();
            Some(
                self.tokens()
                    .issue_refresh(&user.email, None, now.saturating_add(max_age))?,
            )
        } else {
            None
        };
        let record = SignInRecord {
            lock,
            device: new_device.as_ref().map(|issued| {
                (
                    issued.token.id(),
                    Device::of(&issued.token, issued.expires_at),
                )
            }),
            family: refresh
                .as_ref()
                .map(|refresh| (refresh.family(), RefreshFamily::started(refresh, methods))),
        };
        let family = refresh.as_ref().map(|refresh| refresh.family());
        // Side by side: the signature may be a KMS round trip. The access
        // token is handed out only if the write lands.
        let (access, ()) = tokio::try_join!(
            self.tokens()
                .issue_access(user.subject(), true, methods, family),
            self.users().record_sign_in(user, &record, now),
        )?;
        Ok(LoginOutcome::Granted(Grant {
            access,
            refresh,
            device: Some(device),
        }))
    }
}
