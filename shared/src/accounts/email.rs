//! Email addresses as keys: the one normal form the table holds, and the
//! mailbox that addresses differing only in a `+tag` share.

use crate::error::Error;

/// The longest address SMTP can deliver to (RFC 5321 path limit), counted
/// in characters as sent, so that openapi.yaml can state the rule exactly.
const MAX_EMAIL_CHARS: usize = 254;

/// Trims and lower-cases an email address and checks its rough shape. Keys
/// in the table are stored in this form, so lookups need no case folding.
/// The length counts the address as sent, as openapi.yaml's `Email` schema
/// states it.
pub fn normalize_email(raw: &str) -> Result<String, Error> {
    let email = raw.trim().to_lowercase();
    let well_formed = raw.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if well_formed {
        Ok(email)
    } else {
        Err(Error::bad_request("`email` must be an email address"))
    }
}

/// The address a normalised `email` with a subaddress (`local+tag@domain`,
/// RFC 5233) is delivered to, `local@domain`; `None` for an address with
/// no tag. The mail limits count per mailbox, so that signups of
/// `victim+1@…`, `victim+2@…` fill one mailbox no faster than one address.
///
/// Only `+` is read as the separator: it is the one that Gmail, Outlook,
/// iCloud, Fastmail and Proton share. An address whose local part starts
/// with `+` has no tag.
pub fn shared_mailbox(email: &str) -> Option<String> {
    let (local, domain) = email.rsplit_once('@')?;
    let (base, _tag) = local.split_once('+')?;
    (!base.is_empty()).then(|| format!("{base}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_bad_requests() {
        for raw in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "a@b@c",
            "al ice@example.com",
            "a\u{0}@b",
        ] {
            assert!(
                matches!(normalize_email(raw), Err(Error::BadRequest(_))),
                "{raw:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(normalize_email(&long).is_err());
    }

    /// The rule as openapi.yaml states it: the length counts characters as
    /// sent, surrounding white space included.
    #[test]
    fn email_lengths_count_characters_as_sent() {
        let at_limit = format!("{}@b", "é".repeat(MAX_EMAIL_CHARS - 2));
        assert!(normalize_email(&at_limit).is_ok());
        assert!(normalize_email(&format!(" {at_limit}")).is_err());
    }

    #[test]
    fn tagged_addresses_share_the_untagged_mailbox() {
        assert_eq!(
            shared_mailbox("victim+1@example.com").as_deref(),
            Some("victim@example.com")
        );
        assert_eq!(
            shared_mailbox("victim+a+b@example.com").as_deref(),
            Some("victim@example.com")
        );
        for untagged in ["victim@example.com", "+victim@example.com", "no-at-sign"] {
            assert_eq!(shared_mailbox(untagged), None, "{untagged}");
        }
    }
}
