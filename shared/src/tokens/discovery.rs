//! What a token issuer publishes so that anyone can verify its tokens
//! without asking it: the public keys as a JWKS (RFC 7517) at
//! `/.well-known/jwks.json`, and an OpenID Connect Discovery document at
//! `/.well-known/openid-configuration` that names the issuer and where its
//! keys are. Both are built once per cold start and served as they are.
//!
//! Sessionless is a token issuer, not an OpenID provider: there is no
//! authorization endpoint and no ID token. The discovery document says so
//! in its own terms (no response types), and carries what verifiers such
//! as API Gateway's JWT authorizer read from it: `issuer` and `jwks_uri`.

use std::borrow::Cow;

use serde::Serialize;
use url::Url;

use crate::error::Error;
use crate::tokens::VerifyingKeys;

/// Where the JWKS is served, below the issuer.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Where the discovery document is served, below the issuer.
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// The two documents, as JSON text.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The JWKS: every public key tokens may be verified with.
    jwks: String,
    /// The OpenID Connect Discovery document, when the issuer is configured;
    /// otherwise it is made for the URL each request arrives at
    /// ([`Discovery::openid_configuration_at`]).
    openid_configuration: Option<String>,
    /// The algorithms of the published keys.
    algorithms: Vec<String>,
}

#[derive(Serialize)]
struct OpenIdConfiguration<'a> {
    issuer: &'a str,
    jwks_uri: String,
    /// No authorization endpoint, so no response type applies.
    response_types_supported: [&'a str; 0],
    /// `sub` is the user's email, the same for every client.
    subject_types_supported: [&'a str; 1],
    id_token_signing_alg_values_supported: Vec<String>,
    claims_supported: [&'a str; 11],
}

impl Discovery {
    /// The documents of `issuer` (`JWT_ISSUER`, which must be the http(s)
    /// URL they are served under, exactly as tokens carry it in `iss`), or,
    /// without one, of the URL each request arrives at, and the public keys
    /// of `keys`.
    pub fn new(issuer: Option<&str>, keys: &VerifyingKeys) -> Result<Self, Error> {
        let jwks = keys.public_jwks();
        let mut algorithms: Vec<String> = Vec::new();
        for key in &jwks.keys {
            if let Some(alg) = key.common.key_algorithm {
                let alg = format!("{alg:?}");
                if !algorithms.contains(&alg) {
                    algorithms.push(alg);
                }
            }
        }
        let mut discovery = Self {
            jwks: to_json(&jwks)?,
            openid_configuration: None,
            algorithms,
        };
        if let Some(issuer) = issuer {
            discovery.openid_configuration = Some(discovery.openid_configuration_at(issuer)?);
        }
        Ok(discovery)
    }

    /// The JWKS, as JSON text: every public key tokens may be verified
    /// with.
    pub fn jwks(&self) -> &str {
        &self.jwks
    }

    /// The discovery document, as JSON text: of the configured issuer, or,
    /// without one, of the URL `arrival` names (the URL the request
    /// arrived at), made on the spot.
    ///
    /// # Errors
    ///
    /// What `arrival` fails with, or as
    /// [`Discovery::openid_configuration_at`].
    pub fn openid_configuration(
        &self,
        arrival: impl FnOnce() -> Result<String, Error>,
    ) -> Result<Cow<'_, str>, Error> {
        match &self.openid_configuration {
            Some(document) => Ok(Cow::Borrowed(document)),
            None => self.openid_configuration_at(&arrival()?).map(Cow::Owned),
        }
    }

    /// The discovery document of `issuer`, which must be an http(s) URL.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `issuer` is not an http(s) URL without query
    /// or fragment.
    pub fn openid_configuration_at(&self, issuer: &str) -> Result<String, Error> {
        let url = Url::parse(issuer).ok().filter(|url| {
            matches!(url.scheme(), "https" | "http")
                && url.query().is_none()
                && url.fragment().is_none()
        });
        if url.is_none() {
            return Err(Error::Config(format!(
                "JWT_ISSUER is {issuer:?}; discovery needs the http(s) URL its documents are \
                 served under, such as https://auth.example.com"
            )));
        }
        to_json(&OpenIdConfiguration {
            issuer,
            jwks_uri: format!("{}{JWKS_PATH}", issuer.trim_end_matches('/')),
            response_types_supported: [],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: self.algorithms.clone(),
            claims_supported: [
                "sub",
                "iss",
                "aud",
                "exp",
                "nbf",
                "iat",
                "jti",
                "ver",
                "aid",
                "fresh",
                "email_verified",
            ],
        })
    }
}

fn to_json(document: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(document).map_err(|error| {
        Error::Internal(format!("a discovery document did not serialise: {error}"))
    })
}
