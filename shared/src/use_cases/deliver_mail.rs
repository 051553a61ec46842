//! The mailer's one job: turning a queued request into a mail, or into
//! nothing.

use crate::accounts::{
    MailClaim, MailPurpose, MailSlot, MailboxClaim, MailedLink, User, normalize_email,
    shared_mailbox,
};
use crate::clock::unix_now;
use crate::error::Error;
use crate::mail::content::{self, Mail};
use crate::mail::{Delivery, MailKind, MailRequest, Mailer};
use crate::tokens::OpaqueToken;

impl Mailer {
    /// Handles one queued request: claims the address's mail slot on the
    /// user's item, which decides whether to send, records the new link's
    /// token (its hash) and reads the user in the same write; for a `+tag`
    /// address, the slot of the mailbox it shares with the untagged address
    /// too; then counts the mail against the stack's mails per minute and
    /// sends the mail through SES. No key and no KMS call: a link's token
    /// is an opaque secret ([`OpaqueToken`]), never a signed one, so the
    /// mailer can mint nothing else (review 2, L2).
    ///
    /// Nothing is sent to an email without an account or to an inactive
    /// account, a verification only to an unverified address and only
    /// `VERIFICATION_MAIL_LIMIT` times, and nothing past the rate limits:
    /// see [`Delivery`]. The claims come before the stack's count, so that
    /// requests that send nothing never spend it.
    ///
    /// # Errors
    ///
    /// [`Error::MailCeiling`] when the stack's mails this minute are spent;
    /// AWS failures (the table or SES). Either way the claims are given
    /// back, so a retry of the request can still send; the link recorded
    /// for the unsent mail is never handed out, and the retry's replaces it.
    pub async fn deliver(&self, request: &MailRequest) -> Result<Delivery, Error> {
        // The request functions normalise, but the queue takes any producer.
        let email = normalize_email(&request.email)?;
        let now = unix_now()?;
        let interval = self.mail.min_interval;
        let purpose = match request.kind {
            MailKind::Verification => MailPurpose::Verification {
                lifetime_limit: self.mail.verification_mail_limit,
            },
            MailKind::PasswordReset | MailKind::SignupNotice => MailPurpose::Account,
        };
        let link = OpaqueToken::mint_entry(purpose.link_kind(), &email)?;
        let record = MailedLink::of(&link, now.saturating_add(self.link_lifetime(purpose)));
        // One write decides and reads: no GetItem before it.
        let claim = match self
            .users
            .claim_mail_slot(&email, purpose, &record, now, interval)
            .await?
        {
            MailSlot::Claimed(claim) => claim,
            MailSlot::Refused(refusal) => return Ok(refusal.into()),
        };
        let mailbox = match shared_mailbox(&email) {
            Some(mailbox) => match self.users.claim_mailbox_slot(&mailbox, now, interval).await {
                Ok(Some(mailbox_claim)) => Some(mailbox_claim),
                Ok(None) => {
                    self.give_back(&claim, None).await;
                    return Ok(Delivery::RateLimited);
                }
                Err(error) => {
                    self.give_back(&claim, None).await;
                    return Err(error);
                }
            },
            None => None,
        };
        let sent = match self
            .users
            .count_stack_mail(now, self.mail.max_per_minute)
            .await
        {
            Ok(true) => {
                self.compose_and_send(request.kind, &claim.user, &link)
                    .await
            }
            Ok(false) => Err(Error::MailCeiling {
                retry_after: 60 - now % 60,
            }),
            Err(error) => Err(error),
        };
        if let Err(error) = sent {
            self.give_back(&claim, mailbox.as_ref()).await;
            return Err(error);
        }
        tracing::info!(email = %claim.user.email, kind = ?request.kind, "mail sent");
        Ok(Delivery::Sent)
    }

    /// Sends `user` the mail `kind` asks for, with `link`.
    async fn compose_and_send(
        &self,
        kind: MailKind,
        user: &User,
        link: &OpaqueToken,
    ) -> Result<(), Error> {
        let mail = self.compose(kind, user, link);
        self.send(&user.email, &mail).await
    }

    /// Gives back the claims of a mail that was not sent. A failure to is
    /// logged, not returned: the request's own error says what went wrong,
    /// and the claim then ends with its interval.
    async fn give_back(&self, claim: &MailClaim, mailbox: Option<&MailboxClaim>) {
        if let Err(error) = self.users.release_mail_slot(claim).await {
            tracing::warn!(email = %claim.user.email, %error, "giving back the mail claim failed");
        }
        if let Some(mailbox) = mailbox
            && let Err(error) = self.users.release_mailbox_slot(mailbox).await
        {
            tracing::warn!(email = %claim.user.email, %error, "giving back the mailbox claim failed");
        }
    }

    /// How long a link mailed for `purpose` works, in seconds.
    fn link_lifetime(&self, purpose: MailPurpose) -> u64 {
        match purpose {
            MailPurpose::Account => self.mail.reset_link_ttl.as_secs(),
            MailPurpose::Verification { .. } => self.mail.verify_link_ttl.as_secs(),
        }
    }

    /// The mail `kind` asks for, to `user`, with `link`'s token in its
    /// page's URL.
    fn compose(&self, kind: MailKind, user: &User, link: &OpaqueToken) -> Mail {
        // Whoever signed an unverified address up typed its name.
        let name = user.email_verified.then_some(user.name.as_str());
        let token = link.encode();
        let reset_ttl = self.mail.reset_link_ttl;
        match kind {
            MailKind::PasswordReset => {
                content::password_reset(name, &self.mail.reset_url.link(&token), reset_ttl)
            }
            MailKind::SignupNotice => {
                content::signup_notice(name, &self.mail.reset_url.link(&token), reset_ttl)
            }
            MailKind::Verification => content::verification(
                name,
                &self.mail.verify_url.link(&token),
                self.mail.verify_link_ttl,
            ),
        }
    }
}
