//! What every function holds for its lifetime, and the loader that turns a
//! request into the user it acts for. The use cases are methods on [`Auth`]
//! too, one file each under `use_cases/`.

use lambda_http::Request;

use crate::accounts::{ACCOUNT_GONE, ACCOUNT_INACTIVE, EARLIER_ACCOUNT, User, UserStore};
use crate::aws;
use crate::config::Config;
use crate::error::Error;
use crate::http::{ACCESS_TOKEN_FIELD, JsonObject, find_token};
use crate::tokens::{SigningKeys, TokenClaims, Tokens};

/// Config, signing keys and the users table: built once per cold start and
/// borrowed by every request.
pub struct Auth {
    /// The configuration the function was started with.
    pub config: Config,
    /// Signs and verifies tokens.
    pub tokens: Tokens,
    /// The users table.
    pub users: UserStore,
}

/// The user a request acts for, and the access token that proved it.
#[derive(Debug)]
pub struct CurrentUser {
    /// The user's item, as loaded for this request.
    pub user: User,
    /// What the access token said.
    pub claims: TokenClaims,
}

/// A [`CurrentUser`] whose token came straight from a password login, as
/// sensitive operations require ([`CurrentUser::require_fresh`]).
#[derive(Debug)]
pub struct FreshUser(CurrentUser);

impl CurrentUser {
    /// Refuses tokens that did not come straight from a password login.
    pub fn require_fresh(self) -> Result<FreshUser, Error> {
        if self.claims.fresh {
            Ok(FreshUser(self))
        } else {
            Err(Error::FreshTokenRequired)
        }
    }
}

impl FreshUser {
    /// The user's item, as loaded for this request.
    pub fn user(&self) -> &User {
        &self.0.user
    }
}

impl Auth {
    /// Reads the environment, loads the signing keys (from Secrets Manager
    /// when configured so) and builds the DynamoDB client.
    pub async fn from_env() -> Result<Self, Error> {
        Self::from_config(Config::from_env()?).await
    }

    /// [`Auth::from_env`] for a configuration read some other way.
    pub async fn from_config(config: Config) -> Result<Self, Error> {
        let sdk_config = aws::sdk_config(&config.accounts.dynamodb).await;
        let tokens = Tokens::from_config(&config, &sdk_config).await?;
        Ok(Self::with_tokens(
            config,
            tokens,
            aws_sdk_dynamodb::Client::new(&sdk_config),
        ))
    }

    /// Builds the state from parts made elsewhere, such as a test's client.
    /// `keys` is `None` in a function that only verifies.
    pub fn new(
        config: Config,
        keys: Option<&SigningKeys>,
        client: aws_sdk_dynamodb::Client,
    ) -> Result<Self, Error> {
        let tokens = Tokens::new(&config, keys)?;
        Ok(Self::with_tokens(config, tokens, client))
    }

    /// Builds the state around tokens made elsewhere, such as with a KMS
    /// key ([`Tokens::from_config`]).
    pub fn with_tokens(config: Config, tokens: Tokens, client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            tokens,
            users: UserStore::new(client, config.accounts.users_table.clone()),
            config,
        }
    }

    /// The request loader: finds the access token, verifies it and loads its
    /// user, with exactly one GetItem.
    pub async fn current_user(
        &self,
        request: &Request,
        body: Option<&JsonObject>,
    ) -> Result<CurrentUser, Error> {
        let token = find_token(
            request,
            body,
            ACCESS_TOKEN_FIELD,
            self.config.token_locations,
        )?;
        self.user_for_access_token(token).await
    }

    /// Verifies an access token and loads its user; for callers that found
    /// the token themselves, such as an API Gateway authorizer.
    pub async fn user_for_access_token(&self, token: &str) -> Result<CurrentUser, Error> {
        let claims = self.tokens.verify_access(token)?;
        let user = self.live_user(&claims).await?;
        // A token issued with a refresh family dies with it: a detected
        // replay revokes the thief's access tokens too, at no extra read.
        if let Some(fam) = &claims.fam
            && user.refresh_family(fam).is_none()
        {
            return Err(Error::invalid_token(
                "the token's refresh family was revoked",
            ));
        }
        Ok(CurrentUser { user, claims })
    }

    /// Loads the user a token names and checks that the token still speaks
    /// for them: the account it was issued to ([`Auth::issued_account`]),
    /// which has not retired tokens of this version (logout, password
    /// change) since.
    pub(crate) async fn live_user(&self, claims: &TokenClaims) -> Result<User, Error> {
        let user = self
            .issued_account(claims)
            .await?
            .map_err(Error::invalid_token)?;
        if user.token_version() != claims.ver {
            return Err(Error::invalid_token(
                "the token was retired by a logout or password change",
            ));
        }
        Ok(user)
    }

    /// The account a token of any kind was issued to, as it is now: the
    /// user exists, is the same account (not one signed up again with its
    /// email since) and is active. `Ok(Err(reason))` when not, with the
    /// reason for the logs, for the caller to refuse as its kind of token.
    pub(crate) async fn issued_account(
        &self,
        claims: &TokenClaims,
    ) -> Result<Result<User, &'static str>, Error> {
        let Some(user) = self.users.find_by_email(&claims.sub).await? else {
            return Ok(Err(ACCOUNT_GONE));
        };
        Ok(if user.account_id != claims.aid {
            Err(EARLIER_ACCOUNT)
        } else if !user.active {
            Err(ACCOUNT_INACTIVE)
        } else {
            Ok(user)
        })
    }
}
