//! The limits on mail, kept in the users table and claimed by the mailer
//! before it sends: the address's one mail per interval and its
//! verification mails in all, the mailbox's one mail per interval that
//! `+tag` addresses share, and the stack's mails per minute.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{
    attribute_bool, attribute_number, has_expired, holds_write, is_account, number, to_value,
    unexpired_condition, user_from,
};
use crate::accounts::store::update::{Target, Update};
use crate::accounts::{EXPIRY_ATTRIBUTE, MailedLink, User};
use crate::error::Error;
use crate::ids::random_id;
use crate::tokens::{OpaqueKind, OpaqueToken};

/// What a mail is for, as far as its limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailPurpose {
    /// A reset link or a signup notice: to any active account.
    Account,
    /// A verification link: only to an unverified address, and at most
    /// `lifetime_limit` of them to one account.
    Verification {
        /// The most verification mails one account ever gets.
        lifetime_limit: u64,
    },
}

impl MailPurpose {
    /// The kind of link a mail for this purpose carries: a reset link for
    /// a reset and a signup notice, a verification link for a verification.
    pub(crate) fn link_kind(self) -> OpaqueKind {
        match self {
            MailPurpose::Account => OpaqueKind::ResetLink,
            MailPurpose::Verification { .. } => OpaqueKind::VerifyLink,
        }
    }

    /// The attribute of the user's item that records that link.
    fn link_attribute(self) -> &'static str {
        match self {
            MailPurpose::Account => RESET_LINK_ATTRIBUTE,
            MailPurpose::Verification { .. } => VERIFY_LINK_ATTRIBUTE,
        }
    }
}

/// The item attribute of the last mailed reset link ([`User::reset_link`]).
pub(crate) const RESET_LINK_ATTRIBUTE: &str = "reset_link";
/// The item attribute of the last mailed verification link
/// ([`User::verify_link`]).
pub(crate) const VERIFY_LINK_ATTRIBUTE: &str = "verify_link";

/// An address's mail slot, taken by [`UserStore::claim_mail_slot`] for its
/// user.
#[derive(Debug)]
pub(crate) struct MailClaim {
    /// The user, as the claim's write left the item.
    pub user: User,
    /// The id the claim wrote as `mail_claim`.
    id: String,
    /// What the mail is for: a verification's claim counted one.
    purpose: MailPurpose,
}

/// The slot of the mailbox that an address with a `+tag` shares with the
/// untagged address, taken by [`UserStore::claim_mailbox_slot`].
#[derive(Debug)]
pub(crate) struct MailboxClaim {
    /// The untagged address, the item's key.
    mailbox: String,
    /// The id the claim wrote as `mail_claim`.
    id: String,
}

/// What claiming an address's mail slot did.
#[derive(Debug)]
pub(crate) enum MailSlot {
    /// Claimed: the mail may go out. Boxed: a user item is large beside a
    /// refusal, and most calls end in one.
    Claimed(Box<MailClaim>),
    /// Refused, and why: nothing is sent.
    Refused(MailRefusal),
}

/// Why no mail may go to an address now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailRefusal {
    /// No account has this email (or only an unverified one past its
    /// expiry).
    NoAccount,
    /// The account is deactivated.
    Inactive,
    /// A verification was asked for an address already verified.
    AlreadyVerified,
    /// The account got all the verification mails it ever gets.
    VerificationMailsSpent,
    /// The address, or the mailbox it shares, got a mail within the
    /// interval.
    RateLimited,
}

/// The key of the stack's count of mails in the clock minute `minute`
/// (Unix seconds / 60). It has no `@`, so no email is ever normalised to
/// it, and no `created_at`, so it is never an account.
fn stack_count_key(minute: u64) -> String {
    format!("sessionless:mails-sent:{minute}")
}

impl UserStore {
    /// Claims the address's one mail per `interval`, and reads the user
    /// with the same write: records `now` as the last mail and `link` as
    /// the address's one live link of the purpose's kind (the one before
    /// it, if any, stops working), if the item is
    /// an active, unexpired account that got no mail in the last
    /// `interval`, and, for a verification, whose address is unverified and
    /// got fewer than its lifetime limit of verification mails (counted in
    /// `verification_mails`). Of any number of concurrent claims, one wins.
    /// A refusal says why ([`MailRefusal`]): nothing is ever sent to an
    /// email without an account. Needs `dynamodb:UpdateItem`.
    ///
    /// Each claim writes an id of its own beside the time, so that the
    /// SDK's retry of this very write, whose first attempt landed but whose
    /// answer was lost, knows the claim it finds for its own and sends,
    /// where a concurrent claim's would stop it (and counts no second
    /// verification mail).
    pub(crate) async fn claim_mail_slot(
        &self,
        email: &str,
        purpose: MailPurpose,
        link: &MailedLink,
        now: u64,
        interval: Duration,
    ) -> Result<MailSlot, Error> {
        let id = random_id()?;
        let mut condition = format!(
            "(attribute_not_exists(active) OR active = :true) AND {} AND ({})",
            unexpired_condition(),
            SLOT_FREE
        );
        let mut expression = format!(
            "SET mail_sent_at = :now, mail_claim = :claim, {} = :link",
            purpose.link_attribute()
        );
        let lifetime_limit = match purpose {
            MailPurpose::Verification { lifetime_limit } => Some(lifetime_limit),
            MailPurpose::Account => None,
        };
        if lifetime_limit.is_some() {
            condition.push_str(
                " AND email_verified = :false \
                 AND (attribute_not_exists(verification_mails) OR verification_mails < :limit)",
            );
            expression.push_str(" ADD verification_mails :one");
        }
        let mut update = Update::new(&expression)
            .condition(&condition)
            .returning_item()
            .value(":now", number(now))
            .value(":claim", AttributeValue::S(id.clone()))
            .value(":link", to_value(link)?)
            .value(":cutoff", number(now.saturating_sub(interval.as_secs())))
            .value(":true", AttributeValue::Bool(true));
        if let Some(limit) = lifetime_limit {
            update = update
                .value(":false", AttributeValue::Bool(false))
                .value(":limit", number(limit))
                .value(":one", number(1));
        }
        let item = match self.send_update(email, update).await? {
            Written::Applied(item) => item,
            // The SDK's retry of this write, whose first attempt landed.
            Written::Refused(item) if holds_write(&item, "mail_claim", &id) => item,
            Written::Refused(item) if !is_account(&item) || has_expired(&item, now) => {
                return Ok(MailSlot::Refused(MailRefusal::NoAccount));
            }
            Written::Refused(item) => {
                let verified = attribute_bool(&item, "email_verified") != Some(false);
                let sent = attribute_number(&item, "verification_mails").unwrap_or(0);
                return Ok(MailSlot::Refused(
                    if attribute_bool(&item, "active") == Some(false) {
                        MailRefusal::Inactive
                    } else if lifetime_limit.is_some() && verified {
                        MailRefusal::AlreadyVerified
                    } else if lifetime_limit.is_some_and(|limit| sent >= limit) {
                        MailRefusal::VerificationMailsSpent
                    } else {
                        MailRefusal::RateLimited
                    },
                ));
            }
        };
        Ok(MailSlot::Claimed(Box::new(MailClaim {
            user: user_from(email, item)?,
            id,
            purpose,
        })))
    }

    /// Records `link`, a token of a mailed link's kind, as `email`'s one
    /// live link of its kind until `expires_at` (Unix seconds), as the
    /// mailer's claim does, but with no mail and no limit: for a tool that
    /// sends its own mail, and for tests of the links' pages. False when
    /// there is no such account. Needs `dynamodb:UpdateItem`.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] for a token of a kind no link has; DynamoDB
    /// failures.
    pub async fn record_mailed_link(
        &self,
        link: &OpaqueToken,
        expires_at: u64,
    ) -> Result<bool, Error> {
        let attribute = match link.kind() {
            OpaqueKind::ResetLink => RESET_LINK_ATTRIBUTE,
            OpaqueKind::VerifyLink => VERIFY_LINK_ATTRIBUTE,
            other => {
                return Err(Error::bad_request(format!(
                    "a {other:?} token is no mailed link"
                )));
            }
        };
        let update = Update::new(&format!("SET {attribute} = :link"))
            .value(":link", to_value(&MailedLink::of(link, expires_at))?);
        self.update(link.email(), update).await
    }

    /// Gives back `claim`, whose mail could not be sent, so the retry may
    /// send it; a later claim is left alone. A verification's count goes
    /// back down. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn release_mail_slot(&self, claim: &MailClaim) -> Result<(), Error> {
        let update = match claim.purpose {
            MailPurpose::Account => giving_back("", &claim.id),
            MailPurpose::Verification { .. } => {
                giving_back(" ADD verification_mails :minus_one", &claim.id)
                    .value(":minus_one", AttributeValue::N("-1".to_owned()))
            }
        };
        self.update(&claim.user.email, update).await.map(|_| ())
    }

    /// Claims the one mail per `interval` of `mailbox`, the untagged
    /// address that an address with a `+tag` is delivered to: the same
    /// `mail_sent_at` that mails to `mailbox` itself claim, on its item,
    /// whatever that item is. `None` when the mailbox got a mail within
    /// `interval`. Needs `dynamodb:UpdateItem`.
    ///
    /// Where `mailbox` has no account, the item holding its slot is a
    /// placeholder that expires (as a lockout's placeholder does, whose
    /// expiry it keeps), so that slots of mailboxes without accounts do not
    /// pile up. Two writes at most: first as on a placeholder, which most
    /// mailboxes of tagged addresses are, then as on an account.
    pub(crate) async fn claim_mailbox_slot(
        &self,
        mailbox: &str,
        now: u64,
        interval: Duration,
    ) -> Result<Option<MailboxClaim>, Error> {
        let id = random_id()?;
        // On a placeholder the slot brings an expiry, if it has none yet;
        // an account never gets one.
        let claim = |on_placeholder: bool| {
            let (target, expiry) = if on_placeholder {
                let expiry =
                    format!(", {EXPIRY_ATTRIBUTE} = if_not_exists({EXPIRY_ATTRIBUTE}, :expires)");
                (Target::Placeholder, expiry)
            } else {
                (Target::Account, String::new())
            };
            let update = Update::new(&format!(
                "SET mail_sent_at = :now, mail_claim = :claim{expiry}"
            ))
            .on(target)
            .condition(SLOT_FREE)
            .value(":now", number(now))
            .value(":claim", AttributeValue::S(id.clone()))
            .value(":cutoff", number(now.saturating_sub(interval.as_secs())));
            if on_placeholder {
                update.value(":expires", number(now.saturating_add(interval.as_secs())))
            } else {
                update
            }
        };
        // A refusal that finds this claim's id is the SDK's retry of a
        // write that landed.
        let ours = |item: &_| holds_write(item, "mail_claim", &id);
        let claimed = match self.send_update(mailbox, claim(true)).await? {
            Written::Applied(_) => true,
            Written::Refused(item) if !is_account(&item) => ours(&item),
            Written::Refused(_) => match self.send_update(mailbox, claim(false)).await? {
                Written::Applied(_) => true,
                Written::Refused(item) => ours(&item),
            },
        };
        Ok(claimed.then(|| MailboxClaim {
            mailbox: mailbox.to_owned(),
            id,
        }))
    }

    /// Gives back a mailbox's `claim`, whose mail was not sent; a later
    /// claim is left alone. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn release_mailbox_slot(&self, claim: &MailboxClaim) -> Result<(), Error> {
        let update = giving_back("", &claim.id).anywhere();
        self.update(&claim.mailbox, update).await.map(|_| ())
    }

    /// Counts one mail against the stack's `max_per_minute` in the clock
    /// minute of `now`, on an item of its own that expires a minute after
    /// the minute ends. False when this minute's mails are all counted.
    /// Needs `dynamodb:UpdateItem`.
    ///
    /// A count is not given back when its mail fails later, and the SDK's
    /// retry of a write whose first attempt landed counts twice: both err
    /// on the side of fewer mails.
    pub(crate) async fn count_stack_mail(
        &self,
        now: u64,
        max_per_minute: u64,
    ) -> Result<bool, Error> {
        let minute = now / 60;
        let update = Update::new(&format!(
            "ADD mails_sent :one SET {EXPIRY_ATTRIBUTE} = :expires"
        ))
        .on(Target::Placeholder)
        .condition("attribute_not_exists(mails_sent) OR mails_sent < :max")
        .value(":one", number(1))
        .value(":max", number(max_per_minute))
        .value(":expires", number((minute + 2) * 60));
        let written = self.send_update(&stack_count_key(minute), update).await?;
        Ok(matches!(written, Written::Applied(_)))
    }
}

/// The write that gives back the claim `id` of a slot, with `more` added
/// to its expression; a later claim's slot is left alone.
fn giving_back(more: &str, id: &str) -> Update {
    Update::new(&format!("REMOVE mail_sent_at, mail_claim{more}"))
        .condition("mail_claim = :claim")
        .value(":claim", AttributeValue::S(id.to_owned()))
}

/// No mail went out through this item's slot since `:cutoff`. Without
/// parentheses: DynamoDB refuses redundant ones, and `send_update` puts a
/// condition of its own in them.
const SLOT_FREE: &str = "attribute_not_exists(mail_sent_at) OR mail_sent_at <= :cutoff";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_count_key_is_no_email() {
        let key = stack_count_key(29_000_000);
        assert!(crate::accounts::normalize_email(&key).is_err(), "{key}");
    }
}
