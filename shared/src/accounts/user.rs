//! The user item, one per user keyed by `email`, and what a user may see.
//!
//! Other tools may write these items too, so the attribute names are part of
//! the contract: `email`, `password_hash`, `name`, `created_at`, `active`,
//! the token state `token_version`, `refresh_families` and `devices`, the
//! login throttling state `failed_logins`, `locked_until`,
//! `device_lockouts` and `device_lockouts_version`, the mail state
//! `email_verified`, `email_verified_by`, `mail_sent_at`, `mail_claim`,
//! `verification_mails`, `reset_link` and `verify_link`, the second
//! factor's `totp_enabled_at` and `recovery_codes`, and an unverified
//! signup's expiry, `throttle_expires_at`. Every attribute but `email`,
//! `name` and `created_at` may be missing (`password_hash` too: an account
//! that signs in by other means has none), and unknown attributes are
//! ignored, so items written by other tools or other versions load. An
//! item without `created_at` is not an account but a placeholder.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::accounts::text::is_hidden_format;
use crate::accounts::{Device, MailedLink, RefreshFamily};
use crate::error::Error;
use crate::ids::random_id;
use crate::tokens::{OpaqueKind, Subject};

/// Why a token (of any kind) no longer speaks for its account, for the
/// logs: the account is gone, was replaced by a new signup with its email,
/// or was deactivated.
pub(crate) const ACCOUNT_GONE: &str = "the account it was issued to no longer exists";
pub(crate) const EARLIER_ACCOUNT: &str = "it was issued to an earlier account with this email";
pub(crate) const ACCOUNT_INACTIVE: &str = "its account is inactive";

/// A user item.
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    /// The key, in the form [`normalize_email`](crate::accounts::normalize_email) gives.
    pub email: String,
    /// An argon2id PHC string. Missing on an account that signs in by
    /// other means alone: a password login to it always fails, as an
    /// unknown email's does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// The display name ([`normalize_name`]).
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// A missing attribute means active, so items written before the
    /// attribute existed, or by tools that never set it, keep working.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Every token carries the version it was issued at; logout and a
    /// password change bump it, retiring every earlier token at once.
    /// Missing means 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_version: Option<u64>,
    /// A random id made when the account is created, carried by every
    /// token as `aid`: an email deleted and signed up again is another
    /// account, and the old one's tokens do not work for it. Missing on
    /// items from before account ids or written by other tools: they are
    /// one fixed generation, until a password change gives them an id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The live refresh-token families, by family id: one per login with
    /// `remember`. Missing means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_families: Option<HashMap<String, RefreshFamily>>,
    /// The devices a login handed a device token to, by device id: each
    /// token's hash and expiry. Missing means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<HashMap<String, Device>>,
    /// The lockouts of trusted devices with recent failed logins, by
    /// device id. Missing means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_lockouts: Option<HashMap<String, DeviceLockout>>,
    /// How many times `device_lockouts` was counted on: the version their
    /// compare-and-set checks, so that devices of one account reserve one
    /// at a time against the account-wide ceiling. Missing on items from
    /// before it existed, and on those with no device failure yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_lockouts_version: Option<u64>,
    /// Whether the owner of the address proved they read its mail. Signup
    /// writes `false`; a verification link or a password reset (its link
    /// came by mail) sets it. A missing attribute means verified: accounts
    /// from before verification existed, and items other tools write, keep
    /// logging in.
    #[serde(default = "verified_by_default")]
    pub email_verified: bool,
    /// When the mailer last sent this address a mail (Unix seconds), for
    /// the one-mail-per-interval limit. Missing means never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_sent_at: Option<u64>,
    /// The link of the last password-reset mail (or signup notice, which
    /// carries one): its token's hash and expiry. Written by the mailer as
    /// it claims the mail's slot, removed by the reset it allows and by
    /// every password change or logout everywhere. Missing means no link
    /// works, as on items from before links were opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_link: Option<MailedLink>,
    /// The link of the last verification mail, as `reset_link`: removed by
    /// the verification, a reset, a password change or logout everywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_link: Option<MailedLink>,
    /// When DynamoDB's TTL deletes the item (Unix seconds), in the table's
    /// one TTL attribute, `throttle_expires_at`, which lockout placeholders
    /// expire by too. Only an account signed up under email verification
    /// has it (`UNVERIFIED_ACCOUNT_TTL`), so that an address someone else
    /// signed up is free again; verifying the address, a reset or a
    /// sign-in removes it. Past it, and before TTL gets to the item, the
    /// account is gone for signup, verification and the mailer. Missing
    /// means never.
    #[serde(
        rename = "throttle_expires_at",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<u64>,
    /// When TOTP was turned on (Unix seconds): the account has a second
    /// factor. Missing means none, as on every item from before the second
    /// factor existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_enabled_at: Option<u64>,
    /// The hashes of the recovery codes not used yet
    /// ([`crate::mfa::recovery_code_hash`]), a string set: spending one
    /// removes its hash. Missing means none.
    #[serde(
        default,
        with = "serde_dynamo::string_set",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub recovery_codes: Vec<String>,
}

/// One device's failed logins in a row, on the user's item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLockout {
    /// Failed attempts in a row, the one being checked included.
    pub failed_logins: u64,
    /// No attempt from this device before this time (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<u64>,
    /// When the count starts again, and the entry may be pruned (Unix
    /// seconds): `LOGIN_FAILURE_WINDOW` after the last attempt.
    pub failures_expire_at: u64,
}

fn active_by_default() -> bool {
    true
}

fn verified_by_default() -> bool {
    true
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("active", &self.active)
            .field("token_version", &self.token_version)
            .field("account_id", &self.account_id)
            .field(
                "refresh_families",
                &self.refresh_families.as_ref().map(HashMap::len),
            )
            .field("devices", &self.devices.as_ref().map(HashMap::len))
            .field(
                "device_lockouts",
                &self.device_lockouts.as_ref().map(HashMap::len),
            )
            .field("device_lockouts_version", &self.device_lockouts_version)
            .field("email_verified", &self.email_verified)
            .field("mail_sent_at", &self.mail_sent_at)
            .field("reset_link", &self.reset_link.is_some())
            .field("verify_link", &self.verify_link.is_some())
            .field("totp_enabled_at", &self.totp_enabled_at)
            .field("recovery_codes", &self.recovery_codes.len())
            .finish()
    }
}

/// What a user may see of their own account.
#[derive(Debug, Serialize)]
pub struct PublicProfile<'a> {
    /// The user's email.
    pub email: &'a str,
    /// The display name.
    pub name: &'a str,
    /// When the account was created (RFC 3339).
    pub created_at: &'a str,
    /// Whether the address was verified; a backend must not trust an
    /// unverified one.
    pub email_verified: bool,
    /// The account's second factors.
    pub mfa: MfaStatus,
}

/// Which second factors an account has, as `/me` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MfaStatus {
    /// TOTP is on.
    pub totp: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: usize,
}

impl User {
    /// A new active user with an unverified address, created now, with a
    /// new account id. `email` must already be normalised.
    pub fn new(email: String, name: String, password_hash: String) -> Result<Self, Error> {
        let created_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|error| Error::Internal(format!("formatting created_at failed: {error}")))?;
        Ok(Self {
            email,
            password_hash: Some(password_hash),
            name,
            created_at,
            active: true,
            token_version: None,
            account_id: Some(random_id()?),
            refresh_families: None,
            devices: None,
            device_lockouts: None,
            device_lockouts_version: None,
            email_verified: false,
            mail_sent_at: None,
            reset_link: None,
            verify_link: None,
            expires_at: None,
            totp_enabled_at: None,
            recovery_codes: Vec::new(),
        })
    }

    /// The version current tokens must carry.
    pub fn token_version(&self) -> u64 {
        self.token_version.unwrap_or(0)
    }

    /// Whom this user's tokens speak for, as of this item.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            email: &self.email,
            account_id: self.account_id.as_deref(),
            version: self.token_version(),
            email_verified: self.email_verified,
        }
    }

    /// The family's current refresh token, if the family is live.
    pub fn refresh_family(&self, fam: &str) -> Option<&RefreshFamily> {
        self.refresh_families.as_ref()?.get(fam)
    }

    /// The device `id`, if a login handed it a device token.
    pub fn device(&self, id: &str) -> Option<&Device> {
        self.devices.as_ref()?.get(id)
    }

    /// The live link of `kind` the item records, if `kind` is a mailed
    /// link's kind and one was mailed; whether it still works is for
    /// [`MailedLink::holds`].
    pub fn mailed_link(&self, kind: OpaqueKind) -> Option<&MailedLink> {
        match kind {
            OpaqueKind::ResetLink => self.reset_link.as_ref(),
            OpaqueKind::VerifyLink => self.verify_link.as_ref(),
            OpaqueKind::Refresh | OpaqueKind::Device => None,
        }
    }

    /// What the user may see of their own account.
    pub fn public_profile(&self) -> PublicProfile<'_> {
        PublicProfile {
            email: &self.email,
            name: &self.name,
            created_at: &self.created_at,
            email_verified: self.email_verified,
            mfa: self.mfa_status(),
        }
    }

    /// The account's second factors.
    pub fn mfa_status(&self) -> MfaStatus {
        MfaStatus {
            totp: self.totp_enabled_at.is_some(),
            recovery_codes_left: self.recovery_codes.len(),
        }
    }
}

/// The longest display name accepted, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Checks a display name and trims it: at most 200 characters as sent,
/// no control character and no hidden format character (bidirectional
/// overrides, zero-width spaces; ZWNJ and ZWJ are allowed) anywhere, and
/// not blank. Every rule is on the string as sent, as openapi.yaml's
/// `Name` schema states it.
pub fn normalize_name(raw: &str) -> Result<String, Error> {
    let name = raw.trim();
    let refused = |c: char| c.is_control() || is_hidden_format(c);
    if name.is_empty() || raw.chars().count() > MAX_NAME_CHARS || raw.chars().any(refused) {
        return Err(Error::bad_request(format!(
            "`name` must be 1 to {MAX_NAME_CHARS} characters of text, with no control, \
             bidirectional or zero-width characters"
        )));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule as openapi.yaml states it: the length counts characters
    /// as sent, surrounding white space included.
    #[test]
    fn name_lengths_count_characters_as_sent() {
        let name = "é".repeat(MAX_NAME_CHARS);
        assert_eq!(normalize_name(&name).unwrap(), name);
        assert!(normalize_name(&format!("{name} ")).is_err());
    }

    #[test]
    fn names_hold_no_control_character_even_at_the_edges() {
        assert_eq!(normalize_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        for raw in ["", "   ", "\tAda", "Ada\n", "A\u{7f}da", "\u{85}Ada"] {
            assert!(normalize_name(raw).is_err(), "{raw:?}");
        }
    }

    /// Review 2, L5: a name that displays as "Ada" but is stored reversed
    /// or padded with invisible characters is refused; the joiners that
    /// scripts and emoji need are not.
    #[test]
    fn names_hold_no_bidi_override_or_zero_width_space() {
        for raw in ["\u{202e}adA", "Ada\u{2066}", "A\u{200b}da", "\u{feff}Ada"] {
            assert!(normalize_name(raw).is_err(), "{raw:?}");
        }
        for raw in ["می\u{200c}خواهم", "👩\u{200d}💻 Ada"] {
            assert_eq!(normalize_name(raw).unwrap(), raw);
        }
    }

    #[test]
    fn missing_active_and_email_verified_mean_true_and_unknown_attributes_are_ignored() {
        let item: serde_json::Value = serde_json::json!({
            "email": "a@example.com",
            "password_hash": "$argon2id$...",
            "name": "A",
            "created_at": "2026-01-01T00:00:00Z",
            "added_by_a_later_version": 7
        });
        let user: User = serde_json::from_value(item).unwrap();
        assert!(user.active);
        assert!(user.email_verified);
        assert_eq!(user.mail_sent_at, None);
        assert_eq!(
            user.mfa_status(),
            MfaStatus {
                totp: false,
                recovery_codes_left: 0
            }
        );
        assert!(!format!("{user:?}").contains("argon2id"));
    }
}
