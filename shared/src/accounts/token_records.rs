//! What the user's item records of the opaque tokens it was handed
//! ([`crate::tokens::OpaqueToken`]): each refresh family's current token,
//! each trusted device's token, and the last mailed link of each kind.
//! Only hashes: a reader of the table holds nothing a client could
//! present.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::tokens::{AuthMethod, IssuedRefreshToken, OpaqueToken};

/// The current refresh token of one family. A token of the family that
/// is not the current one has been rotated already: presenting it is a
/// replay, unless it is the current token's parent, within the reuse
/// interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshFamily {
    /// The hash of the family's current refresh token
    /// ([`OpaqueToken::hash`]). Missing on families recorded before
    /// refresh tokens were opaque (signed JWTs, whose id the item kept as
    /// `jti`): no token matches them, and they are pruned as they expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    /// When the current token expires (Unix seconds); expired families are
    /// pruned on the next login.
    pub exp: u64,
    /// The token the current one replaced, and when. Missing before the
    /// first rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Replaced>,
    /// When the login that started the family happened (Unix seconds).
    /// Missing on families from before it was recorded: they count from
    /// their next rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
    /// How the user proved who they are at the login that started the
    /// family, as `amr` names the methods (RFC 8176): every access token a
    /// refresh of the family issues carries it, so a refresh keeps what
    /// the sign-in proved and adds nothing. Missing on families from
    /// before it was recorded: their access tokens carry no `amr`, which
    /// proves no method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// The refresh token a rotation replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaced {
    /// Its hash. Missing on records from before refresh tokens were
    /// opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_hash: Option<String>,
    /// When it was replaced, which is when the current token was issued
    /// (Unix seconds).
    pub at: u64,
    /// The current token, sealed so that only the replaced token's secret
    /// opens it: within the reuse interval, the
    /// replaced token gets the very same successor again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
}

impl RefreshFamily {
    /// What the user's item records for the first token of a family: its
    /// login started the family, with `methods`.
    pub fn started(refresh: &IssuedRefreshToken, methods: &[AuthMethod]) -> Self {
        Self {
            token_hash: Some(refresh.token.hash()),
            exp: refresh.expires_at,
            replaced: None,
            started_at: Some(refresh.issued_at),
            amr: Some(AuthMethod::names(methods)),
        }
    }

    /// The methods the family's login proved, for its refreshed access
    /// tokens: none for a family from before they were recorded. A name
    /// this version does not know is left out, never guessed at.
    pub fn methods(&self) -> Vec<AuthMethod> {
        self.amr
            .iter()
            .flatten()
            .filter_map(|name| AuthMethod::from_name(name))
            .collect()
    }

    /// What the user's item records after `current`, this family's current
    /// token, is rotated to `next`.
    pub fn rotated_to(&self, current: &OpaqueToken, next: &IssuedRefreshToken) -> Self {
        Self {
            token_hash: Some(next.token.hash()),
            exp: next.expires_at,
            replaced: Some(Replaced {
                token_hash: Some(current.hash()),
                at: next.issued_at,
                successor: Some(current.seal_successor(&next.token)),
            }),
            started_at: Some(self.started_at.unwrap_or(next.issued_at)),
            amr: self.amr.clone(),
        }
    }

    /// True when `token` is the family's current token.
    pub fn is_current(&self, token: &OpaqueToken) -> bool {
        self.token_hash
            .as_deref()
            .is_some_and(|hash| token.matches(hash))
    }

    /// The current token again, for `token` when it is the current
    /// token's parent presented within `interval` of the rotation that
    /// replaced it: two tabs that refreshed at once, not a thief.
    pub fn successor_for(
        &self,
        token: &OpaqueToken,
        now: u64,
        interval: Duration,
    ) -> Option<IssuedRefreshToken> {
        if interval.is_zero() {
            return None;
        }
        let replaced = self.replaced.as_ref()?;
        let recent = now <= replaced.at.saturating_add(interval.as_secs());
        if !recent || !token.matches(replaced.token_hash.as_deref()?) {
            return None;
        }
        let successor =
            token.open_successor(replaced.successor.as_deref()?, self.token_hash.as_deref()?)?;
        Some(IssuedRefreshToken {
            token: successor,
            issued_at: replaced.at,
            expires_at: self.exp,
        })
    }
}

/// What an item keeps of an opaque token it handed out that is spent or
/// forgotten whole, not rotated: a device's token, a mailed link's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The token's hash ([`OpaqueToken::hash`]).
    pub token_hash: String,
    /// When the token stops working (Unix seconds).
    pub expires_at: u64,
}

impl TokenRecord {
    /// The record of `token`, which works until `expires_at`.
    pub fn of(token: &OpaqueToken, expires_at: u64) -> Self {
        Self {
            token_hash: token.hash(),
            expires_at,
        }
    }

    /// True when `token` is the one recorded, and has not expired at `now`.
    pub fn holds(&self, token: &OpaqueToken, now: u64) -> bool {
        self.expires_at > now && token.matches(&self.token_hash)
    }
}

/// A device a login handed a device token to: the token stops counting
/// `DEVICE_TOKEN_TTL` after that login, and expired devices are pruned by
/// the next new one.
pub type Device = TokenRecord;

/// The link of the last mail of its kind (reset, verification) sent to an
/// account: only that link works, until it is used, the password changes
/// or its lifetime (`RESET_TOKEN_TTL`, `VERIFY_TOKEN_TTL`) ends.
pub type MailedLink = TokenRecord;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::OpaqueKind;

    fn issued(family: &str, issued_at: u64) -> IssuedRefreshToken {
        IssuedRefreshToken {
            token: OpaqueToken::mint(OpaqueKind::Refresh, "ada@example.com", family)
                .expect("a token"),
            issued_at,
            expires_at: issued_at + 100,
        }
    }

    #[test]
    fn a_family_keeps_its_logins_methods_through_rotations() {
        let first = issued("fam", 10);
        let family = RefreshFamily::started(&first, &[AuthMethod::Password]);
        assert_eq!(family.amr, Some(vec!["pwd".to_owned()]));
        let rotated = family.rotated_to(&first.token, &issued("fam", 20));
        assert_eq!(rotated.methods(), vec![AuthMethod::Password]);
        // Names this version does not know prove nothing here; a family
        // from before `amr` names no method.
        let foreign = RefreshFamily {
            amr: Some(vec!["pwd".to_owned(), "retina".to_owned()]),
            ..rotated.clone()
        };
        assert_eq!(foreign.methods(), vec![AuthMethod::Password]);
        let old = RefreshFamily {
            amr: None,
            ..rotated
        };
        assert_eq!(old.methods(), Vec::<AuthMethod>::new());
    }

    #[test]
    fn a_rotation_hands_the_parent_the_same_successor_within_the_interval() {
        let first = issued("fam", 10);
        let family = RefreshFamily::started(&first, &[AuthMethod::Password]);
        assert!(family.is_current(&first.token));
        let second = issued("fam", 20);
        let rotated = family.rotated_to(&first.token, &second);
        assert!(rotated.is_current(&second.token));
        assert!(!rotated.is_current(&first.token));
        assert_eq!(rotated.started_at, Some(10));

        let interval = Duration::from_secs(5);
        let again = rotated
            .successor_for(&first.token, 25, interval)
            .expect("the same successor");
        assert_eq!(again.token, second.token);
        assert_eq!((again.issued_at, again.expires_at), (20, 120));
        // After the interval, with no interval, or for the current token
        // itself: no successor.
        assert_eq!(rotated.successor_for(&first.token, 26, interval), None);
        assert_eq!(
            rotated.successor_for(&first.token, 21, Duration::ZERO),
            None
        );
        assert_eq!(rotated.successor_for(&second.token, 21, interval), None);
    }

    #[test]
    fn families_recorded_before_opaque_tokens_match_no_token() {
        let family: RefreshFamily = serde_json::from_value(serde_json::json!({
            "jti": "an-old-jwt-id",
            "exp": 100,
            "replaced": {"jti": "its-parent", "at": 50}
        }))
        .expect("an old family still reads");
        let token = issued("fam", 10).token;
        assert!(!family.is_current(&token));
        assert_eq!(
            family.successor_for(&token, 51, Duration::from_secs(10)),
            None
        );
    }

    #[test]
    fn a_device_holds_its_own_live_token() {
        let token =
            OpaqueToken::mint(OpaqueKind::Device, "ada@example.com", "dev").expect("a token");
        let device = Device::of(&token, 100);
        assert!(device.holds(&token, 99));
        assert!(!device.holds(&token, 100));
        let other =
            OpaqueToken::mint(OpaqueKind::Device, "ada@example.com", "dev").expect("a token");
        assert!(!device.holds(&other, 99));
    }
}
