//! Signing and verifying JWTs (RS256, ES256 or HS256) that carry the user's
//! email in `sub`, through one path for every [`TokenKind`]: access tokens.
//!
//! Every token carries the user's token version (`ver`); bumping the
//! version on the user's item retires every token issued before. Every
//! token names its signing key in `kid`, so keys can rotate (see
//! `signing_keys`).

use std::time::Duration;

use aws_config::SdkConfig;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};

use crate::clock::unix_now;
use crate::error::Error;
use crate::ids::random_id;
use crate::tokens::signer::Signer;
use crate::tokens::{
    AuthMethod, IssuedToken, KeySource, KmsSigner, SigningKeys, Subject, TokenClaims, TokenKind,
    TokenSettings, VerifyingKeys,
};

/// Longer tokens are refused before any decoding. Ours are about 400 bytes.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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
    settings: TokenSettings,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("signer", &self.signer.as_ref().map(Signer::kid))
            .field("verifying_keys", &self.verifying_keys)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Signs with `signing`'s current key, if given; a function that only
    /// verifies has none. Verifies with the keys of `JWT_PUBLIC_KEYS`, or
    /// else with every key of `signing`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when there is no key to verify with, or the signing
    /// key is not among the verifying keys or not of `JWT_ALGORITHM`.
    pub fn new(settings: &TokenSettings, signing: Option<&SigningKeys>) -> Result<Self, Error> {
        let verifying_keys = match (&settings.public_keys, signing) {
            (Some(public), _) => public.clone(),
            (None, Some(signing)) => VerifyingKeys::from_signing_keys(signing)?,
            (None, None) => {
                return Err(Error::Config(
                    "no key to verify tokens with: set JWT_PUBLIC_KEYS or a signing key".into(),
                ));
            }
        };
        let signer = signing
            .map(|keys| Signer::current(keys, settings.algorithm))
            .transpose()?;
        Self::build(settings, signer, verifying_keys)
    }

    /// The tokens of `source`: with the keys it names, loaded from Secrets
    /// Manager if so (one GetSecretValue), or with its KMS key (no call
    /// until the first token is signed), through `sdk_config`.
    ///
    /// # Errors
    ///
    /// As [`Tokens::new`], and [`Error::Config`] when the secret cannot be
    /// read or holds no valid key set.
    pub async fn from_source(
        settings: &TokenSettings,
        source: &KeySource,
        sdk_config: &SdkConfig,
    ) -> Result<Self, Error> {
        match source {
            KeySource::Kms { key_id } => {
                let algorithm = settings.algorithm.unwrap_or(Algorithm::RS256);
                let client = aws_sdk_kms::Client::new(sdk_config);
                Self::with_kms(settings, KmsSigner::new(client, key_id, algorithm)?)
            }
            source => Self::new(settings, source.load(sdk_config).await?.as_ref()),
        }
    }

    /// Signs with the KMS key `kms`; verifies with `JWT_PUBLIC_KEYS`, which
    /// must list it (the private key never leaves KMS, so its public half
    /// comes published: the template's key resource gives it).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without `JWT_PUBLIC_KEYS`, or when it lacks the key.
    pub fn with_kms(settings: &TokenSettings, kms: KmsSigner) -> Result<Self, Error> {
        let verifying_keys = settings.public_keys.clone().ok_or_else(|| {
            Error::Config(
                "JWT_SIGNING_KMS_KEY_ID needs JWT_PUBLIC_KEYS, the JWKS that lists the key's \
                 public half (`sessionless-admin jwks --kms-key-id ...` prints it)"
                    .into(),
            )
        })?;
        let signer = Signer::kms(kms, settings.algorithm)?;
        Self::build(settings, Some(signer), verifying_keys)
    }

    fn build(
        settings: &TokenSettings,
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
        validation.set_issuer(&[&settings.issuer]);
        // Every audience a kind may carry; check_audience then holds each
        // token to its own kind's.
        let audiences = TokenKind::ALL.map(|kind| settings.audience_of(kind));
        validation.set_audience(&audiences);
        validation.validate_exp = true;
        // jsonwebtoken leaves `nbf` unchecked and allows 60 s of skew unless told.
        validation.validate_nbf = true;
        validation.leeway = settings.leeway.as_secs();
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
            settings: settings.clone(),
        })
    }

    /// The policy tokens are issued and checked with.
    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// The keys tokens are verified with, whose public ones the JWKS
    /// publishes.
    pub fn verifying_keys(&self) -> &VerifyingKeys {
        &self.verifying_keys
    }

    /// The one path every JWT is issued by: the claims every token has,
    /// for `subject` and the lifetime of `kind`; then `shape` adds what the
    /// kind carries; then the signature; answered with the token's
    /// lifetime.
    async fn issue_token(
        &self,
        kind: TokenKind,
        subject: Subject<'_>,
        shape: impl FnOnce(&mut TokenClaims) -> Result<(), Error>,
    ) -> Result<IssuedToken, Error> {
        let signer = self.signer.as_ref().ok_or_else(|| {
            Error::Config("this function only verifies tokens: it has no signing key".into())
        })?;
        let now = unix_now()?;
        let mut claims = TokenClaims {
            email: subject.email.to_owned(),
            issuer: self.settings.issuer.clone(),
            audience: self.settings.audience_of(kind),
            issued_at: now,
            not_before: now,
            expires_at: now + self.settings.lifetime(kind).as_secs(),
            id: random_id()?,
            token_version: subject.version,
            account_id: subject.account_id.map(str::to_owned),
            fresh: None,
            amr: None,
            refresh_family: None,
            email_verified: None,
        };
        shape(&mut claims)?;
        kind.check_claims(&claims)?;
        let token = signer.sign(kind, &claims).await?;
        Ok(IssuedToken {
            token,
            expires_in: self.settings.lifetime(kind).as_secs(),
        })
    }

    /// An access token for `subject`. `fresh` says the user just signed
    /// in, and `amr` how; `family` names the refresh family it comes with,
    /// if any.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] in a function without a signing key; a KMS failure
    /// as [`Error::AwsUnavailable`] or [`Error::AwsFailure`].
    pub async fn issue_access(
        &self,
        subject: Subject<'_>,
        fresh: bool,
        amr: &[AuthMethod],
        family: Option<&str>,
    ) -> Result<IssuedToken, Error> {
        self.issue_token(TokenKind::Access, subject, |claims| {
            claims.fresh = Some(fresh);
            claims.amr = (!amr.is_empty()).then(|| AuthMethod::names(amr));
            claims.refresh_family = family.map(str::to_owned);
            claims.email_verified = Some(subject.email_verified);
            Ok(())
        })
        .await
    }

    /// Verifies `token` as a token of `kind`: size, signature, algorithm,
    /// header, time window, issuer, audience, lifetime and the claim its
    /// kind must carry. Whether it is still live (its user, its version,
    /// its family) is for the caller to see, against the user's item.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] with the reason for the logs.
    pub fn verify(&self, kind: TokenKind, token: &str) -> Result<TokenClaims, Error> {
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
        let data = jsonwebtoken::decode::<TokenClaims>(token, key, validation).map_err(invalid)?;
        check_header(&data.header, kind)?;
        if data.claims.audience != self.settings.audience_of(kind) {
            return Err(Error::invalid_token(format!("not a {kind:?} token (aud)")));
        }
        self.check_lifetime(&data.claims, self.settings.lifetime(kind))?;
        kind.check_claims(&data.claims)?;
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
    fn check_lifetime(&self, claims: &TokenClaims, lifetime: Duration) -> Result<(), Error> {
        let leeway = self.settings.leeway.as_secs();
        if claims.issued_at > unix_now()? + leeway {
            return Err(Error::invalid_token("iat in the future"));
        }
        if claims.expires_at.saturating_sub(claims.issued_at) > lifetime.as_secs() + leeway {
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
fn check_header(header: &Header, kind: TokenKind) -> Result<(), Error> {
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
