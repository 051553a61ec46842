//! What every function holds for its lifetime, and the request loader that
//! turns a request into the user it acts for.

use lambda_http::Request;

use crate::bearer::find_token;
use crate::config::Config;
use crate::dynamodb;
use crate::error::Error;
use crate::request::JsonObject;
use crate::token::{AccessClaims, AccessTokens};
use crate::users::{User, UserStore};

/// Config, signing keys and the users table: built once per cold start and
/// borrowed by every request.
pub struct Auth {
    pub config: Config,
    pub tokens: AccessTokens,
    pub users: UserStore,
}

/// The user a request acts for, and the token that proved it.
#[derive(Debug)]
pub struct CurrentUser {
    pub user: User,
    pub claims: AccessClaims,
}

impl Auth {
    /// Reads the environment and builds the DynamoDB client.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env()?;
        let client = dynamodb::client(&config.dynamodb).await;
        Self::new(config, client)
    }

    pub fn new(config: Config, client: aws_sdk_dynamodb::Client) -> Result<Self, Error> {
        Ok(Self {
            tokens: AccessTokens::new(&config)?,
            users: UserStore::new(client, config.users_table.clone()),
            config,
        })
    }

    /// The request loader: finds the token, verifies it and loads its user,
    /// with exactly one GetItem. A deleted or inactive user is refused like
    /// a bad token, so a token never outlives its account.
    pub async fn current_user(
        &self,
        request: &Request,
        body: Option<&JsonObject>,
    ) -> Result<CurrentUser, Error> {
        let token = find_token(request, body, self.config.token_locations)?;
        let claims = self.tokens.verify(token)?;
        let user = self
            .users
            .find_by_email(&claims.sub)
            .await?
            .ok_or_else(|| Error::invalid_token("the token's user no longer exists"))?;
        if !user.active {
            return Err(Error::invalid_token("the token's user is inactive"));
        }
        Ok(CurrentUser { user, claims })
    }
}
