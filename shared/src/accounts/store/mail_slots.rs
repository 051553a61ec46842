//! The mail state on the user's item: the address's one mail per
//! interval, claimed by the mailer before it sends.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::accounts::User;
use crate::accounts::store::core::{UserStore, Written};
use crate::accounts::store::item::{attribute_bool, holds_write, is_account, number, user_from};
use crate::accounts::store::update::Update;
use crate::error::Error;
use crate::ids::random_id;

/// An address's one mail per interval, taken by
/// [`UserStore::claim_mail_slot`] for its user.
#[derive(Debug)]
pub(crate) struct MailClaim {
    /// The user, as the claim's write left the item.
    pub user: User,
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
    /// No account has this email.
    NoAccount,
    /// The account is deactivated.
    Inactive,
    /// A verification was asked for an address already verified.
    AlreadyVerified,
    /// The address got a mail within the interval.
    RateLimited,
}

impl UserStore {
    /// Claims the address's one mail per `interval`, and reads the user
    /// with the same write: records `now` as the last mail, if the item is
    /// an active account that got no mail in the last `interval` (and,
    /// with `unverified_only`, whose address is unverified). Of any number
    /// of concurrent claims, one wins. A refusal says why
    /// ([`MailRefusal`]): nothing is ever sent to an email without an
    /// account. Needs `dynamodb:UpdateItem`.
    ///
    /// Each claim writes an id of its own beside the time, so that the
    /// SDK's retry of this very write, whose first attempt landed but whose
    /// answer was lost, knows the claim it finds for its own and sends,
    /// where a concurrent claim's would stop it.
    pub(crate) async fn claim_mail_slot(
        &self,
        email: &str,
        unverified_only: bool,
        now: u64,
        interval: Duration,
    ) -> Result<MailSlot, Error> {
        let id = random_id()?;
        let cutoff = now.saturating_sub(interval.as_secs());
        let mut condition = "(attribute_not_exists(active) OR active = :true) \
                             AND (attribute_not_exists(mail_sent_at) OR mail_sent_at <= :cutoff)"
            .to_owned();
        if unverified_only {
            condition.push_str(" AND email_verified = :false");
        }
        let update = Update::new("SET mail_sent_at = :now, mail_claim = :claim")
            .condition(&condition)
            .returning_item()
            .value(":now", number(now))
            .value(":claim", AttributeValue::S(id.clone()))
            .value(":cutoff", number(cutoff))
            .value(":true", AttributeValue::Bool(true));
        let update = match unverified_only {
            true => update.value(":false", AttributeValue::Bool(false)),
            false => update,
        };
        let item = match self.send_update(email, update).await? {
            Written::Applied(item) => item,
            // The SDK's retry of this write, whose first attempt landed.
            Written::Refused(item) if holds_write(&item, "mail_claim", &id) => item,
            Written::Refused(item) if !is_account(&item) => {
                return Ok(MailSlot::Refused(MailRefusal::NoAccount));
            }
            Written::Refused(item) => {
                return Ok(MailSlot::Refused(
                    if attribute_bool(&item, "active") == Some(false) {
                        MailRefusal::Inactive
                    } else if unverified_only
                        && attribute_bool(&item, "email_verified") != Some(false)
                    {
                        MailRefusal::AlreadyVerified
                    } else {
                        MailRefusal::RateLimited
                    },
                ));
            }
        };
        Ok(MailSlot::Claimed(Box::new(MailClaim {
            user: user_from(email, item)?,
            id,
        })))
    }

    /// Gives back `claim`, whose mail could not be sent, so the retry may
    /// send it; a later claim is left alone. Needs `dynamodb:UpdateItem`.
    pub(crate) async fn release_mail_slot(&self, claim: &MailClaim) -> Result<(), Error> {
        let update = Update::new("REMOVE mail_sent_at, mail_claim")
            .condition("mail_claim = :claim")
            .value(":claim", AttributeValue::S(claim.id.clone()));
        self.update(&claim.user.email, update).await.map(|_| ())
    }
}
