//! What a token says, under readable names; `serde(rename)` keeps the
//! wire names of RFC 7519 and our own short ones.

use serde::{Deserialize, Serialize};

/// The claims of an access token, as signed and as verified.
/// Deserialisation is strict about types: `exp: "1700000000"` or
/// `aud: ["a"]` is a refused token, not a coerced one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The user's email, the key of the users table (`sub`).
    #[serde(rename = "sub")]
    pub email: String,
    /// Who issued it (`iss`): `JWT_ISSUER`.
    #[serde(rename = "iss")]
    pub issuer: String,
    /// Whom it is for (`aud`): `JWT_AUDIENCE`.
    #[serde(rename = "aud")]
    pub audience: String,
    /// When it was issued (`iat`, Unix seconds).
    #[serde(rename = "iat")]
    pub issued_at: u64,
    /// Not valid before (`nbf`, Unix seconds): when it was issued.
    #[serde(rename = "nbf")]
    pub not_before: u64,
    /// When it expires (`exp`, Unix seconds).
    #[serde(rename = "exp")]
    pub expires_at: u64,
    /// The token's id (`jti`), random.
    #[serde(rename = "jti")]
    pub id: String,
    /// The user's token version when the token was issued (`ver`).
    #[serde(rename = "ver")]
    pub token_version: u64,
    /// The account's id when the token was issued (`aid`;
    /// [`Subject::account_id`]).
    #[serde(rename = "aid", default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// On access tokens: true when issued by a sign-in, false when by a
    /// refresh. Required on access tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fresh: Option<bool>,
    /// How the user proved who they are, as RFC 8176 names the methods
    /// (`amr`): `["pwd"]` for a password. On access tokens from a sign-in;
    /// missing on others, and on tokens from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// The refresh family (`fam`) of an access token issued with one (a
    /// sign-in with `remember`, or a refresh): it dies when the family
    /// does.
    #[serde(rename = "fam", default, skip_serializing_if = "Option::is_none")]
    pub refresh_family: Option<String>,
    /// On access tokens: whether the user's address was verified when the
    /// token was issued. Missing on tokens from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl TokenClaims {
    /// The refresh family, or "" for an access token issued without one.
    pub fn family(&self) -> &str {
        self.refresh_family.as_deref().unwrap_or_default()
    }

    /// True for an access token straight from a sign-in.
    pub fn is_fresh(&self) -> bool {
        self.fresh == Some(true)
    }
}

/// How a user proved who they are, by the names RFC 8176 gives the
/// methods: what an access token's `amr` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// `pwd`: a password.
    Password,
}

impl AuthMethod {
    /// Every method.
    pub const ALL: [AuthMethod; 1] = [AuthMethod::Password];

    /// The method's name in `amr`.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Password => "pwd",
        }
    }

    /// The names of `methods`, as `amr` lists them.
    pub fn names(methods: &[AuthMethod]) -> Vec<String> {
        methods
            .iter()
            .map(|method| method.name().to_owned())
            .collect()
    }

    /// The method `name` names in `amr`, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.name() == name)
    }
}

/// Whom a token speaks for: the account's email, which generation of the
/// account (an email deleted and signed up again is a new account), and
/// the token version the user's item holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    /// The user's email, the token's `sub`.
    pub email: &'a str,
    /// The account's random id, the token's `aid`. `None` for items from
    /// before account ids, or written by other tools: one fixed generation.
    pub account_id: Option<&'a str>,
    /// The token version, the token's `ver`.
    pub version: u64,
    /// Whether the address is verified, the access token's
    /// `email_verified`.
    pub email_verified: bool,
}

/// A token to hand out, and its lifetime in seconds. `Debug` never shows
/// the token.
pub struct IssuedToken {
    /// The token as the client gets it.
    pub token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}
