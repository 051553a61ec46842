//! Asking for a link by mail: `POST /password/forgot` and
//! `POST /verify/resend`.

use crate::accounts::normalize_email;
use crate::error::Error;
use crate::mail::{MailKind, MailQueue, MailRequest};

impl MailQueue {
    /// Queues a password-reset link for `email`, whether or not it has an
    /// account: the request does the same work either way, so neither its
    /// answer nor its timing tells. The mailer decides whether to send.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), Error> {
        self.request(MailKind::PasswordReset, email).await
    }

    /// Queues a verification link for `email`, as
    /// [`MailQueue::request_password_reset`] does a reset link.
    pub async fn request_verification(&self, email: &str) -> Result<(), Error> {
        self.request(MailKind::Verification, email).await
    }

    async fn request(&self, kind: MailKind, email: &str) -> Result<(), Error> {
        let email = normalize_email(email)?;
        self.send(&MailRequest { kind, email }).await
    }
}
