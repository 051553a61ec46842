//! Opaque tokens: the kinds only Sessionless ever checks, against the
//! user's item that it loads anyway: refresh and device tokens, and the
//! mailed links' tokens. They carry no claim and no signature: a random
//! secret of 256 bits whose hash the item keeps. So no verifier that reads
//! JWTs, API Gateway's JWT authorizer included, can mistake one for an
//! access token, and minting one needs no key and costs no KMS call.
//!
//! A token reads `<prefix>.<email>.<id>.<secret>`: the kind's prefix, the
//! account's email (base64url), which names the item to load, the id of
//! the entry on the item it belongs to (a refresh family, a device, a
//! mail's link), and the secret (base64url). Only the secret is secret;
//! the hash the item keeps is SHA-256 of it under the kind's own label, so
//! a table reader holds nothing a client could present, and a hash of one
//! kind never matches a token of another.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{Context, SHA256};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;
use crate::ids::{fill_random, random_id};

/// Bytes of randomness in every opaque token's secret.
const SECRET_BYTES: usize = 32;
/// Longer tokens are refused before any decoding: an email of at most 254
/// characters makes about 420.
const MAX_OPAQUE_TOKEN_BYTES: usize = 1024;

/// A kind of opaque token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpaqueKind {
    /// Trades for new tokens at `/refresh`, once, within its family.
    Refresh,
    /// Names a device that logged in before, for its own login lockout.
    Device,
    /// A mailed password-reset link's: sets a new password, once.
    ResetLink,
    /// A mailed email-verification link's: verifies the address, once.
    VerifyLink,
}

impl OpaqueKind {
    /// The prefix that opens every token of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            OpaqueKind::Refresh => "srt1",
            OpaqueKind::Device => "sdt1",
            OpaqueKind::ResetLink => "srl1",
            OpaqueKind::VerifyLink => "svl1",
        }
    }

    /// The label its secrets are hashed under.
    fn hash_label(self) -> &'static [u8] {
        match self {
            OpaqueKind::Refresh => b"sessionless refresh token\0",
            OpaqueKind::Device => b"sessionless device token\0",
            OpaqueKind::ResetLink => b"sessionless reset link\0",
            OpaqueKind::VerifyLink => b"sessionless verification link\0",
        }
    }
}

/// A token's secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret([u8; SECRET_BYTES]);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// A new secret from the system's RNG.
    pub(crate) fn random() -> Result<Self, Error> {
        let mut bytes = [0u8; SECRET_BYTES];
        fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }
}

/// An opaque token, minted or presented.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueToken {
    kind: OpaqueKind,
    email: String,
    id: String,
    secret: Secret,
}

impl fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpaqueToken")
            .field("kind", &self.kind)
            .field("email", &self.email)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl OpaqueToken {
    /// A new token of `kind` for `email`'s entry `id`, with a new secret.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if the system's RNG fails.
    pub fn mint(kind: OpaqueKind, email: &str, id: &str) -> Result<Self, Error> {
        Ok(Self::with_secret(kind, email, id, Secret::random()?))
    }

    /// A new entry: a token of `kind` for `email` with a new random id.
    ///
    /// # Errors
    ///
    /// As [`OpaqueToken::mint`].
    pub fn mint_entry(kind: OpaqueKind, email: &str) -> Result<Self, Error> {
        Self::mint(kind, email, &random_id()?)
    }

    pub(crate) fn with_secret(kind: OpaqueKind, email: &str, id: &str, secret: Secret) -> Self {
        Self {
            kind,
            email: email.to_owned(),
            id: id.to_owned(),
            secret,
        }
    }

    /// Reads `token` as a token of `kind`. Nothing here says it is live:
    /// that is for the item it names, through [`OpaqueToken::matches`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] for anything but a well-formed token of
    /// `kind`: another kind, a JWT, a mangled one.
    pub fn parse(kind: OpaqueKind, token: &str) -> Result<Self, Error> {
        if token.len() > MAX_OPAQUE_TOKEN_BYTES {
            return Err(Error::invalid_token("token over the size limit"));
        }
        let mut parts = token.split('.');
        let (Some(prefix), Some(email), Some(id), Some(secret), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::invalid_token(format!(
                "not a {kind:?} token: not four dot-separated parts"
            )));
        };
        if prefix != kind.prefix() {
            return Err(Error::invalid_token(format!(
                "not a {kind:?} token: prefix"
            )));
        }
        let email = URL_SAFE_NO_PAD
            .decode(email)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|email| !email.is_empty())
            .ok_or_else(|| Error::invalid_token("opaque token: email is not base64url UTF-8"))?;
        let id_is_plain = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !id_is_plain {
            return Err(Error::invalid_token("opaque token: malformed id"));
        }
        let secret: [u8; SECRET_BYTES] = URL_SAFE_NO_PAD
            .decode(secret)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| Error::invalid_token("opaque token: malformed secret"))?;
        Ok(Self::with_secret(kind, &email, id, Secret(secret)))
    }

    /// The token as a client holds it.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.kind.prefix(),
            URL_SAFE_NO_PAD.encode(self.email.as_bytes()),
            self.id,
            URL_SAFE_NO_PAD.encode(self.secret.0),
        )
    }

    /// The token's kind.
    pub fn kind(&self) -> OpaqueKind {
        self.kind
    }

    /// The email of the account whose item holds the token's hash.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The id of the entry on the item: a refresh family, a device, a
    /// mail's link.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the item keeps for this token: SHA-256 of the secret under the
    /// kind's label, base64url.
    pub fn hash(&self) -> String {
        labelled_hash(self.kind.hash_label(), &self.secret.0)
    }

    /// True when `stored`, a hash the item keeps, is this token's, compared
    /// in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        verify_slices_are_equal(self.hash().as_bytes(), stored.as_bytes()).is_ok()
    }

    /// `successor`'s secret, sealed so that only the holder of this token
    /// can open it ([`OpaqueToken::open_successor`]): XOR with a pad that
    /// is SHA-256 of this token's secret under a label of its own. Each
    /// token seals one successor, so each pad is used once; a reader of
    /// the item, which keeps only this token's hash, learns nothing.
    pub(crate) fn seal_successor(&self, successor: &OpaqueToken) -> String {
        let sealed = xor(&successor.secret.0, &self.pad());
        URL_SAFE_NO_PAD.encode(sealed)
    }

    /// The successor [`OpaqueToken::seal_successor`] sealed for this token,
    /// as a token of the same kind, email and id, if `sealed` opens to
    /// one whose hash is `successor_hash`: anything else, a seal for
    /// another token or one tampered with, is `None`.
    pub(crate) fn open_successor(&self, sealed: &str, successor_hash: &str) -> Option<Self> {
        let bytes: [u8; SECRET_BYTES] = URL_SAFE_NO_PAD.decode(sealed).ok()?.try_into().ok()?;
        let secret = Secret(xor(&bytes, &self.pad()));
        let successor = Self::with_secret(self.kind, &self.email, &self.id, secret);
        successor.matches(successor_hash).then_some(successor)
    }

    fn pad(&self) -> [u8; SECRET_BYTES] {
        let mut context = Context::new(&SHA256);
        context.update(b"sessionless successor seal\0");
        context.update(&self.secret.0);
        let mut pad = [0u8; SECRET_BYTES];
        pad.copy_from_slice(context.finish().as_ref());
        pad
    }
}

fn xor(a: &[u8; SECRET_BYTES], b: &[u8; SECRET_BYTES]) -> [u8; SECRET_BYTES] {
    let mut out = [0u8; SECRET_BYTES];
    for ((out, a), b) in out.iter_mut().zip(a).zip(b) {
        *out = a ^ b;
    }
    out
}

/// SHA-256 of `secret` under `label`, base64url: how the item keeps every
/// secret a client holds (opaque tokens, recovery codes), so that a hash of
/// one kind never matches a secret of another.
pub(crate) fn labelled_hash(label: &[u8], secret: &[u8]) -> String {
    let mut context = Context::new(&SHA256);
    context.update(label);
    context.update(secret);
    URL_SAFE_NO_PAD.encode(context.finish().as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(kind: OpaqueKind) -> OpaqueToken {
        OpaqueToken::mint(kind, "ada@example.com", "family-1").expect("a token")
    }

    #[test]
    fn a_token_reads_back_as_minted_and_only_as_its_kind() {
        let minted = token(OpaqueKind::Refresh);
        let text = minted.encode();
        assert!(text.starts_with("srt1."), "{text}");
        let parsed = OpaqueToken::parse(OpaqueKind::Refresh, &text).expect("parses");
        assert_eq!(parsed, minted);
        assert_eq!(parsed.email(), "ada@example.com");
        assert_eq!(parsed.id(), "family-1");
        assert!(OpaqueToken::parse(OpaqueKind::Device, &text).is_err());
        // The links' kinds are told apart the same way, from each other too.
        let reset = token(OpaqueKind::ResetLink).encode();
        assert!(reset.starts_with("srl1."), "{reset}");
        assert!(OpaqueToken::parse(OpaqueKind::ResetLink, &reset).is_ok());
        assert!(OpaqueToken::parse(OpaqueKind::VerifyLink, &reset).is_err());
        assert!(OpaqueToken::parse(OpaqueKind::Refresh, &reset).is_err());
    }

    #[test]
    fn the_hash_matches_its_own_token_alone() {
        let one = token(OpaqueKind::Refresh);
        let other = token(OpaqueKind::Refresh);
        assert!(one.matches(&one.hash()));
        assert!(!one.matches(&other.hash()));
        // The same secret as another kind hashes differently.
        let device = OpaqueToken::with_secret(
            OpaqueKind::Device,
            one.email(),
            one.id(),
            one.secret.clone(),
        );
        assert_ne!(device.hash(), one.hash());
        assert_eq!(one.hash().len(), 43, "SHA-256, base64url");
    }

    #[test]
    fn mangled_tokens_and_jwts_are_refused() {
        let good = token(OpaqueKind::Refresh).encode();
        let parts: Vec<&str> = good.split('.').collect();
        let too_short_secret = format!("{}.{}.{}.AAAA", parts[0], parts[1], parts[2]);
        let bad_id = format!("{}.{}.a/b.{}", parts[0], parts[1], parts[3]);
        let bad_email = format!("{}.%%%.{}.{}", parts[0], parts[2], parts[3]);
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        let long = format!("{good}{}", "A".repeat(2000));
        for refused in [
            "",
            "srt1",
            jwt,
            &too_short_secret,
            &bad_id,
            &bad_email,
            &format!("{good}.extra"),
            &long,
        ] {
            assert!(
                OpaqueToken::parse(OpaqueKind::Refresh, refused).is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_sealed_successor_opens_for_its_parent_alone() {
        let parent = token(OpaqueKind::Refresh);
        let successor =
            OpaqueToken::mint(OpaqueKind::Refresh, parent.email(), parent.id()).expect("a token");
        let sealed = parent.seal_successor(&successor);
        assert_eq!(
            parent.open_successor(&sealed, &successor.hash()),
            Some(successor.clone())
        );
        // Another token, or a hash that is not the successor's: nothing.
        let stranger = token(OpaqueKind::Refresh);
        assert_eq!(stranger.open_successor(&sealed, &successor.hash()), None);
        assert_eq!(parent.open_successor(&sealed, &parent.hash()), None);
        assert_eq!(
            parent.open_successor("not base64!", &successor.hash()),
            None
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let minted = token(OpaqueKind::Device);
        let shown = format!("{minted:?}");
        let secret = minted
            .encode()
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_owned();
        assert!(!shown.contains(&secret), "{shown}");
        assert!(shown.contains("ada@example.com"));
    }
}
