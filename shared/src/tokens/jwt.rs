//! Access, refresh, device and link tokens: JWTs (RS256, ES256 or HS256)
//! that carry the user's email in `sub`.
//!
//! The kind is the header `typ`: `at+jwt` for access tokens (RFC 9068),
//! `rt+jwt` for refresh tokens, `dt+jwt` for device tokens, and
//! `reset+jwt` and `verify+jwt` for the one-time tokens of mailed links, so
//! one kind is never accepted as another.
//! Every token carries the user's token version (`ver`); bumping the version
//! on the user's item retires every token issued before. Every token names
//! its signing key in `kid`, so keys can rotate (see `signing_keys`).

use std::time::Duration;

use aws_config::SdkConfig;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::accounts::RefreshFamily;
use crate::clock::unix_now;
use crate::config::Config;
use crate::error::Error;
use crate::tokens::{KeySource, KmsSigner, SigningKeys, VerifyingKeys};

/// The `typ` header of every access token.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The `typ` header of every refresh token.
pub const REFRESH_TOKEN_TYPE: &str = "rt+jwt";
/// The `typ` header of every device token: no credential, only a sign that
/// this device logged in to the account before, which keeps it out of the
/// email's lockout.
pub const DEVICE_TOKEN_TYPE: &str = "dt+jwt";

/// The `typ` header of every password-reset token: mailed in a link, spent
/// by the password change it allows.
pub const RESET_TOKEN_TYPE: &str = "reset+jwt";
/// The `typ` header of every email-verification token: mailed in a link,
/// spent by the verification.
pub const VERIFY_TOKEN_TYPE: &str = "verify+jwt";

/// Longer tokens are refused before any decoding. Ours are about 400 bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// What a verified access, refresh or device token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The user's email, the key of the users table.
    pub sub: String,
    /// The token's id; for a refresh token, the user's item records the
    /// current one per family; for a device token, it names the device's
    /// own lockout.
    pub jti: String,
    /// When it expires (Unix seconds).
    pub exp: u64,
    /// The user's token version when the token was issued.
    pub ver: u64,
    /// The account's id when the token was issued ([`Subject::account_id`]).
    pub aid: Option<String>,
    /// True when issued by a password login; false when by a refresh, and
    /// for refresh tokens.
    pub fresh: bool,
    /// The refresh family: every refresh token has one (verification
    /// requires it), and so has an access token issued with one (a login
    /// with `remember`, or a refresh), which dies when the family does.
    pub fam: Option<String>,
    /// On access tokens: whether the user's address was verified when the
    /// token was issued. Missing on tokens from before it was recorded.
    pub email_verified: Option<bool>,
    /// On reset tokens: the fingerprint of the password hash the token was
    /// issued against ([`password_fingerprint`]); any password change
    /// spends the token.
    pub pwh: Option<String>,
}

impl TokenClaims {
    /// The refresh family, or "" for an access token issued without one.
    pub fn family(&self) -> &str {
        self.fam.as_deref().unwrap_or_default()
    }
}

/// The claims as they travel. Deserialisation is strict about types:
/// `exp: "1700000000"` or `aud: ["a"]` is a refused token, not a coerced one.
#[derive(Debug, Serialize, Deserialize)]
struct WireClaims {
    sub: String,
    iss: String,
    aud: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
    ver: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fresh: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fam: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pwh: Option<String>,
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

impl From<WireClaims> for TokenClaims {
    fn from(claims: WireClaims) -> Self {
        Self {
            sub: claims.sub,
            jti: claims.jti,
            exp: claims.exp,
            ver: claims.ver,
            aid: claims.aid,
            fresh: claims.fresh.unwrap_or(false),
            fam: claims.fam,
            email_verified: claims.email_verified,
            pwh: claims.pwh,
        }
    }
}

/// A freshly signed token and its lifetime in seconds.
#[derive(Debug)]
pub struct IssuedToken {
    /// The signed JWT.
    pub token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
}

/// A freshly signed refresh token, with what the user's item must record.
#[derive(Debug)]
pub struct IssuedRefreshToken {
    /// The signed JWT.
    pub token: String,
    /// Its id, which the family records as current.
    pub jti: String,
    /// Its family.
    pub fam: String,
    /// When it was issued (Unix seconds).
    pub iat: u64,
    /// When it expires (Unix seconds).
    pub exp: u64,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Access,
    Refresh,
    Device,
    Reset,
    Verify,
}

impl Kind {
    fn typ(self) -> &'static str {
        match self {
            Kind::Access => ACCESS_TOKEN_TYPE,
            Kind::Refresh => REFRESH_TOKEN_TYPE,
            Kind::Device => DEVICE_TOKEN_TYPE,
            Kind::Reset => RESET_TOKEN_TYPE,
            Kind::Verify => VERIFY_TOKEN_TYPE,
        }
    }
}

/// Signs and verifies tokens with the configured keys and policy. Built
/// once per cold start.
pub struct Tokens {
    /// `None` in a function that only verifies.
    signer: Option<Signer>,
    /// Every key tokens may be verified with, by `kid`.
    verifying_keys: VerifyingKeys,
    /// One validation per algorithm the keys use, pinned to it: a token
    /// naming a key with another algorithm, such as an RSA public key used
    /// as an HMAC secret, fails. Built once, as verifying is the hot path.
    validations: Vec<(Algorithm, Validation)>,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
    device_ttl: Duration,
    reset_ttl: Duration,
    verify_ttl: Duration,
    leeway: Duration,
}

/// The key new tokens are signed with.
enum Signer {
    /// A key in memory: HMAC, or a PEM private key.
    Local {
        kid: String,
        algorithm: Algorithm,
        key: EncodingKey,
    },
    /// A KMS key: one `kms:Sign` call per token.
    Kms(KmsSigner),
}

impl Signer {
    fn kid(&self) -> &str {
        match self {
            Signer::Local { kid, .. } => kid,
            Signer::Kms(kms) => kms.kid(),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Signer::Local { algorithm, .. } => *algorithm,
            Signer::Kms(kms) => kms.algorithm(),
        }
    }
}

impl Tokens {
    /// Signs with `signing`'s current key, if given; a function that only
    /// verifies has none. Verifies with the keys of `JWT_PUBLIC_KEYS`, or
    /// else with every key of `signing`.
    pub fn new(config: &Config, signing: Option<&SigningKeys>) -> Result<Self, Error> {
        let verifying_keys = match (&config.public_keys, signing) {
            (Some(public), _) => public.clone(),
            (None, Some(signing)) => VerifyingKeys::from_signing_keys(signing)?,
            (None, None) => {
                return Err(Error::Config(
                    "no key to verify tokens with: set JWT_PUBLIC_KEYS or a signing key".into(),
                ));
            }
        };
        let signer = signing.map(|keys| signer(config, keys)).transpose()?;
        Self::build(config, signer, verifying_keys)
    }

    /// The tokens of `config`: with the keys its key source names, loaded
    /// from Secrets Manager if so (one GetSecretValue), or with its KMS key
    /// (no call until the first token is signed), through `sdk_config`.
    pub async fn from_config(config: &Config, sdk_config: &SdkConfig) -> Result<Self, Error> {
        match &config.signing_keys {
            KeySource::Kms { key_id } => {
                let algorithm = config.jwt_algorithm.unwrap_or(Algorithm::RS256);
                let client = aws_sdk_kms::Client::new(sdk_config);
                Self::with_kms(config, KmsSigner::new(client, key_id, algorithm)?)
            }
            source => Self::new(config, source.load(sdk_config).await?.as_ref()),
        }
    }

    /// Signs with the KMS key `kms`; verifies with `JWT_PUBLIC_KEYS`, which
    /// must list it (the private key never leaves KMS, so its public half
    /// comes published: the template's key resource gives it).
    pub fn with_kms(config: &Config, kms: KmsSigner) -> Result<Self, Error> {
        let verifying_keys = config.public_keys.clone().ok_or_else(|| {
            Error::Config(
                "JWT_SIGNING_KMS_KEY_ID needs JWT_PUBLIC_KEYS, the JWKS that lists the key's \
                 public half (`sessionless-admin jwks --kms-key-id ...` prints it)"
                    .into(),
            )
        })?;
        check_algorithm(config, kms.kid(), kms.algorithm())?;
        Self::build(config, Some(Signer::Kms(kms)), verifying_keys)
    }

    fn build(
        config: &Config,
        signer: Option<Signer>,
        verifying_keys: VerifyingKeys,
    ) -> Result<Self, Error> {
        if let Some(signer) = &signer
            && verifying_keys.find(signer.kid()).is_none()
        {
            return Err(Error::Config(format!(
                "JWT_PUBLIC_KEYS lacks the current signing key {:?}: publish a key before \
                 signing with it",
                signer.kid()
            )));
        }

        let mut validation = Validation::default();
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.validate_exp = true;
        // jsonwebtoken leaves `nbf` unchecked and allows 60 s of skew unless told.
        validation.validate_nbf = true;
        validation.leeway = config.jwt_leeway.as_secs();
        let mut validations: Vec<(Algorithm, Validation)> = Vec::new();
        for key in verifying_keys.all() {
            if !validations
                .iter()
                .any(|(listed, _)| *listed == key.algorithm)
            {
                let mut pinned = validation.clone();
                pinned.algorithms = vec![key.algorithm];
                validations.push((key.algorithm, pinned));
            }
        }

        Ok(Self {
            signer,
            verifying_keys,
            validations,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl: config.access_token_ttl,
            refresh_ttl: config.refresh_token_ttl,
            device_ttl: config.device_token_ttl,
            reset_ttl: config.reset_token_ttl,
            verify_ttl: config.verify_token_ttl,
            leeway: config.jwt_leeway,
        })
    }

    /// An access token for `subject`. `fresh` says the user just proved
    /// their password; `fam` names the refresh family it comes with, if any.
    pub async fn issue_access(
        &self,
        subject: Subject<'_>,
        fresh: bool,
        fam: Option<&str>,
    ) -> Result<IssuedToken, Error> {
        let mut claims = self.claims(subject, self.access_ttl)?;
        claims.fresh = Some(fresh);
        claims.fam = fam.map(str::to_owned);
        claims.email_verified = Some(subject.email_verified);
        Ok(IssuedToken {
            token: self.sign(Kind::Access, &claims).await?,
            expires_in: self.access_ttl.as_secs(),
        })
    }

    /// A refresh token for `subject`, in family `fam`, or in a new family
    /// when `fam` is `None` (a login). It expires after the configured
    /// lifetime, or at `not_after` (the family's maximum age) if sooner.
    pub async fn issue_refresh(
        &self,
        subject: Subject<'_>,
        fam: Option<String>,
        not_after: u64,
    ) -> Result<IssuedRefreshToken, Error> {
        let mut claims = self.claims(subject, self.refresh_ttl)?;
        claims.exp = claims.exp.min(not_after);
        let fam = match fam {
            Some(fam) => fam,
            None => random_id()?,
        };
        claims.fam = Some(fam);
        self.sign_refresh(claims).await
    }

    /// The refresh token a family's item records as current, signed again
    /// with the claims it was first issued with: for a client that lost
    /// the answer that carried it (two tabs refreshing at once).
    pub async fn reissue_refresh(
        &self,
        subject: Subject<'_>,
        fam: &str,
        family: &RefreshFamily,
    ) -> Result<IssuedRefreshToken, Error> {
        let issued_at = family
            .replaced
            .as_ref()
            .map(|replaced| replaced.at)
            .ok_or_else(|| Error::invalid_token("the family's token was never rotated"))?;
        let mut claims = self.claims(subject, self.refresh_ttl)?;
        claims.iat = issued_at;
        claims.nbf = issued_at;
        claims.exp = family.exp;
        claims.jti = family.jti.clone();
        claims.fam = Some(fam.to_owned());
        self.sign_refresh(claims).await
    }

    /// A device token for `subject`: handed out by every login, and
    /// presented by the next login from the same device. Its `jti` names
    /// the device. It is bound to the account (`aid`) but not to the token
    /// version: it is no credential, so a logout everywhere leaves it.
    pub async fn issue_device(&self, subject: Subject<'_>) -> Result<IssuedToken, Error> {
        let claims = self.claims(subject, self.device_ttl)?;
        Ok(IssuedToken {
            token: self.sign(Kind::Device, &claims).await?,
            expires_in: self.device_ttl.as_secs(),
        })
    }

    /// A password-reset token for `subject`, bound to its current
    /// `password_hash`: the password change it allows spends it, and so
    /// does any other. Lives `RESET_TOKEN_TTL`.
    pub async fn issue_reset(
        &self,
        subject: Subject<'_>,
        password_hash: &str,
    ) -> Result<IssuedToken, Error> {
        let mut claims = self.claims(subject, self.reset_ttl)?;
        claims.pwh = Some(password_fingerprint(password_hash));
        Ok(IssuedToken {
            token: self.sign(Kind::Reset, &claims).await?,
            expires_in: self.reset_ttl.as_secs(),
        })
    }

    /// An email-verification token for `subject`; the verification it
    /// allows spends it. Lives `VERIFY_TOKEN_TTL`.
    pub async fn issue_verification(&self, subject: Subject<'_>) -> Result<IssuedToken, Error> {
        let claims = self.claims(subject, self.verify_ttl)?;
        Ok(IssuedToken {
            token: self.sign(Kind::Verify, &claims).await?,
            expires_in: self.verify_ttl.as_secs(),
        })
    }

    async fn sign_refresh(&self, claims: WireClaims) -> Result<IssuedRefreshToken, Error> {
        let token = self.sign(Kind::Refresh, &claims).await?;
        let fam = required(claims.fam, "refresh token without `fam`")?;
        Ok(IssuedRefreshToken {
            token,
            jti: claims.jti,
            fam,
            iat: claims.iat,
            exp: claims.exp,
        })
    }

    /// Verifies an access token. Every failure is [`Error::InvalidToken`]
    /// with the reason for the logs.
    pub fn verify_access(&self, token: &str) -> Result<TokenClaims, Error> {
        let claims = self.verify(Kind::Access, token)?;
        required(claims.fresh, "access token without `fresh`")?;
        Ok(claims.into())
    }

    /// Verifies a refresh token.
    pub fn verify_refresh(&self, token: &str) -> Result<TokenClaims, Error> {
        let claims = self.verify(Kind::Refresh, token)?;
        required(claims.fam.as_ref(), "refresh token without `fam`")?;
        Ok(claims.into())
    }

    /// Verifies a device token.
    pub fn verify_device(&self, token: &str) -> Result<TokenClaims, Error> {
        self.verify(Kind::Device, token).map(TokenClaims::from)
    }

    /// Verifies a password-reset token; whether it is spent is for the
    /// caller to see, against the user's item (`pwh`).
    pub fn verify_reset(&self, token: &str) -> Result<TokenClaims, Error> {
        let claims = self.verify(Kind::Reset, token)?;
        required(claims.pwh.as_ref(), "reset token without `pwh`")?;
        Ok(claims.into())
    }

    /// Verifies an email-verification token.
    pub fn verify_verification(&self, token: &str) -> Result<TokenClaims, Error> {
        self.verify(Kind::Verify, token).map(TokenClaims::from)
    }

    fn claims(&self, subject: Subject<'_>, ttl: Duration) -> Result<WireClaims, Error> {
        let now = unix_now()?;
        Ok(WireClaims {
            sub: subject.email.to_owned(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl.as_secs(),
            jti: random_id()?,
            ver: subject.version,
            aid: subject.account_id.map(str::to_owned),
            fresh: None,
            fam: None,
            email_verified: None,
            pwh: None,
        })
    }

    /// The keys tokens are verified with, whose public ones the JWKS
    /// publishes.
    pub fn verifying_keys(&self) -> &VerifyingKeys {
        &self.verifying_keys
    }

    async fn sign(&self, kind: Kind, claims: &WireClaims) -> Result<String, Error> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            Error::Config("this function only verifies tokens: it has no signing key".into())
        })?;
        let failed = |error: &dyn std::fmt::Display| {
            Error::Internal(format!("signing a token failed: {error}"))
        };
        let mut header = Header::new(signer.algorithm());
        header.typ = Some(kind.typ().to_owned());
        header.kid = Some(signer.kid().to_owned());
        match signer {
            Signer::Local { key, .. } => {
                jsonwebtoken::encode(&header, claims, key).map_err(|error| failed(&error))
            }
            Signer::Kms(kms) => {
                let header = serde_json::to_vec(&header).map_err(|error| failed(&error))?;
                let claims = serde_json::to_vec(claims).map_err(|error| failed(&error))?;
                let message = format!(
                    "{}.{}",
                    URL_SAFE_NO_PAD.encode(header),
                    URL_SAFE_NO_PAD.encode(claims)
                );
                let signature = kms.sign(message.as_bytes()).await?;
                Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
            }
        }
    }

    /// Signature, algorithm, kind, time window, issuer and audience.
    fn verify(&self, kind: Kind, token: &str) -> Result<WireClaims, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::invalid_token("token over the size limit"));
        }
        let invalid = |error: jsonwebtoken::errors::Error| {
            Error::invalid_token(format!("{:?}", error.kind()))
        };
        // The unverified header only picks which of our own keys to try.
        let unverified = jsonwebtoken::decode_header(token).map_err(invalid)?;
        let (key, validation) = unverified
            .kid
            .as_deref()
            .and_then(|kid| self.verifier(kid))
            .ok_or_else(|| Error::invalid_token("kid missing or not a listed key"))?;
        let data = jsonwebtoken::decode::<WireClaims>(token, key, validation).map_err(invalid)?;
        check_header(&data.header, kind)?;
        self.check_lifetime(&data.claims, kind)?;
        Ok(data.claims)
    }

    fn verifier(&self, kid: &str) -> Option<(&DecodingKey, &Validation)> {
        let key = self.verifying_keys.find(kid)?;
        let (_, validation) = self
            .validations
            .iter()
            .find(|(algorithm, _)| *algorithm == key.algorithm)?;
        Some((&key.key, validation))
    }

    /// Refuses tokens whose `iat` lies in the future, or whose lifetime is
    /// longer than this deployment issues for their kind: such a token was
    /// not made here with the current policy.
    fn check_lifetime(&self, claims: &WireClaims, kind: Kind) -> Result<(), Error> {
        let leeway = self.leeway.as_secs();
        let ttl = match kind {
            Kind::Access => self.access_ttl,
            Kind::Refresh => self.refresh_ttl,
            Kind::Device => self.device_ttl,
            Kind::Reset => self.reset_ttl,
            Kind::Verify => self.verify_ttl,
        };
        if claims.iat > unix_now()? + leeway {
            return Err(Error::invalid_token("iat in the future"));
        }
        if claims.exp.saturating_sub(claims.iat) > ttl.as_secs() + leeway {
            return Err(Error::invalid_token("lifetime longer than configured"));
        }
        Ok(())
    }
}

/// Only `alg` (checked by jsonwebtoken), `typ` and `kid` (one of our own key
/// ids) are expected. Headers that point at keys elsewhere are refused
/// outright: they are never fetched or used, and a token that carries one
/// was not made here. So is any `crit`: jsonwebtoken accepts `["b64"]`
/// (RFC 7797), but no token of ours asks for an extension.
fn check_header(header: &Header, kind: Kind) -> Result<(), Error> {
    if header.typ.as_deref() != Some(kind.typ()) {
        return Err(Error::invalid_token(format!("not a {kind:?} token (typ)")));
    }
    if header.crit.is_some() {
        return Err(Error::invalid_token("crit header"));
    }
    let names_a_key = header.jku.is_some()
        || header.jwk.is_some()
        || header.x5u.is_some()
        || header.x5c.is_some()
        || header.x5t.is_some()
        || header.x5t_s256.is_some();
    if names_a_key {
        return Err(Error::invalid_token("header names a key"));
    }
    Ok(())
}

/// The current signing key, checked against `JWT_ALGORITHM` if set.
fn signer(config: &Config, keys: &SigningKeys) -> Result<Signer, Error> {
    let current = keys.current();
    check_algorithm(config, current.kid(), current.algorithm())?;
    Ok(Signer::Local {
        kid: current.kid().to_owned(),
        algorithm: current.algorithm(),
        key: current.encoding_key()?,
    })
}

/// Refuses a signing key of another algorithm than `JWT_ALGORITHM`, if set.
fn check_algorithm(config: &Config, kid: &str, algorithm: Algorithm) -> Result<(), Error> {
    match config.jwt_algorithm {
        Some(expected) if expected != algorithm => Err(Error::Config(format!(
            "JWT_ALGORITHM is {expected:?}, but the current signing key {kid:?} is a \
             {algorithm:?} key"
        ))),
        _ => Ok(()),
    }
}

/// What a reset token carries instead of the password hash it is bound to:
/// SHA-256 of the stored PHC string, base64url. The hash it is taken of
/// holds a random salt, so the fingerprint tells nothing about the
/// password, and any new password, even the same one again, changes it.
pub fn password_fingerprint(password_hash: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, password_hash.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// A claim its kind of token must carry.
fn required<T>(claim: Option<T>, missing: &'static str) -> Result<T, Error> {
    claim.ok_or_else(|| Error::invalid_token(missing))
}

/// 128 random bits, base64url: unique without coordination. Unlike
/// `uuid::Uuid::new_v4`, an RNG failure is an error, not a panic.
pub(crate) fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Internal(format!("system RNG failed: {error}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
