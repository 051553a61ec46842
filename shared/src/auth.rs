//! What every function that handles tokens holds for its lifetime, and the
//! checks that a token still speaks for its account. The use cases are
//! methods on [`Auth`] too, one file each under `use_cases/`.

use std::ops::Deref;

use crate::accounts::{ACCOUNT_GONE, ACCOUNT_INACTIVE, EARLIER_ACCOUNT, User, UserStore};
use crate::aws;
use crate::config::Config;
use crate::error::Error;
use crate::tokens::{SigningKeys, TokenClaims, TokenKind, Tokens};

/// Config, signing keys and the users table: built once per cold start and
/// borrowed by every request.
#[derive(Debug)]
pub struct Auth {
    config: Config,
    tokens: Tokens,
    users: UserStore,
}

/// The user a request acts for, and the access token that proved it: what
/// Flask-Login calls `current_user`. It dereferences to the [`User`], so
/// `current.email` is the user's email.
#[derive(Debug)]
pub struct CurrentUser {
    /// The user's item, as loaded for this request: without the password
    /// hash, devices and lockouts
    /// ([`crate::accounts::ACCESS_CHECK_ATTRIBUTES`]), unless loaded by
    /// [`Auth::user_and_password_for_access_token`].
    pub user: User,
    /// What the access token said.
    pub claims: TokenClaims,
    read: ItemRead,
}

/// How much of a user's item a request loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemRead {
    /// [`crate::accounts::ACCESS_CHECK_ATTRIBUTES`] alone.
    AccessCheck,
    /// Every attribute, the password hash included.
    Whole,
}

/// A [`CurrentUser`] whose token came straight from a sign-in, as
/// sensitive operations require ([`CurrentUser::require_fresh`]).
#[derive(Debug)]
pub struct FreshUser(CurrentUser);

impl CurrentUser {
    /// Refuses tokens that did not come straight from a sign-in: a refresh
    /// hands out tokens that are not fresh.
    ///
    /// # Errors
    ///
    /// [`Error::FreshTokenRequired`], which answers 401 with
    /// `WWW-Authenticate: Bearer error="insufficient_user_authentication"`.
    pub fn require_fresh(self) -> Result<FreshUser, Error> {
        if self.claims.is_fresh() {
            Ok(FreshUser(self))
        } else {
            Err(Error::FreshTokenRequired)
        }
    }

    /// The user's password hash, which only a whole read loads.
    pub(crate) fn password_hash(&self) -> Result<Option<&str>, Error> {
        match self.read {
            ItemRead::Whole => Ok(self.user.password_hash.as_deref()),
            ItemRead::AccessCheck => Err(Error::Internal(
                "the user was loaded without its password hash: load it with \
                 http::current_user_with_password"
                    .into(),
            )),
        }
    }
}

impl Deref for CurrentUser {
    type Target = User;

    fn deref(&self) -> &User {
        &self.user
    }
}

impl FreshUser {
    /// The user's item, as loaded for this request.
    pub fn user(&self) -> &User {
        &self.0.user
    }
}

impl Deref for FreshUser {
    type Target = CurrentUser;

    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

impl Auth {
    /// Reads the environment, loads the signing keys (from Secrets Manager
    /// when configured so) and builds the DynamoDB client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the environment does not describe a working
    /// configuration, or the signing keys cannot be loaded.
    pub async fn from_env() -> Result<Self, Error> {
        Self::from_config(Config::from_env()?).await
    }

    /// [`Auth::from_env`] for a configuration read some other way.
    ///
    /// # Errors
    ///
    /// As [`Auth::from_env`].
    pub async fn from_config(config: Config) -> Result<Self, Error> {
        let sdk_config = aws::sdk_config(&config.accounts.aws).await;
        let tokens = Tokens::from_source(&config.tokens, &config.signing_keys, &sdk_config).await?;
        Ok(Self::with_tokens(
            config,
            tokens,
            aws_sdk_dynamodb::Client::new(&sdk_config),
        ))
    }

    /// Builds the state from parts made elsewhere, such as a test's client.
    /// `keys` is `None` in a function that only verifies.
    ///
    /// # Errors
    ///
    /// As [`Tokens::new`].
    pub fn new(
        config: Config,
        keys: Option<&SigningKeys>,
        client: aws_sdk_dynamodb::Client,
    ) -> Result<Self, Error> {
        let tokens = Tokens::new(&config.tokens, keys)?;
        Ok(Self::with_tokens(config, tokens, client))
    }

    /// Builds the state around tokens made elsewhere, such as with a KMS
    /// key ([`Tokens::from_source`]).
    pub fn with_tokens(config: Config, tokens: Tokens, client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            tokens,
            users: UserStore::new(client, config.accounts.users_table.clone()),
            config,
        }
    }

    /// The configuration the function was started with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Signs and verifies tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The users table.
    pub fn users(&self) -> &UserStore {
        &self.users
    }

    /// Verifies an access token and loads its user, with exactly one
    /// GetItem of [`crate::accounts::ACCESS_CHECK_ATTRIBUTES`]: the request
    /// loader, for callers that found the token themselves (an API Gateway
    /// authorizer; `http::current_user` finds it in a request).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidToken`] for a token that is not a live access token
    /// of an active account; [`Error::AwsUnavailable`] or
    /// [`Error::AwsFailure`] when DynamoDB fails.
    pub async fn user_for_access_token(&self, token: &str) -> Result<CurrentUser, Error> {
        self.load_for_access_token(token, ItemRead::AccessCheck)
            .await
    }

    /// [`Auth::user_for_access_token`], loading the whole item, password
    /// hash included, as a password change needs.
    ///
    /// # Errors
    ///
    /// As [`Auth::user_for_access_token`].
    pub async fn user_and_password_for_access_token(
        &self,
        token: &str,
    ) -> Result<CurrentUser, Error> {
        self.load_for_access_token(token, ItemRead::Whole).await
    }

    async fn load_for_access_token(
        &self,
        token: &str,
        read: ItemRead,
    ) -> Result<CurrentUser, Error> {
        let claims = self.tokens.verify(TokenKind::Access, token)?;
        let user = self.live_user(&claims, read).await?;
        // A token issued with a refresh family dies with it: a detected
        // replay revokes the thief's access tokens too, at no extra read.
        if let Some(family) = &claims.refresh_family
            && user.refresh_family(family).is_none()
        {
            return Err(Error::invalid_token(
                "the token's refresh family was revoked",
            ));
        }
        Ok(CurrentUser { user, claims, read })
    }

    /// Loads the user an access token names and checks that the token
    /// still speaks for them: the user exists, is the same account (not
    /// one signed up again with its email since), is active, and has not
    /// retired tokens of this version (logout, password change) since.
    pub(crate) async fn live_user(
        &self,
        claims: &TokenClaims,
        read: ItemRead,
    ) -> Result<User, Error> {
        let found = match read {
            ItemRead::AccessCheck => self.users.find_for_access_check(&claims.email).await?,
            ItemRead::Whole => self.users.find_by_email(&claims.email).await?,
        };
        let Some(user) = found else {
            return Err(Error::invalid_token(ACCOUNT_GONE));
        };
        if user.account_id != claims.account_id {
            return Err(Error::invalid_token(EARLIER_ACCOUNT));
        }
        if !user.active {
            return Err(Error::invalid_token(ACCOUNT_INACTIVE));
        }
        if user.token_version() != claims.token_version {
            return Err(Error::invalid_token(
                "the token was retired by a logout or password change",
            ));
        }
        Ok(user)
    }
}
