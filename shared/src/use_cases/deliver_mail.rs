//! The mailer's one job: turning a queued request into a mail, or into
//! nothing.

use crate::accounts::{MailSlot, User, normalize_email};
use crate::clock::unix_now;
use crate::error::Error;
use crate::mail::content::{self, Mail};
use crate::mail::{Delivery, MailKind, MailRequest, Mailer};

impl Mailer {
    /// Handles one queued request: claims the address's one mail per
    /// `MAIL_MIN_INTERVAL` on the user's item, which decides whether to send
    /// and reads the user in the same write, then signs the link's token
    /// and sends the mail through SES.
    ///
    /// Nothing is sent to an email without an account or to an inactive
    /// account, a verification only to an unverified address, and nothing
    /// past the rate limit: see [`Delivery`]. An error (the table, KMS or
    /// SES failing) gives the claim back, so a retry of the request can
    /// still send.
    pub async fn deliver(&self, request: &MailRequest) -> Result<Delivery, Error> {
        // The request functions normalise, but the queue takes any producer.
        let email = normalize_email(&request.email)?;
        let now = unix_now()?;
        let interval = self.mail.min_interval;
        // One write decides and reads: no GetItem before it.
        let unverified_only = request.kind == MailKind::Verification;
        let claim = match self
            .users
            .claim_mail_slot(&email, unverified_only, now, interval)
            .await?
        {
            MailSlot::Claimed(claim) => claim,
            MailSlot::Refused(refusal) => return Ok(refusal.into()),
        };
        let user = &claim.user;
        let sent = match self.compose(request.kind, user).await {
            Ok(mail) => self.send(&user.email, &mail).await,
            Err(error) => Err(error),
        };
        if let Err(error) = sent {
            if let Err(release) = self.users.release_mail_slot(&claim).await {
                tracing::warn!(email = %user.email, error = %release, "giving back the mail claim failed");
            }
            return Err(error);
        }
        tracing::info!(email = %user.email, kind = ?request.kind, "mail sent");
        Ok(Delivery::Sent)
    }

    /// The mail `kind` asks for, with a freshly signed link for `user`.
    async fn compose(&self, kind: MailKind, user: &User) -> Result<Mail, Error> {
        // Whoever signed an unverified address up typed its name.
        let name = user.email_verified.then_some(user.name.as_str());
        let reset_ttl = self.config.tokens.reset_token_ttl;
        Ok(match kind {
            MailKind::PasswordReset => {
                content::password_reset(name, &self.reset_link(user).await?, reset_ttl)
            }
            MailKind::SignupNotice => {
                content::signup_notice(name, &self.reset_link(user).await?, reset_ttl)
            }
            MailKind::Verification => {
                let token = self.tokens.issue_verification(user.subject()).await?;
                let link = self.mail.verify_url.link(&token.token);
                content::verification(name, &link, self.config.tokens.verify_token_ttl)
            }
        })
    }

    /// A reset link bound to `user`'s current password hash.
    async fn reset_link(&self, user: &User) -> Result<String, Error> {
        let token = self
            .tokens
            .issue_reset(user.subject(), user.password_hash.as_deref())
            .await?;
        Ok(self.mail.reset_url.link(&token.token))
    }
}
