//! Email addresses as keys: the one normal form the table holds, and the
//! mailbox that addresses differing only in a `+tag` share.

use icu_normalizer::ComposingNormalizerBorrowed;

use crate::accounts::text::is_hidden_format;
use crate::error::Error;

/// The longest address SMTP can deliver to (RFC 5321 path limit), counted
/// in characters as sent, so that openapi.yaml can state the rule exactly.
const MAX_EMAIL_CHARS: usize = 254;

/// The ASCII characters RFC 5322 allows in an address only inside a
/// quoted string or a comment, besides the `@`: refused, so that one
/// mailbox has one key (`victim@x.com(x)`, `"victim"@x.com` and
/// `a,b@x.com` are no second account).
const SPECIALS: [char; 10] = ['(', ')', '<', '>', '[', ']', ':', ';', ',', '"'];

/// The one key form of an email address, the table's key: trimmed; then
/// one `@` between a local part and a domain; no white space, control
/// character, hidden format character (zero-width spaces, bidirectional
/// controls), backslash or RFC 5322 special (`()<>[]:;,"`) anywhere;
/// Unicode in NFC; the local part lower-cased; the domain in ASCII, as
/// UTS 46 maps it (lower case, internationalised labels in punycode), as
/// SES and DNS need it. At most 254 characters as sent, and as stored.
///
/// # Errors
///
/// [`Error::BadRequest`] for anything else, a domain UTS 46 refuses
/// included.
pub fn normalize_email(raw: &str) -> Result<String, Error> {
    let refused = || Error::bad_request("`email` must be an email address");
    let trimmed = raw.trim();
    let forbidden = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || c == '\\'
            || SPECIALS.contains(&c)
            || is_hidden_format(c)
    };
    if raw.chars().count() > MAX_EMAIL_CHARS || trimmed.chars().any(forbidden) {
        return Err(refused());
    }
    let composed = ComposingNormalizerBorrowed::new_nfc().normalize(trimmed);
    let Some((local, domain)) = composed.split_once('@') else {
        return Err(refused());
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return Err(refused());
    }
    let domain = idna::domain_to_ascii(domain).map_err(|_| refused())?;
    let email = format!("{}@{domain}", local.to_lowercase());
    if domain.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return Err(refused());
    }
    Ok(email)
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

    /// Review 2, L6: one mailbox, one key. Comments, quoted strings and
    /// lists are refused, as are invisible characters; composed and
    /// decomposed accents are one address; an internationalised domain is
    /// stored as the punycode mail is sent to.
    #[test]
    fn one_mailbox_has_one_key() {
        for raw in [
            "victim@x.com(x)",
            "(x)victim@x.com",
            "\"victim\"@x.com",
            "a,b@x.com",
            "victim@x.com\u{200b}",
            "vic\u{202e}tim@x.com",
            "a\\b@x.com",
            "<victim@x.com>",
            "victim@[127.0.0.1]",
            "victim@x.com;",
        ] {
            assert!(normalize_email(raw).is_err(), "{raw:?}");
        }
        assert_eq!(
            normalize_email("Jose\u{301}@Example.com").unwrap(),
            normalize_email("José@example.com").unwrap()
        );
        assert_eq!(
            normalize_email("ada@Bücher.DE").unwrap(),
            "ada@xn--bcher-kva.de"
        );
        assert_eq!(
            normalize_email("ada@xn--bcher-kva.de").unwrap(),
            "ada@xn--bcher-kva.de"
        );
        assert!(normalize_email("ada@xn--zz.de").is_err(), "bad punycode");
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
